#include "registry-service/redis/redis_async.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "registry-service/core/store.h"

namespace samenspel::registry {
namespace {

thread_local bool on_io_thread = false;

}  // namespace

bool RedisAsync::OnIoThread() { return on_io_thread; }

RedisAsync::RedisAsync(RedisConnectOptions options, std::optional<RedisTracking> tracking)
    : options_(std::move(options)),
      tracking_(std::move(tracking)),
      address_(RedisAddress(options_)) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { Loop(); });
}

RedisAsync::~RedisAsync() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  Wake();
  thread_.join();
  Drop(absl::UnavailableError(absl::StrCat("redis ", address_, ": client stopped")));
  std::deque<Queued> queue;
  {
    absl::MutexLock lock(&mu_);
    queue.swap(queue_);
  }
  for (Queued& q : queue) {
    std::move(q.done)(
        absl::UnavailableError(absl::StrCat("redis ", address_, ": client stopped")));
  }
  if (wake_fd_ >= 0) close(wake_fd_);
}

namespace {

// `argv` in the Redis protocol: an array of bulk strings, written straight
// into the string (hiredis' redisFormatCommandArgv builds its own buffer,
// which would be copied once more: 3% of the registry's time per create).
std::string Formatted(absl::Span<const absl::string_view> argv) {
  size_t size = 24;
  for (absl::string_view a : argv) size += a.size() + 24;
  std::string out;
  out.reserve(size);
  absl::StrAppend(&out, "*", argv.size(), "\r\n");
  for (absl::string_view a : argv)
    absl::StrAppend(&out, "$", a.size(), "\r\n", a, "\r\n");
  return out;
}

}  // namespace

void RedisAsync::Execute(absl::Span<const absl::string_view> argv, Callback done) {
  Queued q{Formatted(argv), std::move(done)};
  Enqueue(absl::MakeSpan(&q, 1));
}

void RedisAsync::ExecuteAll(absl::Span<const std::vector<absl::string_view>> commands,
                            std::vector<Callback> dones) {
  std::vector<Queued> queued;
  queued.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    queued.push_back({Formatted(commands[i]), std::move(dones[i])});
  }
  Enqueue(absl::MakeSpan(queued));
}

void RedisAsync::Enqueue(absl::Span<Queued> queued) {
  bool wake = false, stopped = false;
  {
    absl::MutexLock lock(&mu_);
    stopped = stopping_;
    if (!stopped) {
      for (Queued& q : queued) queue_.push_back(std::move(q));
      wake = idle_;
      idle_ = false;
    }
  }
  // A command from a callback that the destructor runs: failed at once, so
  // that none is left unanswered.
  if (stopped) {
    for (Queued& q : queued) {
      std::move(q.done)(
          absl::UnavailableError(absl::StrCat("redis ", address_, ": client stopped")));
    }
    return;
  }
  if (wake) Wake();
}

