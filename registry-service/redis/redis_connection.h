// hiredis, wrapped: RAII owners for redisContext and redisReply, one
// connection with binary-safe argv commands, and a bounded pool of them.
//
// hiredis discipline (from the hiredis README): a context that saw an I/O or
// protocol error is dead and must be replaced. RedisConnection remembers that
// (broken()); ConnectionPool drops it and connects a fresh one on a later
// Acquire(), so recovery after Redis comes back needs no restart. An idle
// connection whose peer closed it (Redis stopped or restarted meanwhile) is
// noticed before it is handed out, so the first call after a restart does not
// fail on a stale connection.
//
// Error contract: a connection that cannot be made, or an I/O error or
// timeout on a command, is UNAVAILABLE with a message naming the Redis
// address. Redis error replies are UNAVAILABLE when they mean "try again
// later" (LOADING, BUSY, MISCONF, READONLY, MASTERDOWN, TRYAGAIN, OOM), or
// that the database is in a layout this registry does not know (the scripts'
// SAMENSPEL_LAYOUT: LayoutStatus), and INTERNAL otherwise.
//
// Redis Sentinel (RedisSentinel below): with `sentinel` set, every new
// connection first asks the sentinels where the primary is, then checks with
// ROLE that it reached a primary (during a failover a sentinel may still name
// the old one). After a failover, Sentinel closes the old primary's client
// connections and a READONLY reply breaks a connection, so the next one is
// made to the new primary: no restart, and no fixed address to move.
//
// Example:
//   ConnectionPool pool(options, /*max_size=*/8);
//   SAMENSPEL_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, pool.Acquire());
//   SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply, conn->Command({"GET", key}));
#ifndef SAMENSPEL_REGISTRY_REDIS_REDIS_CONNECTION_H_
#define SAMENSPEL_REGISTRY_REDIS_REDIS_CONNECTION_H_

#include <hiredis/hiredis.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace samenspel::registry {

struct RedisReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
// Owns one reply tree.
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

struct RedisContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using RedisContextPtr = std::unique_ptr<redisContext, RedisContextDeleter>;

class RedisConnection;
class RedisSentinel;

// What every connection to one Redis knows of it together: once a command
// timed out (a hung Redis, whose port still takes connections), calls fail
// at once with that error instead of each waiting out its command timeout,
// while one call at a time still goes to Redis to find out whether it
// answers again (a probe: `probe_interval` after the last timed out, or
// `probe_timeout`, the command timeout, after the last probe went, whichever
// comes first); any reply closes the circuit. One at a time: a probe every
// 250 ms, each waiting out its 2 s, held 8 calls at once, and a caller
// calling once a second was nearly always one (an operator review).
//
// Thread-safe.
class RedisCircuit {
 public:
  explicit RedisCircuit(absl::Duration probe_interval = absl::Milliseconds(250),
                        absl::Duration probe_timeout = absl::Seconds(2))
      : probe_interval_(probe_interval), probe_timeout_(probe_timeout) {}
  // OK when a call may go to Redis (the circuit is closed, or this call is
  // the next probe: then `*probe` is set, when given); else UNAVAILABLE,
  // without waiting.
  absl::Status Admit(bool* probe = nullptr);
  // A command timed out with `status`.
  void TimedOut(const absl::Status& status);
  // A probe ended before its command went (no connection could be made):
  // the next probe is due `probe_interval` from now, not `probe_timeout`
  // (a review: Redis restarted, and calls failed at once for 2 s more).
  void ProbeEnded();
  // Redis answered.
  void Answered() {
    if (open_.load(std::memory_order_relaxed)) Close();
  }
  bool open() const { return open_.load(std::memory_order_relaxed); }

 private:
  void Close();

  const absl::Duration probe_interval_;
  const absl::Duration probe_timeout_;
  std::atomic<bool> open_{false};
  absl::Mutex mu_;
  absl::Time next_probe_ ABSL_GUARDED_BY(mu_);
  absl::Status why_ ABSL_GUARDED_BY(mu_);
};

