#include "registry-service/redis/redis_connection.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "registry-service/core/store.h"
#include "registry-service/redis/redis_keys.h"

namespace samenspel::registry {
namespace {

// Error reply prefixes that mean "this Redis cannot serve now, try again":
// loading its dataset, running a slow script, unable to persist, a replica
// after a failover, out of memory, ...
constexpr absl::string_view kTransientErrors[] = {
    "LOADING",  "BUSY", "MISCONF",    "READONLY",   "MASTERDOWN",
    "TRYAGAIN", "OOM",  "NOREPLICAS", "CLUSTERDOWN"};

absl::string_view ReplyText(const redisReply& reply) {
  return absl::string_view(reply.str, reply.len);
}

bool SameAddress(const RedisHostPort& a, const RedisHostPort& b) {
  return a.host == b.host && a.port == b.port;
}

// What ROLE on `connection` says ("master", "slave", ...; "unknown" for a
// reply of another form); UNAVAILABLE when it does not answer.
absl::StatusOr<std::string> RoleOf(RedisConnection& connection,
                                   absl::string_view address) {
  absl::StatusOr<RedisReply> role = connection.Command({"ROLE"});
  if (!role.ok()) {
    return absl::UnavailableError(
        absl::StrCat("redis ", address, ": ROLE failed: ", role.status().message()));
  }
  const redisReply& r = **role;
  if (r.type != REDIS_REPLY_ARRAY || r.elements == 0 ||
      r.element[0]->type != REDIS_REPLY_STRING) {
    return std::string("unknown");
  }
  return std::string(ReplyText(*r.element[0]));
}

// OK when ROLE on `connection` says "master"; else UNAVAILABLE.
absl::Status CheckPrimaryRole(RedisConnection& connection, absl::string_view address) {
  SAMENSPEL_ASSIGN_OR_RETURN(std::string role, RoleOf(connection, address));
  if (role != "master") {
    return absl::UnavailableError(absl::StrCat("redis ", address,
                                               " is not the primary (role ", role,
                                               "): a failover may be under way"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string RedisAddress(const RedisConnectOptions& options) {
  if (options.sentinel != nullptr) return options.sentinel->description();
  return absl::StrCat(options.host, ":", options.port);
}

absl::StatusOr<RedisHostPort> ParseRedisHostPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  RedisHostPort out;
  if (colon != absl::string_view::npos) {
    absl::string_view host = address.substr(0, colon);
    if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
      host = host.substr(1, host.size() - 2);
    }
    out.host = std::string(host);
  }
  if (colon == absl::string_view::npos || out.host.empty() ||
      !absl::SimpleAtoi(address.substr(colon + 1), &out.port) || out.port < 1 ||
      out.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("'", address, "' is not host:port"));
  }
  return out;
}

// ------------------------------------------------------------------ sentinel

std::optional<uint64_t> RedisSentinel::Confirm(const Answer& answer) {
  absl::MutexLock lock(&mu_);
  const RedisHostPort& sentinel = answer.sentinel;
  Trust(sentinel);
  const RedisHostPort& primary = answer.primary;
  if (primary_.has_value() && SameAddress(*primary_, primary)) {
    return generation_.load(std::memory_order_relaxed);
  }
  if (!primary_.has_value()) {
    Log("redis: primary '%s' is at %s:%d (named by sentinel %s:%d)", options_.master_name,
        primary.host, primary.port, sentinel.host, sentinel.port);
    primary_ = primary;
    return generation_.load(std::memory_order_relaxed);
  }
  // Another primary than the one known: a move, unless the known one was
  // learnt after this answer was given (then the answer is the old news).
  if (answer.generation != generation_.load(std::memory_order_relaxed)) {
    return std::nullopt;
  }
  MoveTo(primary, sentinel);
  return generation_.load(std::memory_order_relaxed);
}

void RedisSentinel::MoveTo(const RedisHostPort& primary, const RedisHostPort& sentinel) {
  Log("redis: primary '%s' moved from %s:%d to %s:%d (a failover; named by sentinel "
      "%s:%d): connections to %s:%d are closed",
      options_.master_name, primary_->host, primary_->port, primary.host, primary.port,
      sentinel.host, sentinel.port, primary_->host, primary_->port);
  primary_ = primary;
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

void RedisSentinel::Trust(const RedisHostPort& sentinel) {
  auto it = std::find_if(sentinels_.begin(), sentinels_.end(),
                         [&](const auto& s) { return SameAddress(s, sentinel); });
  if (it != sentinels_.end()) std::rotate(sentinels_.begin(), it, it + 1);
}

void RedisSentinel::Distrust(const RedisHostPort& sentinel) {
  absl::MutexLock lock(&mu_);
  auto it = std::find_if(sentinels_.begin(), sentinels_.end(),
                         [&](const auto& s) { return SameAddress(s, sentinel); });
  if (it != sentinels_.end()) std::rotate(it, it + 1, sentinels_.end());
}

absl::StatusOr<std::shared_ptr<RedisSentinel>> RedisSentinel::Create(
    RedisSentinelOptions options) {
  if (options.addresses.empty()) {
    return absl::InvalidArgumentError("no sentinel address");
  }
  if (options.master_name.empty()) {
    return absl::InvalidArgumentError("no sentinel master name");
  }
  std::vector<RedisHostPort> sentinels;
  for (const std::string& address : options.addresses) {
    absl::StatusOr<RedisHostPort> parsed = ParseRedisHostPort(address);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("sentinel: ", parsed.status().message()));
    }
    sentinels.push_back(*std::move(parsed));
  }
  return std::shared_ptr<RedisSentinel>(
      new RedisSentinel(std::move(options), std::move(sentinels)));
}

RedisSentinel::RedisSentinel(RedisSentinelOptions options,
                             std::vector<RedisHostPort> sentinels)
    : options_(std::move(options)),
      description_(absl::StrCat("primary '", options_.master_name, "' (sentinels ",
                                absl::StrJoin(options_.addresses, ","), ")")),
      sentinels_(std::move(sentinels)) {
  if (options_.watch_interval > absl::ZeroDuration()) {
    watcher_ = std::thread([this] { Watch(); });
  }
}

RedisSentinel::~RedisSentinel() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (watcher_.joinable()) watcher_.join();
}

void RedisSentinel::Watch() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.watch_interval)) {
        return;
      }
    }
    WatchOnce();
  }
}