void RedisAsync::Wake() {
  const uint64_t one = 1;
  // EAGAIN means the counter is already set: the I/O thread wakes anyway.
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

absl::Status RedisAsync::EnsureConnected() {
  if (connection_ != nullptr) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<RedisConnection>> c = RedisConnection::Connect(options_);
  if (!c.ok()) return c.status();
  connection_ = *std::move(c);
  reader_ = redisReaderCreate();
  // The record cache's subscription once Redis answered on it (see Loop): a
  // hung Redis takes new connections, and the subscription's handshake
  // would hold this thread for the command timeout before the first command.
  answered_ = false;
  return absl::OkStatus();
}

namespace {

constexpr absl::string_view kInvalidationChannel = "__redis__:invalidate";

void Warn(const std::string& message) { LogLine(message); }

bool IsText(const redisReply& r, absl::string_view text) {
  return (r.type == REDIS_REPLY_STRING || r.type == REDIS_REPLY_STATUS) &&
         absl::string_view(r.str, r.len) == text;
}

}  // namespace

void RedisAsync::StartTracking() {
  if (!tracking_.has_value() || connection_ == nullptr || listener_ != nullptr) return;
  if (absl::Now() < next_tracking_attempt_) return;
  // Its handshake would hold this thread for the command timeout. (Asked
  // again a little later: a time left in the past made the loop spin.)
  if (options_.circuit != nullptr && options_.circuit->open()) {
    next_tracking_attempt_ = absl::Now() + absl::Milliseconds(250);
    return;
  }
  next_tracking_attempt_ = absl::Now() + absl::Seconds(1);
  // The same server as the commands' connection, found without Sentinel:
  // invalidations from any other would not cover what they read.
  RedisConnectOptions same = options_;
  same.sentinel = nullptr;
  same.host = connection_->peer().host;
  same.port = connection_->peer().port;
  auto fail = [this](absl::string_view why) {
    CacheOff(absl::StrCat("redis ", address_, ": no record cache for now: ", why));
    DropTracking();
    // A Redis that refuses (an ACL without CLIENT or SUBSCRIBE) is not asked
    // every second.
    next_tracking_attempt_ = absl::Now() + absl::Seconds(30);
  };
  absl::StatusOr<std::unique_ptr<RedisConnection>> c = RedisConnection::Connect(same);
  if (!c.ok()) return fail(c.status().message());
  listener_ = *std::move(c);
  absl::StatusOr<RedisReply> id = listener_->Command({"CLIENT", "ID"});
  if (!id.ok() || (*id)->type != REDIS_REPLY_INTEGER) {
    return fail(id.ok() ? "CLIENT ID: unexpected reply" : id.status().message());
  }
  absl::StatusOr<RedisReply> subscribed =
      listener_->Command({"SUBSCRIBE", kInvalidationChannel});
  if (!subscribed.ok() || (*subscribed)->type != REDIS_REPLY_ARRAY ||
      (*subscribed)->elements != 3 || !IsText(*(*subscribed)->element[0], "subscribe")) {
    return fail(subscribed.ok() ? "SUBSCRIBE: unexpected reply"
                                : subscribed.status().message());
  }
  listener_reader_ = redisReaderCreate();
  const uint64_t generation = ++listener_generation_;
  // Off first: after a lost subscription, tracking may still be on with the
  // old one as its target, and Redis does not switch a connection's target.
  const std::string redirect = absl::StrCat((*id)->integer);
  std::vector<absl::string_view> on = {"CLIENT",   "TRACKING", "on",
                                       "REDIRECT", redirect,   "BCAST"};
  for (const std::string& prefix : tracking_->prefixes) {
    on.push_back("PREFIX");
    on.push_back(prefix);
  }
  const absl::Time deadline = absl::Now() + options_.command_timeout;
  out_ += Formatted({"CLIENT", "TRACKING", "off"});
  in_flight_.push_back({[](absl::StatusOr<RedisReply>) {}, deadline});
  out_ += Formatted(on);
  in_flight_.push_back(
      {[this, generation](absl::StatusOr<RedisReply> reply) {
         if (generation != listener_generation_ || listener_ == nullptr) {
           return;  // that subscription is gone
         }
         if (!reply.ok()) {
           CacheOff(absl::StrCat(
               "redis ", address_,
               ": no record cache: CLIENT TRACKING failed: ", reply.status().message()));
           DropTracking();
           // Not again and again for a Redis that refuses.
           next_tracking_attempt_ = absl::Now() + absl::Minutes(1);
           return;
         }
         // Every command sent from now on runs after this one; the cache
         // holds what this primary reports, and goes off once the sentinels
         // name another (writes there are not reported here).
         tracking_->cache->SetTracking(true, options_.sentinel.get(),
                                       connection_->sentinel_generation());
         if (cache_off_logged_) {
           cache_off_logged_ = false;
           Warn(absl::StrCat("redis ", address_, ": the record cache is on again"));
         }
       },
       deadline});
}

void RedisAsync::CacheOff(const std::string& message) {
  Warn(message);
  cache_off_logged_ = true;
}

void RedisAsync::DropTracking() {
  if (!tracking_.has_value()) return;
  tracking_->cache->SetTracking(false);
  ping_sent_ = absl::InfiniteFuture();
  next_listener_ping_ = absl::InfinitePast();
  listener_.reset();
  if (listener_reader_ != nullptr) redisReaderFree(listener_reader_);
  listener_reader_ = nullptr;
  ++listener_generation_;
}

namespace {

// Reads what `fd` has, without blocking, and hands each complete reply to
// `on_reply`. False when the connection broke (Redis closed it, or sent what
// is not the protocol) or `on_reply` returned false.
template <typename OnReply>
bool DrainReplies(int fd, redisReader* reader, OnReply on_reply) {
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n == 0) return false;  // Redis closed the connection
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    if (redisReaderFeed(reader, buffer, static_cast<size_t>(n)) != REDIS_OK) return false;
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader, &raw) != REDIS_OK) return false;
      if (raw == nullptr) break;
      if (!on_reply(RedisReply(static_cast<redisReply*>(raw)))) return false;
    }
    if (static_cast<size_t>(n) < sizeof buffer) return true;
  }
}

}  // namespace