struct RedisConnectOptions {
  // The Redis to connect to, unless `sentinel` is set.
  std::string host = "127.0.0.1";
  int port = 6379;
  // When set, the primary's address comes from these sentinels on every
  // connect, and host/port are not used.
  std::shared_ptr<RedisSentinel> sentinel;
  // Sent with AUTH on connect when not empty.
  std::string password;
  // Selected on connect when not 0.
  int db = 0;
  // Bounds the TCP connect.
  absl::Duration connect_timeout = absl::Milliseconds(500);
  // Bounds each command's send and reply (socket timeouts).
  absl::Duration command_timeout = absl::Seconds(2);
  // Shared by the connections to this Redis, when set (see RedisCircuit).
  std::shared_ptr<RedisCircuit> circuit;
};

// "host:port", or "primary '<name>' (sentinels host:port,...)" with a
// sentinel, for messages.
std::string RedisAddress(const RedisConnectOptions& options);

struct RedisHostPort {
  std::string host;
  int port = 0;
};
// Parses "host:port" (a port of 1..65535; "[v6]:port" too). INVALID_ARGUMENT
// otherwise.
absl::StatusOr<RedisHostPort> ParseRedisHostPort(absl::string_view address);

struct RedisSentinelOptions {
  // The sentinels, "host:port" each; at least one.
  std::vector<std::string> addresses;
  // The name the sentinels monitor the primary by ("sentinel monitor <name>
  // ..." in their configuration).
  std::string master_name;
  // AUTH to the sentinels when not empty (their requirepass, which is not
  // the primary's).
  std::string password;
  // AUTH to the primary and its replicas when not empty: the watcher asks a
  // primary the sentinels newly name for its ROLE before it follows them.
  std::string primary_password;
  absl::Duration connect_timeout = absl::Milliseconds(500);
  absl::Duration command_timeout = absl::Seconds(2);
  // How often a thread asks the sentinels whether the primary moved (zero:
  // never; connections then learn of a failover only when Sentinel demotes
  // the old primary, which can take its INFO period, ~10 s, during which
  // the old primary takes writes a failover then loses).
  absl::Duration watch_interval = absl::Milliseconds(250);
};

// Finds the primary through Redis Sentinel, as the Sentinel client protocol
// has it (https://redis.io/docs/reference/sentinel-clients/): the sentinels
// are asked in turn ("SENTINEL get-master-addr-by-name"), the first that
// knows the primary answers, and once the primary is confirmed there, it is
// asked first from then on, so a sentinel that is down costs its timeout
// once, not on every connect.
//
// A thread asks the sentinels every `watch_interval` where the primary is
// (the sentinel connections asked last, first). When they name another one
// than the primary last confirmed, and ROLE there says "master" (a
// failover), every connection to the old one becomes stale: it refuses
// commands, and drops replies it reads from then on (UNAVAILABLE), so that
// no write the old primary takes after the failover is acknowledged; the
// next connection goes to the new primary. A sentinel that names one that is
// no primary (cut off from the others, or not yet told) is asked last from
// then on, and nothing moves; one that cannot be checked (unreachable, a
// password refused) is checked again at the next look.
//
// Not covered: a sentinel cut off from the others that names an old primary
// still taking writes as "master" (cut off from the sentinels, say) is
// followed like any other; Sentinel's config epochs would tell the two
// apart.
//
// Thread-safe.
class RedisSentinel {
 public:
  // INVALID_ARGUMENT when an address does not parse, there is none, or the
  // master name is empty.
  static absl::StatusOr<std::shared_ptr<RedisSentinel>> Create(
      RedisSentinelOptions options);

  ~RedisSentinel();

  struct Answer {
    RedisHostPort primary;
    // The sentinel that named it.
    RedisHostPort sentinel;
    // generation() when the sentinels were asked.
    uint64_t generation = 0;
  };
  // The primary's address. UNAVAILABLE, naming each sentinel's failure, when
  // none of them answers with it.
  absl::StatusOr<Answer> Primary();
  // What the caller found at the answer's address: the primary (its sentinel
  // is asked first from now on), or not, or nothing there (it is asked last:
  // a sentinel cut off from the others may keep naming the old primary).
  // The first primary confirmed, and each later one at another address (a
  // failover), is logged once. Returns the generation a connection to it
  // belongs to, or nothing when the primary moved since `answer` was given
  // (the connection is to be dropped).
  std::optional<uint64_t> Confirm(const Answer& answer);
  void Distrust(const RedisHostPort& sentinel);