void RedisSentinel::WatchOnce() {
  RedisHostPort first;
  {
    absl::MutexLock lock(&mu_);
    // Nothing confirmed yet: the first connection will find the primary.
    if (!primary_.has_value()) return;
    first = sentinels_.front();
  }
  // The sentinel connections ask first (the last whose primary was
  // confirmed), on the connection kept to it; when that fails, the
  // sentinels in turn (as connections ask them), and a connection kept to
  // the first that answers. A watcher kept on another sentinel than the
  // connections' would follow it where they do not.
  if (watch_connection_ != nullptr && !SameAddress(watch_sentinel_, first)) {
    watch_connection_.reset();
  }
  absl::StatusOr<RedisHostPort> named = absl::UnavailableError("not asked");
  if (watch_connection_ != nullptr) {
    named = AskOn(*watch_connection_, watch_sentinel_);
    if (!named.ok()) {
      watch_connection_.reset();
      Distrust(watch_sentinel_);
    }
  }
  if (watch_connection_ == nullptr) {
    absl::StatusOr<Answer> answer = Primary();
    if (!answer.ok()) return;  // connections will find out themselves
    named = answer->primary;
    watch_sentinel_ = answer->sentinel;
    absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
        RedisConnection::Connect(SentinelOptions(watch_sentinel_));
    if (connection.ok()) watch_connection_ = *std::move(connection);
  }
  {
    absl::MutexLock lock(&mu_);
    // Stopping: the check below could hold the destructor for its timeouts.
    if (stopping_ || SameAddress(*primary_, *named)) return;
  }
  // Another primary named: a failover, or a sentinel cut off from the others
  // (or not yet told of the last failover) naming an old one. Moving on its
  // word would close every connection to the primary, which the next
  // connections then confirm again: follow it only where ROLE says
  // "master".
  const std::string address = absl::StrCat(named->host, ":", named->port);
  const absl::Time now = absl::Now();
  if (watch_refused_.has_value() && SameAddress(*watch_refused_, *named) &&
      now < watch_refused_until_) {
    return;  // found no primary a moment ago: not asked again at every look
  }
  RedisConnectOptions options;
  options.host = named->host;
  options.port = named->port;
  options.password = options_.primary_password;
  options.connect_timeout = options_.connect_timeout;
  options.command_timeout = options_.command_timeout;
  absl::StatusOr<std::unique_ptr<RedisConnection>> there =
      RedisConnection::Connect(options);
  absl::StatusOr<std::string> role =
      there.ok() ? RoleOf(**there, address) : there.status();
  if (!role.ok()) {
    // Unreachable, a password refused, no answer: nothing is known of it
    // (a primary being promoted, a network blip); asked again next look,
    // the sentinel keeping its place. Connections find out for themselves.
    if (!watch_unchecked_.has_value() || !SameAddress(*watch_unchecked_, *named)) {
      Log("redis: sentinel %s:%d names %s as primary '%s', which cannot be checked "
          "(%s): not followed yet",
          watch_sentinel_.host, watch_sentinel_.port, address, options_.master_name,
          role.status().message());
      watch_unchecked_ = *named;
    }
    return;
  }
  if (*role != "master") {
    if (!watch_refused_.has_value() || !SameAddress(*watch_refused_, *named)) {
      Log("redis: sentinel %s:%d names %s as primary '%s', which is not one (role %s): "
          "not followed; the other sentinels are asked first",
          watch_sentinel_.host, watch_sentinel_.port, address, options_.master_name,
          *role);
    }
    watch_refused_ = *named;
    watch_refused_until_ = now + absl::Seconds(5);
    Distrust(watch_sentinel_);
    watch_connection_.reset();
    return;
  }
  watch_refused_.reset();
  watch_unchecked_.reset();
  absl::MutexLock lock(&mu_);
  Trust(watch_sentinel_);
  if (SameAddress(*primary_, *named)) return;
  MoveTo(*named, watch_sentinel_);
}