bool RedisAsync::ReadInvalidations() {
  return DrainReplies(listener_->fd(), listener_reader_, [this](RedisReply message) {
    // The answer to a PING: ["pong", ""], or any other reply but a message
    // (an error, say, where an ACL refuses PING): Redis answers in order, and
    // it answered (a review: an error reply was never counted, and the cache
    // went off every 2 s).
    if (message->type != REDIS_REPLY_ARRAY || message->elements == 0 ||
        !IsText(*message->element[0], "message")) {
      ping_sent_ = absl::InfiniteFuture();
      return true;
    }
    // ["message", channel, keys], keys an array or nil (everything, as
    // after FLUSHALL).
    if (message->type != REDIS_REPLY_ARRAY || message->elements != 3 ||
        !IsText(*message->element[0], "message")) {
      return true;
    }
    const redisReply& keys = *message->element[2];
    if (keys.type == REDIS_REPLY_ARRAY) {
      for (size_t i = 0; i < keys.elements; ++i) {
        const redisReply& key = *keys.element[i];
        if (key.type == REDIS_REPLY_STRING) {
          tracking_->cache->Invalidate(absl::string_view(key.str, key.len));
        }
      }
    } else if (keys.type == REDIS_REPLY_STRING) {
      tracking_->cache->Invalidate(absl::string_view(keys.str, keys.len));
    } else {
      tracking_->cache->Clear();
    }
    return true;
  });
}

bool RedisAsync::PingListener() {
  const absl::Time now = absl::Now();
  if (now - ping_sent_ >= tracking_->silence_limit) {
    CacheOff(
        absl::StrCat("redis ", address_,
                     ": the record cache's subscription did not answer a PING within ",
                     absl::FormatDuration(tracking_->silence_limit),
                     "; the cache is off until it is made again"));
    DropTracking();
    next_tracking_attempt_ = now + absl::Seconds(1);
    // Made again once Redis answers on the connection (see Loop).
    answered_ = false;
    return false;
  }
  if (now < next_listener_ping_) return true;
  next_listener_ping_ = now + tracking_->ping_interval;
  // Not while one waits: a Redis that is slow to answer is not sent more.
  if (ping_sent_ != absl::InfiniteFuture()) return true;
  static constexpr absl::string_view kPing = "*1\r\n$4\r\nPING\r\n";
  const ssize_t n =
      send(listener_->fd(), kPing.data(), kPing.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n == static_cast<ssize_t>(kPing.size())) {
    ping_sent_ = now;
    return true;
  }
  // A socket buffer full of unsent PINGs, or a broken connection: either way
  // the subscription is not answering.
  CacheOff(
      absl::StrCat("redis ", address_,
                   ": the record cache's subscription cannot be written to; the cache "
                   "is off until it is made again"));
  DropTracking();
  next_tracking_attempt_ = now + absl::Seconds(1);
  answered_ = false;
  return false;
}