  // Counts the primary's moves: a connection made in an earlier generation
  // is to the old primary.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // "primary '<name>' (sentinels a:1,b:2)", for messages.
  const std::string& description() const { return description_; }

 private:
  RedisSentinel(RedisSentinelOptions options, std::vector<RedisHostPort> sentinels);
  RedisConnectOptions SentinelOptions(const RedisHostPort& sentinel) const;
  absl::StatusOr<RedisHostPort> Ask(const RedisHostPort& sentinel);
  absl::StatusOr<RedisHostPort> AskOn(RedisConnection& connection,
                                      const RedisHostPort& sentinel);
  // The watcher thread's loop, and one look (on a connection it keeps to the
  // sentinel that answered last, while it works).
  void Watch();
  void WatchOnce();
  // Makes `primary` the primary (logs the move, counts a generation).
  void MoveTo(const RedisHostPort& primary, const RedisHostPort& sentinel)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Asks `sentinel` first from now on.
  void Trust(const RedisHostPort& sentinel) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RedisSentinelOptions options_;
  const std::string description_;
  absl::Mutex mu_;
  // In the order they are asked: the last to answer first.
  std::vector<RedisHostPort> sentinels_ ABSL_GUARDED_BY(mu_);
  // The primary last confirmed (or named by the sentinels since), if any.
  std::optional<RedisHostPort> primary_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{0};
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Used by the watcher thread only.
  std::unique_ptr<RedisConnection> watch_connection_;
  RedisHostPort watch_sentinel_;
  // The last primary a sentinel named that ROLE said was none (logged once,
  // not checked again until watch_refused_until_), and the last that could
  // not be checked (logged once).
  std::optional<RedisHostPort> watch_refused_;
  absl::Time watch_refused_until_;
  std::optional<RedisHostPort> watch_unchecked_;
  std::thread watcher_;
};

// The Status of a Redis error message (see the error contract above).
absl::Status RedisErrorStatus(absl::string_view error);

// UNAVAILABLE (reason DATABASE_LAYOUT_UNKNOWN): the database is marked as
// `layout` ({p}schema, redis_keys.h), which is not this registry's.
absl::Status LayoutStatus(absl::string_view layout);

// The Status of a reply: OK unless it is a Redis error reply.
absl::Status ReplyStatus(const redisReply& reply);
// True for a NOSCRIPT error reply (EVALSHA of a script Redis does not have).
bool IsNoScriptError(const redisReply& reply);

// What the reply of "WAIT `replicas` `timeout`" after a write means for it:
// OK when that many replicas have it, else UNAVAILABLE (reason
// NOT_REPLICATED): the write stands on the primary but a failover may lose
// it. `retry` tells the caller how to learn its fate.
absl::Status WaitStatus(const absl::StatusOr<RedisReply>& wait, int replicas,
                        absl::Duration timeout, absl::string_view retry);

// One connection to Redis.
//
// Thread-compatible, not thread-safe: one thread uses it at a time (the pool
// hands each connection to one caller).
class RedisConnection {
 public:
  // Connects (to the primary the sentinels name, with a sentinel), sets the
  // command timeout, and sends AUTH and SELECT as configured; with a
  // sentinel, checks with ROLE that it is the primary. UNAVAILABLE when Redis
  // cannot be reached, refuses, or is not the primary.
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(
      const RedisConnectOptions& options);

  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command (each argument binary-safe) and returns its reply,
  // which may be an error reply: for callers that handle some Redis errors
  // themselves. UNAVAILABLE on I/O errors and timeouts, which break the
  // connection.
  absl::StatusOr<RedisReply> RawCommand(absl::Span<const absl::string_view> argv);

  // Like RawCommand, but a Redis error reply becomes its ReplyStatus().
  absl::StatusOr<RedisReply> Command(absl::Span<const absl::string_view> argv);