RedisConnectOptions RedisSentinel::SentinelOptions(const RedisHostPort& sentinel) const {
  RedisConnectOptions options;
  options.host = sentinel.host;
  options.port = sentinel.port;
  options.password = options_.password;
  options.connect_timeout = options_.connect_timeout;
  options.command_timeout = options_.command_timeout;
  return options;
}

absl::StatusOr<RedisHostPort> RedisSentinel::Ask(const RedisHostPort& sentinel) {
  SAMENSPEL_ASSIGN_OR_RETURN(std::unique_ptr<RedisConnection> connection,
                             RedisConnection::Connect(SentinelOptions(sentinel)));
  return AskOn(*connection, sentinel);
}

absl::StatusOr<RedisHostPort> RedisSentinel::AskOn(RedisConnection& connection,
                                                   const RedisHostPort& sentinel) {
  SAMENSPEL_ASSIGN_OR_RETURN(
      RedisReply reply,
      connection.Command({"SENTINEL", "get-master-addr-by-name", options_.master_name}));
  const std::string where = absl::StrCat(sentinel.host, ":", sentinel.port);
  if (reply->type == REDIS_REPLY_NIL) {
    return absl::UnavailableError(
        absl::StrCat("sentinel ", where, " does not know '", options_.master_name, "'"));
  }
  RedisHostPort primary;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[0]->type != REDIS_REPLY_STRING ||
      reply->element[1]->type != REDIS_REPLY_STRING ||
      !absl::SimpleAtoi(ReplyText(*reply->element[1]), &primary.port)) {
    return absl::UnavailableError(absl::StrCat("sentinel ", where, ": unexpected reply"));
  }
  primary.host = std::string(ReplyText(*reply->element[0]));
  return primary;
}

absl::StatusOr<RedisSentinel::Answer> RedisSentinel::Primary() {
  std::vector<RedisHostPort> sentinels;
  {
    absl::MutexLock lock(&mu_);
    sentinels = sentinels_;
  }
  std::vector<std::string> failures;
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  for (const RedisHostPort& sentinel : sentinels) {
    absl::StatusOr<RedisHostPort> primary = Ask(sentinel);
    if (primary.ok()) return Answer{*std::move(primary), sentinel, generation};
    failures.emplace_back(primary.status().message());
    // Unreachable or ignorant: the others first next time.
    Distrust(sentinel);
  }
  return absl::UnavailableError(
      absl::StrCat("redis ", description_,
                   ": no sentinel named the primary: ", absl::StrJoin(failures, "; ")));
}

