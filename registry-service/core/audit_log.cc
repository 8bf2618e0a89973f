#include "registry-service/core/audit_log.h"

#include <arpa/inet.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace samenspel::registry {

std::string PeerKey(absl::string_view peer) {
  const size_t scheme_end = peer.find(':');
  if (scheme_end == absl::string_view::npos) return std::string(peer);
  const absl::string_view scheme = peer.substr(0, scheme_end);
  const absl::string_view address = peer.substr(scheme_end + 1);
  if (scheme == "ipv4") return std::string(peer.substr(0, peer.rfind(':')));
  if (scheme == "ipv6") {
    // "[addr]:port", the brackets URI-encoded by gRPC ("%5B", "%5D").
    std::string host(address);
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"%5B", "["},
                                   std::pair<std::string, std::string>{"%5D", "]"}}) {
      for (size_t at; (at = host.find(from)) != std::string::npos;)
        host.replace(at, 3, to);
    }
    const size_t open = host.find('['), close = host.find(']');
    if (open != std::string::npos && close != std::string::npos && close > open) {
      host = host.substr(open + 1, close - open - 1);
    }
    host = host.substr(0, host.find('%'));  // a zone ("fe80::1%eth0")
    unsigned char bytes[16];
    if (inet_pton(AF_INET6, host.c_str(), bytes) == 1) {
      return absl::StrCat("ipv6:",
                          absl::BytesToHexString(
                              absl::string_view(reinterpret_cast<const char*>(bytes), 8)),
                          "/64");
    }
    return std::string(peer);
  }
  return std::string(scheme);  // unix:, unix-abstract:, ...
}

AuditLog::AuditLog(AccessStore* store, AuditLogOptions options)
    : store_(store),
      options_(options),
      anonymous_({.rate = options.anonymous_per_second,
                  .burst = std::max(1.0, 10 * options.anonymous_per_second),
                  .clock = options.clock}),
      writer_([this] { Run(); }) {}

AuditLog::~AuditLog() { Stop(); }

void AuditLog::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stop_) return;
    stop_ = true;
  }
  writer_.join();
  ReportSkipped(true);
  if (absl::Status s = Flush(); !s.ok()) {
    Log("audit: %d events could not be written at shutdown: %s", queue_.size(),
        s.message());
  }
}

void AuditLog::Record(v1::AuditEvent event) {
  if (options_.anonymous_per_second > 0) {
    std::string key;
    if (event.principal().subject() == kUnauthenticatedSubject) {
      key = PeerKey(event.peer());
    } else if (event.code() == "RESOURCE_EXHAUSTED") {
      key = absl::StrCat("principal:", event.principal().subject());
    }
    if (!key.empty() && !anonymous_.Allow(key)) {
      {
        absl::MutexLock lock(&mu_);
        ++anonymous_skipped_;
        ++anonymous_unlogged_;
        anonymous_latest_ =
            absl::StrCat(event.method(), " ", event.code(), " of ",
                         event.principal().subject(), " from ", event.peer());
      }
      ReportSkipped(false);
      return;
    }
  }
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(queue_.size()) >= options_.max_queued) {
    queue_.pop_front();
    if (dropped_++ % 10000 == 0) {
      LogLine("audit: queue full (store unreachable?): dropping events");
    }
  }
  queue_.push_back(std::move(event));
}

int64_t AuditLog::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

void AuditLog::ReportSkipped(bool now_anyway) {
  int64_t skipped = 0;
  std::string latest;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = options_.clock();
    if (anonymous_unlogged_ == 0 ||
        (!now_anyway && now - anonymous_logged_ < absl::Minutes(1))) {
      return;
    }
    skipped = anonymous_unlogged_;
    latest = anonymous_latest_;
    anonymous_unlogged_ = 0;
    anonymous_logged_ = now;
  }
  const size_t keys = anonymous_.ForgetFull();
  Log("audit: %d events of refused calls not recorded since the last such line: no or "
      "bad credentials over %g a second from one host, or over the rate limit over that "
      "per principal (%d hosts or principals over it now; the latest: %s)",
      skipped, options_.anonymous_per_second, keys, latest);
}

int64_t AuditLog::anonymous_skipped() const {
  absl::MutexLock lock(&mu_);
  return anonymous_skipped_;
}

absl::Status AuditLog::WriteBatch() {
  absl::MutexLock write_lock(&write_mu_);
  std::vector<v1::AuditEvent> batch;
  {
    absl::MutexLock lock(&mu_);
    const size_t n = std::min<size_t>(queue_.size(), options_.max_batch);
    batch.assign(std::make_move_iterator(queue_.begin()),
                 std::make_move_iterator(queue_.begin() + n));
    queue_.erase(queue_.begin(), queue_.begin() + n);
  }
  if (batch.empty()) return absl::OkStatus();
  absl::Status s = store_->AppendAudit(batch, options_.retention);
  failing_.store(!s.ok(), std::memory_order_relaxed);
  if (!s.ok()) {
    // Back to the front, in order, for the next attempt.
    absl::MutexLock lock(&mu_);
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
  }
  return s;
}

absl::Status AuditLog::Flush() {
  size_t pending;
  {
    absl::MutexLock lock(&mu_);
    pending = queue_.size();
  }
  // Only what was queued at the call: later events are the writer's.
  while (pending > 0) {
    const size_t n = std::min<size_t>(pending, options_.max_batch);
    if (absl::Status s = WriteBatch(); !s.ok()) return s;
    pending -= n;
  }
  return absl::OkStatus();
}

void AuditLog::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stop_ || static_cast<int>(queue_.size()) >= options_.max_batch;
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), options_.flush_interval);
      if (stop_) return;
    }
    if (absl::Status s = WriteBatch(); !s.ok()) {
      // The store is unreachable, or refuses writes (Redis at maxmemory):
      // said at most once a minute (an operator's review found events held
      // back without a word while calls were answered), then wait a little
      // longer before the retry.
      if (const absl::Time now = absl::Now();
          now - last_failure_logged_ >= absl::Minutes(1)) {
        last_failure_logged_ = now;
        size_t waiting;
        {
          absl::MutexLock lock(&mu_);
          waiting = queue_.size();
        }
        Log("audit: %d events wait to be written: %s", waiting, s.message());
      }
      absl::SleepFor(options_.flush_interval);
    }
    ReportSkipped(false);
  }
}

}  // namespace samenspel::registry