  // Pipelining: Append() queues a command in the output buffer (no I/O);
  // ReadReply() sends whatever is queued and returns the reply of the oldest
  // command not yet answered, which may be an error reply. Every appended
  // command must have its reply read before the connection is used for
  // anything else. ReadReply errors as RawCommand; Append fails only on a
  // broken connection.
  absl::Status Append(absl::Span<const absl::string_view> argv);
  absl::StatusOr<RedisReply> ReadReply();

  // Turns an error reply from RawCommand into its ReplyStatus(), breaking the
  // connection when it talks to a replica (READONLY: after a failover).
  absl::StatusOr<RedisReply> CheckReply(absl::StatusOr<RedisReply> reply);

  // Changes the command timeout (for blocking commands such as XREAD BLOCK).
  absl::Status SetCommandTimeout(absl::Duration timeout);

  // True once an I/O or protocol error happened: the connection is dead.
  bool broken() const { return broken_; }

  // The socket, for RedisAsync: after Connect()'s set-up (AUTH, SELECT) it
  // does its own non-blocking I/O on it and never calls the methods above.
  int fd() const { return context_->fd; }
  // The server this connection reached (the primary Sentinel named, if any).
  const RedisHostPort& peer() const { return peer_; }

  // True when the connection is to a primary the sentinels have since
  // replaced (see RedisSentinel): it is not to be used, and replies read
  // from it are dropped.
  bool stale() const {
    return sentinel_ != nullptr && sentinel_->generation() != sentinel_generation_;
  }
  // The sentinels' generation() this connection belongs to (0 without).
  uint64_t sentinel_generation() const { return sentinel_generation_; }
  // Why a stale() connection is broken.
  static constexpr absl::string_view kMoved =
      "the sentinels name another primary now (a failover)";

  // Checks, without blocking, whether the peer closed an idle connection (or
  // sent something unasked); if so the connection is broken from now on.
  // Returns !broken().
  bool CheckIdle();

 private:
  RedisConnection(RedisContextPtr context, std::string address, RedisHostPort peer,
                  std::shared_ptr<RedisCircuit> circuit);
  absl::Status BrokenStatus(absl::string_view what);

  RedisContextPtr context_;
  const std::string address_;
  const RedisHostPort peer_;
  const std::shared_ptr<RedisCircuit> circuit_;  // may be null
  // With Sentinel: the generation of the primary this connection reached.
  std::shared_ptr<RedisSentinel> sentinel_;  // may be null
  uint64_t sentinel_generation_ = 0;
  bool broken_ = false;
};

// Up to `max_size` connections to one Redis, made lazily and handed out one
// per caller.
//
// Thread-safe: Acquire() may be called from any thread; each Lease is used by
// one thread at a time and may be destroyed on any thread.
class ConnectionPool {
 public:
  // Gives its connection back to the pool when destroyed, or drops it when it
  // is broken.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    RedisConnection* operator->() const { return connection_.get(); }
    RedisConnection& operator*() const { return *connection_; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<RedisConnection> connection,
          int generation);

    ConnectionPool* pool_;
    std::unique_ptr<RedisConnection> connection_;
    int generation_;
  };

  ConnectionPool(RedisConnectOptions options, int max_size);
  // REQUIRES: every Lease was destroyed.
  ~ConnectionPool();

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // An idle connection, or a new one while fewer than max_size exist; else
  // waits up to the command timeout for one to come back. UNAVAILABLE when
  // Redis cannot be reached or every connection stays busy.
  absl::StatusOr<Lease> Acquire();

  const RedisConnectOptions& options() const { return options_; }

  // Closes every idle connection, and each leased one when it comes back:
  // for when Redis turned out to be a replica in a way no connection
  // noticed (a script's write refused with READONLY inside its reply).
  void Reset();

 private:
  void Release(std::unique_ptr<RedisConnection> connection, int generation);
  // An idle connection that still works, or null.
  std::unique_ptr<RedisConnection> TakeIdle();

  const RedisConnectOptions options_;
  const int max_size_;

  absl::Mutex mu_;
  std::vector<std::unique_ptr<RedisConnection>> idle_ ABSL_GUARDED_BY(mu_);
  // Connections that exist: idle, leased or being connected.
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  // Reset() count: a connection leased before the last one is closed.
  int generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_REDIS_REDIS_CONNECTION_H_