// A command Redis refused for now (a write at maxmemory, a replica's
// READONLY, LOADING, ...) fails UNAVAILABLE to its caller, and nothing else
// said so: the operator hears of it here, once a minute per cause with the
// count (a fault review: every create failed for minutes, and the log was
// silent while health said SERVING).
static void NoteRefused(const absl::Status& status) {
  const absl::string_view message = status.message();
  // Each cause on its own line a minute.
  const int cause = absl::StrContains(message, "OOM")        ? 0
                    : absl::StrContains(message, "READONLY") ? 1
                                                             : 2;
  static absl::Mutex mu(absl::kConstInit);
  static absl::Time last[3] ABSL_GUARDED_BY(mu) = {
      absl::InfinitePast(), absl::InfinitePast(), absl::InfinitePast()};
  static int refused[3] ABSL_GUARDED_BY(mu) = {0, 0, 0};
  int n;
  {
    absl::MutexLock lock(&mu);
    ++refused[cause];
    const absl::Time now = absl::Now();
    if (now - last[cause] < absl::Minutes(1)) return;
    last[cause] = now;
    n = std::exchange(refused[cause], 0);
  }
  static constexpr const char* kHints[] = {
      " (Redis is at maxmemory: raise it or free memory; reads still work)",
      " (that Redis is a replica: give the primary's address, or --redis_sentinels)", ""};
  samenspel::Log("redis refuses commands: %s%s; %d since the last such line", message,
                 kHints[cause], n);
}

absl::Status RedisErrorStatus(absl::string_view error) {
  // Raised by the scripts' Migrate (redis_scripts.cc) on a database in a
  // layout this registry does not know: "SAMENSPEL_LAYOUT <layout> script:
  // <sha>, on @user_script:<line>." (Redis 7 appends where it was raised).
  constexpr absl::string_view kLayoutError = "SAMENSPEL_LAYOUT ";
  if (absl::StartsWith(error, kLayoutError)) {
    absl::string_view layout = error.substr(kLayoutError.size());
    if (const size_t where = layout.rfind(" script: "); where != layout.npos) {
      layout = layout.substr(0, where);
    }
    return LayoutStatus(layout);
  }
  if (absl::StartsWith(error, "NOAUTH")) {
    // Not the registry's fault of its own: Redis wants a password it was
    // not given.
    return absl::UnavailableError(
        absl::StrCat("redis requires a password (", error,
                     "): give it with --redis_password_file (for the sentinels: "
                     "--redis_sentinel_password_file)"));
  }
  if (absl::StartsWith(error, "WRONGPASS")) {
    return absl::UnavailableError(
        absl::StrCat("redis refuses the password it was given (", error,
                     "): check --redis_password_file, or for the sentinels "
                     "--redis_sentinel_password_file"));
  }
  if (absl::StartsWith(error, "DENIED")) {
    // Protected mode: a Redis without a password takes connections from
    // its own machine only. Redis' own advice (its first remedy: turn the
    // protection off) was all a caller and the log got, as INTERNAL (an
    // operator review). Its first sentence says enough.
    absl::string_view why = error;
    if (const size_t end = why.find(". "); end != why.npos) why = why.substr(0, end + 1);
    return absl::UnavailableError(absl::StrCat(
        "redis refuses this registry's connections (", why,
        "): give Redis a password (requirepass, as deploy/redis/redis.conf does) and "
        "the registry the same with --redis_password_file"));
  }
  for (absl::string_view prefix : kTransientErrors) {
    if (absl::StartsWith(error, prefix)) {
      absl::Status refused =
          absl::UnavailableError(absl::StrCat("redis is not serving: ", error));
      NoteRefused(refused);
      return refused;
    }
  }
  return absl::InternalError(absl::StrCat("redis error: ", error));
}

absl::Status LayoutStatus(absl::string_view layout) {
  return WithReason(
      absl::UnavailableError(absl::StrCat(
          "the Redis database is marked as layout \"", absl::CEscape(layout),
          "\", which this registry (layout ", kLayout,
          ") does not know: a newer registry has converted it, and this one must be "
          "replaced by that version")),
      "DATABASE_LAYOUT_UNKNOWN");
}