void RedisAsync::Drop(const absl::Status& status) {
  DropTracking();
  // The next connection subscribes at once.
  next_tracking_attempt_ = absl::InfinitePast();
  connection_.reset();
  replica_ = false;
  if (reader_ != nullptr) redisReaderFree(reader_);
  reader_ = nullptr;
  out_.clear();
  std::deque<InFlight> failed;
  failed.swap(in_flight_);
  for (InFlight& f : failed) std::move(f.done)(status);
}

bool RedisAsync::ReadReplies() {
  const bool ok = DrainReplies(connection_->fd(), reader_, [this](RedisReply reply) {
    if (in_flight_.empty()) return false;  // a reply nobody asked for
    // From the old primary after a failover: not acknowledged.
    if (connection_->stale()) return false;
    Callback done = std::move(in_flight_.front().done);
    in_flight_.pop_front();
    if (options_.circuit != nullptr) options_.circuit->Answered();
    answered_ = true;
    absl::Status status = ReplyStatus(*reply);
    if (status.ok()) {
      std::move(done)(std::move(reply));
      return true;
    }
    // A replica (the old primary after a failover): the next connection
    // finds the primary.
    if (reply->type == REDIS_REPLY_ERROR &&
        absl::StartsWith(absl::string_view(reply->str, reply->len), "READONLY")) {
      replica_ = true;
    }
    std::move(done)(std::move(status));
    return true;
  });
  return ok && !replica_;
}