absl::Status ReplyStatus(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_ERROR) return absl::OkStatus();
  return RedisErrorStatus(ReplyText(reply));
}

absl::Status WaitStatus(const absl::StatusOr<RedisReply>& wait, int replicas,
                        absl::Duration timeout, absl::string_view retry) {
  int64_t confirmed = -1;
  if (wait.ok() && (*wait)->type == REDIS_REPLY_INTEGER) confirmed = (*wait)->integer;
  if (confirmed >= replicas) return absl::OkStatus();
  return WithReason(
      absl::UnavailableError(absl::StrCat(
          "written on the Redis primary, but ",
          confirmed >= 0 ? absl::StrCat("only ", confirmed, " of ")
                         : std::string("no answer from WAIT for "),
          replicas, " replicas confirmed it within ", absl::FormatDuration(timeout),
          confirmed >= 0 ? "" : absl::StrCat(" (", wait.status().message(), ")"),
          ": a failover may lose it; ", retry)),
      "NOT_REPLICATED");
}

bool IsNoScriptError(const redisReply& reply) {
  return reply.type == REDIS_REPLY_ERROR &&
         absl::StartsWith(ReplyText(reply), "NOSCRIPT");
}

// ---------------------------------------------------------------- connection

absl::Status RedisCircuit::Admit(bool* probe) {
  if (probe != nullptr) *probe = false;
  if (!open_.load(std::memory_order_relaxed)) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  if (!open_.load(std::memory_order_relaxed)) return absl::OkStatus();
  const absl::Time now = absl::Now();
  if (now >= next_probe_) {
    // The next once this one timed out (TimedOut), or should have.
    next_probe_ = now + probe_timeout_;
    if (probe != nullptr) *probe = true;
    return absl::OkStatus();  // this call finds out
  }
  return WithReason(
      absl::UnavailableError(absl::StrCat(
          why_.message(),
          "; failing at once while Redis does not answer (one call at a time tries it)")),
      kNotAnsweringReason);
}

void RedisCircuit::TimedOut(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  why_ = status;
  next_probe_ = absl::Now() + probe_interval_;
  open_.store(true, std::memory_order_relaxed);
}

void RedisCircuit::ProbeEnded() {
  if (!open_.load(std::memory_order_relaxed)) return;
  absl::MutexLock lock(&mu_);
  next_probe_ = std::min(next_probe_, absl::Now() + probe_interval_);
}

void RedisCircuit::Close() {
  absl::MutexLock lock(&mu_);
  open_.store(false, std::memory_order_relaxed);
}