void RedisAsync::Loop() {
  on_io_thread = true;
  for (;;) {
    std::deque<Queued> batch;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      batch.swap(queue_);
      idle_ = batch.empty() && in_flight_.empty();
    }
    if (!batch.empty()) {
      bool probe = false;
      absl::Status admitted = options_.circuit != nullptr
                                  ? options_.circuit->Admit(&probe)
                                  : absl::OkStatus();
      if (!admitted.ok()) {
        // Redis was seen hung: fail at once (see RedisCircuit).
        for (Queued& q : batch) std::move(q.done)(admitted);
        continue;
      }
      if (probe && batch.size() > 1) {
        // One call finds out whether Redis answers again; the others fail
        // at once, as they would have a moment earlier.
        const absl::Status others = options_.circuit->Admit();
        if (!others.ok()) {
          for (size_t i = 1; i < batch.size(); ++i) std::move(batch[i].done)(others);
          batch.resize(1);
        }
      }
      if (connection_ != nullptr && connection_->stale()) {
        // The primary moved: what is in flight to the old one is not
        // acknowledged (a failover loses it), and the batch goes to the new.
        Drop(absl::UnavailableError(
            absl::StrCat("redis ", address_, ": ", RedisConnection::kMoved)));
      }
      if (absl::Status connected = EnsureConnected(); !connected.ok()) {
        if (probe) options_.circuit->ProbeEnded();
        for (Queued& q : batch) std::move(q.done)(connected);
        continue;
      }
      const absl::Time deadline = absl::Now() + options_.command_timeout;
      for (Queued& q : batch) {
        if (out_.empty()) {
          out_.swap(q.command);  // the usual case: one command, not copied
        } else {
          out_ += q.command;
        }
        in_flight_.push_back({std::move(q.done), deadline});
      }
    }
    // A subscription lost while the connection stayed: again, once a second,
    // once Redis answers on the connection (StartTracking's handshake waits
    // for its replies on this thread: after a subscription fell silent it
    // held every read and commit of a frozen Redis 2 s longer, a fault
    // review). Without reads to tell, a PING asks, not waiting for it.
    if (connection_ != nullptr && tracking_.has_value() && listener_ == nullptr) {
      if (answered_) {
        StartTracking();
      } else if (in_flight_.empty() && out_.empty() &&
                 absl::Now() >= next_tracking_attempt_) {
        next_tracking_attempt_ = absl::Now() + absl::Seconds(1);
        out_ = Formatted({"PING"});
        in_flight_.push_back(
            {[](absl::StatusOr<RedisReply>) {}, absl::Now() + options_.command_timeout});
      }
    }
    if (listener_ != nullptr && !PingListener()) continue;
    if (connection_ != nullptr && !out_.empty()) {
      const ssize_t n =
          send(connection_->fd(), out_.data(), out_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        out_.erase(0, static_cast<size_t>(n));
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        Drop(absl::UnavailableError(
            absl::StrCat("redis ", address_, ": send failed: ", std::strerror(errno))));
        continue;
      }
    }
    pollfd fds[3] = {{wake_fd_, POLLIN, 0}, {-1, 0, 0}, {-1, 0, 0}};
    nfds_t count = 1;
    if (connection_ != nullptr) {
      fds[1] = {connection_->fd(),
                static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT)), 0};
      count = 2;
      if (listener_ != nullptr) {
        fds[2] = {listener_->fd(), POLLIN, 0};
        count = 3;
      }
    }
    absl::Time wake_at = absl::InfiniteFuture();
    if (!in_flight_.empty()) wake_at = in_flight_.front().deadline;
    // Only when the loop then does something (see above): else, with a
    // command in flight, poll spun with timeout 0 until its reply (a review).
    if (connection_ != nullptr && tracking_.has_value() && listener_ == nullptr &&
        (answered_ || (in_flight_.empty() && out_.empty()))) {
      wake_at = std::min(wake_at, next_tracking_attempt_);
    }
    if (listener_ != nullptr) {
      wake_at = std::min(wake_at, next_listener_ping_);
      wake_at = std::min(wake_at, ping_sent_ + tracking_->silence_limit);
    }
    int timeout_ms = -1;
    if (wake_at != absl::InfiniteFuture()) {
      const absl::Duration left = wake_at - absl::Now();
      timeout_ms = static_cast<int>(std::max<int64_t>(
          0, absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)))));
    }
    const int ready = poll(fds, count, timeout_ms);
    if (ready < 0 && errno != EINTR) {
      Drop(absl::UnavailableError(absl::StrCat("redis ", address_, ": poll failed")));
      continue;
    }
    if (fds[0].revents & POLLIN) {
      uint64_t value;
      [[maybe_unused]] ssize_t n = read(wake_fd_, &value, sizeof value);
    }
    // Invalidations before replies: a reply read in the same wake-up may be
    // of a read sent after the change (Redis ran it after), and is kept.
    if (count == 3 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!ReadInvalidations()) {
        CacheOff(absl::StrCat("redis ", address_,
                              ": the record cache's subscription broke; the cache is "
                              "off until it is made again"));
        DropTracking();
      }
    }
    if (count >= 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!ReadReplies()) {
        Drop(absl::UnavailableError(absl::StrCat(
            "redis ", address_,
            replica_               ? ": connected to a replica (READONLY)"
            : connection_->stale() ? absl::StrCat(": ", RedisConnection::kMoved)
                                   : ": connection lost")));
        continue;
      }
    }
    if (!in_flight_.empty() && in_flight_.front().deadline <= absl::Now()) {
      const absl::Status silent =
          WithReason(absl::UnavailableError(
                         absl::StrCat("redis ", address_, " did not answer within ",
                                      absl::FormatDuration(options_.command_timeout))),
                     kTimedOutReason);
      if (options_.circuit != nullptr) options_.circuit->TimedOut(silent);
      Drop(silent);
    }
  }
}

}  // namespace samenspel::registry