RedisConnection::RedisConnection(RedisContextPtr context, std::string address,
                                 RedisHostPort peer,
                                 std::shared_ptr<RedisCircuit> circuit)
    : context_(std::move(context)),
      address_(std::move(address)),
      peer_(std::move(peer)),
      circuit_(std::move(circuit)) {}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const RedisConnectOptions& options) {
  RedisHostPort target{options.host, options.port};
  std::optional<RedisSentinel::Answer> answer;
  bool confirmed = false;
  // A primary that cannot be reached, or is none: its sentinel is asked last.
  absl::Cleanup distrust = [&] {
    if (answer.has_value() && !confirmed) options.sentinel->Distrust(answer->sentinel);
  };
  std::string address;
  if (options.sentinel != nullptr) {
    SAMENSPEL_ASSIGN_OR_RETURN(answer, options.sentinel->Primary());
    target = answer->primary;
    address = absl::StrCat(target.host, ":", target.port, " (",
                           options.sentinel->description(), ")");
  } else {
    address = RedisAddress(options);
  }
  RedisContextPtr context(redisConnectWithTimeout(
      target.host.c_str(), target.port, absl::ToTimeval(options.connect_timeout)));
  if (context == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("redis ", address, ": cannot allocate a connection"));
  }
  if (context->err != 0) {
    return absl::UnavailableError(
        absl::StrCat("redis ", address, " unreachable: ", context->errstr));
  }
  // Socket timeouts make a hung Redis an error instead of a hung caller.
  if (redisSetTimeout(context.get(), absl::ToTimeval(options.command_timeout)) !=
          REDIS_OK ||
      redisEnableKeepAlive(context.get()) != REDIS_OK) {
    return absl::UnavailableError(absl::StrCat(
        "redis ", address, ": cannot set socket options: ", context->errstr));
  }
  std::unique_ptr<RedisConnection> connection(
      new RedisConnection(std::move(context), address, target, options.circuit));
  auto setup = [&](absl::string_view what,
                   absl::Span<const absl::string_view> argv) -> absl::Status {
    absl::StatusOr<RedisReply> reply = connection->Command(argv);
    if (reply.ok()) return absl::OkStatus();
    // Whatever Redis answered, this connection cannot be used: UNAVAILABLE,
    // with Redis's own words (e.g. WRONGPASS) for the operator. No answer
    // at all is not a refusal: a busy or hung Redis.
    if (absl::StrContains(reply.status().message(), "timed out") ||
        absl::IsDeadlineExceeded(reply.status())) {
      return absl::UnavailableError(
          absl::StrCat("redis ", address, " did not answer ", what, " within ",
                       absl::FormatDuration(options.command_timeout),
                       " (busy or hung): ", reply.status().message()));
    }
    return absl::UnavailableError(absl::StrCat("redis ", address, ": ", what,
                                               " failed: ", reply.status().message()));
  };
  if (!options.password.empty()) {
    const absl::Status status = setup("AUTH", {"AUTH", options.password});
    if (!status.ok()) return status;
  }
  if (options.db != 0) {
    const std::string db = absl::StrCat(options.db);
    const absl::Status status = setup("SELECT", {"SELECT", db});
    if (!status.ok()) return status;
  }
  if (options.sentinel != nullptr) {
    // A sentinel may still name the old primary while it fails over, or one
    // that came back as a replica: write only where ROLE says "master".
    SAMENSPEL_RETURN_IF_ERROR(CheckPrimaryRole(*connection, address));
    std::optional<uint64_t> generation = options.sentinel->Confirm(*answer);
    if (!generation.has_value()) {
      return absl::UnavailableError(absl::StrCat(
          "redis ", address, ": the sentinels named another primary meanwhile"));
    }
    confirmed = true;
    connection->sentinel_ = options.sentinel;
    connection->sentinel_generation_ = *generation;
  }
  return connection;
}

constexpr absl::string_view RedisConnection::kMoved;

absl::Status RedisConnection::BrokenStatus(absl::string_view what) {
  broken_ = true;
  return absl::UnavailableError(absl::StrCat("redis ", address_, " unavailable: ", what));
}

absl::StatusOr<RedisReply> RedisConnection::RawCommand(
    absl::Span<const absl::string_view> argv) {
  SAMENSPEL_RETURN_IF_ERROR(Append(argv));
  return ReadReply();
}

absl::Status RedisConnection::Append(absl::Span<const absl::string_view> argv) {
  if (broken_) return BrokenStatus("connection already broken");
  if (stale()) return BrokenStatus(kMoved);
  absl::InlinedVector<const char*, 16> data;
  absl::InlinedVector<size_t, 16> sizes;
  data.reserve(argv.size());
  sizes.reserve(argv.size());
  for (absl::string_view arg : argv) {
    data.push_back(arg.data());
    sizes.push_back(arg.size());
  }
  if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), data.data(),
                             sizes.data()) != REDIS_OK) {
    return BrokenStatus(context_->errstr);
  }
  return absl::OkStatus();
}

absl::StatusOr<RedisReply> RedisConnection::ReadReply() {
  if (broken_) return BrokenStatus("connection already broken");
  void* reply = nullptr;
  if (redisGetReply(context_.get(), &reply) != REDIS_OK || reply == nullptr) {
    // hiredis reports a socket timeout as EAGAIN ("Resource temporarily
    // unavailable"); say what it means.
    const bool timed_out =
        context_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
    absl::Status broken =
        BrokenStatus(timed_out ? "command timed out" : context_->errstr);
    if (timed_out) {
      // Sent, and perhaps done: see kTimedOutReason.
      broken = WithReason(std::move(broken), kTimedOutReason);
      if (circuit_ != nullptr) circuit_->TimedOut(broken);
    }
    return broken;
  }
  if (circuit_ != nullptr) circuit_->Answered();
  RedisReply owned(static_cast<redisReply*>(reply));
  // What the old primary answers after the failover (a write it took) is
  // lost with it: not acknowledged.
  if (stale()) return BrokenStatus(kMoved);
  return owned;
}

absl::StatusOr<RedisReply> RedisConnection::Command(
    absl::Span<const absl::string_view> argv) {
  return CheckReply(RawCommand(argv));
}

absl::StatusOr<RedisReply> RedisConnection::CheckReply(absl::StatusOr<RedisReply> reply) {
  if (!reply.ok()) return reply;
  absl::Status status = ReplyStatus(**reply);
  if (status.ok()) return reply;
  // A replica after a failover: reconnect rather than keep asking it.
  if (absl::StartsWith(ReplyText(**reply), "READONLY")) broken_ = true;
  return status;
}

bool RedisConnection::CheckIdle() {
  if (broken_) return false;
  if (stale()) {
    broken_ = true;
    return false;
  }
  // Between calls nothing may be pending in either direction: a readable
  // socket means EOF (Redis closed it), an error, or a protocol slip.
  char byte;
  const ssize_t n = recv(context_->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
  broken_ = true;
  return false;
}

absl::Status RedisConnection::SetCommandTimeout(absl::Duration timeout) {
  if (broken_) return BrokenStatus("connection already broken");
  if (redisSetTimeout(context_.get(), absl::ToTimeval(timeout)) != REDIS_OK) {
    return BrokenStatus(context_->errstr);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------- pool

ConnectionPool::Lease::Lease(ConnectionPool* pool,
                             std::unique_ptr<RedisConnection> connection, int generation)
    : pool_(pool), connection_(std::move(connection)), generation_(generation) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      connection_(std::move(other.connection_)),
      generation_(other.generation_) {}

ConnectionPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Release(std::move(connection_), generation_);
}

ConnectionPool::ConnectionPool(RedisConnectOptions options, int max_size)
    : options_(std::move(options)), max_size_(max_size) {}

ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<RedisConnection> ConnectionPool::TakeIdle() {
  for (;;) {
    std::unique_ptr<RedisConnection> connection;
    {
      absl::MutexLock lock(&mu_);
      if (idle_.empty()) return nullptr;
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
    if (connection->CheckIdle()) return connection;
    // Dead while idle (Redis restarted?): close it outside the lock.
    absl::MutexLock lock(&mu_);
    --open_;
  }
}

void ConnectionPool::Reset() {
  std::vector<std::unique_ptr<RedisConnection>> idle;
  {
    absl::MutexLock lock(&mu_);
    ++generation_;
    idle.swap(idle_);
    open_ -= static_cast<int>(idle.size());
  }
  // Closed outside the lock.
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  bool probe = false;
  if (options_.circuit != nullptr) {
    SAMENSPEL_RETURN_IF_ERROR(options_.circuit->Admit(&probe));
  }
  // A probe that ends here found nothing out: the next may go soon.
  absl::Cleanup ended = [&] {
    if (probe) options_.circuit->ProbeEnded();
  };
  int generation;
  {
    absl::MutexLock lock(&mu_);
    generation = generation_;
  }
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto can_proceed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !idle_.empty() || open_ < max_size_;
      };
      if (!mu_.AwaitWithTimeout(absl::Condition(&can_proceed),
                                options_.command_timeout)) {
        return absl::UnavailableError(
            absl::StrCat("redis ", RedisAddress(options_), ": all ", max_size_,
                         " connections stayed busy for ",
                         absl::FormatDuration(options_.command_timeout)));
      }
      if (idle_.empty()) {
        ++open_;  // Reserve the slot; connect without holding the lock.
        break;
      }
    }
    if (std::unique_ptr<RedisConnection> connection = TakeIdle()) {
      std::move(ended).Cancel();
      return Lease(this, std::move(connection), generation);
    }
  }
  absl::StatusOr<std::unique_ptr<RedisConnection>> connection =
      RedisConnection::Connect(options_);
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return connection.status();
  }
  std::move(ended).Cancel();
  return Lease(this, *std::move(connection), generation);
}

void ConnectionPool::Release(std::unique_ptr<RedisConnection> connection,
                             int generation) {
  {
    absl::MutexLock lock(&mu_);
    if (!connection->broken() && generation == generation_) {
      idle_.push_back(std::move(connection));
      return;
    }
    --open_;
  }
  connection.reset();  // Closed outside the lock.
}

}  // namespace samenspel::registry
