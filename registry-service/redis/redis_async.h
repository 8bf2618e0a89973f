// An asynchronous Redis client for the hot read path: callers queue a
// command with a callback and return at once; one I/O thread sends the queued
// commands together and runs each callback with its reply.
//
// Why: a blocking call needs a thread per call in flight, and on this kind of
// machine every hand-off between threads (a futex wake-up and a context
// switch) costs more than the work of a small read. Here a gRPC callback
// thread queues GetExpert's HMGET and goes back to gRPC at once; the I/O
// thread reads the replies of a whole batch in one wake-up and runs each
// callback (bench/RESULTS.md, "Registry"). RedisStore may have the gRPC
// thread wait for a batch's callbacks and finish the calls itself, which
// costs gRPC less (bench/RESULTS.md, "Session 17").
//
// How: commands queued while the I/O thread waits for replies go out together
// in the next batch, in queue order, on one connection (Redis answers in
// order). The I/O thread sleeps only when nothing is in flight; a caller wakes
// it (an eventfd) only then, so under load queuing costs no system call.
//
// Errors (the contract of RedisConnection::Command): UNAVAILABLE when Redis
// cannot be reached, the connection breaks, or a reply takes longer than the
// command timeout (every command then in flight fails, the connection is
// dropped and a new one made for the next command, so recovery after Redis
// comes back needs no restart); a Redis error reply becomes its
// ReplyStatus(). A failed command may or may not have run: use this client
// for reads.
//
// Client-side caching (optional, RedisTracking): the I/O thread also keeps a
// second connection to the same server, subscribed to Redis's invalidation
// messages, and asks Redis (CLIENT TRACKING ... BCAST) to send there every
// change to keys with the given prefixes; it tells the RecordCache of each,
// and turns the cache on only once Redis has agreed and off as soon as either
// connection breaks (record_cache.h). When Redis refuses tracking (an old
// version, an ACL without CLIENT), the cache stays off and a warning is
// logged; commands are not affected. A new connection subscribes at once; a
// subscription lost while the connection stayed is made again after a
// second, and one Redis refused after 30 s (a minute when CLIENT TRACKING
// itself failed).
//
// Callbacks run on the I/O thread, one at a time, in reply order; they must
// not block (they may queue further commands). Thread-safe: Execute() may be
// called from any thread, the callbacks included.
//
// Example:
//   RedisAsync redis(options);
//   redis.Execute({"HMGET", key, "d", "r"}, [](absl::StatusOr<RedisReply> reply) {
//     ... use the reply; do not block ...
//   });
#ifndef SAMENSPEL_REGISTRY_REDIS_REDIS_ASYNC_H_
#define SAMENSPEL_REGISTRY_REDIS_REDIS_ASYNC_H_

#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "registry-service/redis/record_cache.h"
#include "registry-service/redis/redis_connection.h"

namespace samenspel::registry {

// What RedisAsync keeps `cache` true to: the keys starting with `prefixes`.
struct RedisTracking {
  std::vector<std::string> prefixes;
  // Must outlive the RedisAsync.
  RecordCache* cache = nullptr;
  // A silent subscription cannot be told from a quiet Redis: the listener
  // PINGs Redis this often, and once a PING has waited `silence_limit` for
  // its answer the cache goes off (and the subscription is made again). So a
  // Redis cut off without a word (a network partition, a paused server) is
  // served from the cache for at most about silence_limit + ping_interval.
  absl::Duration ping_interval = absl::Milliseconds(250);
  absl::Duration silence_limit = absl::Seconds(1);
};

class RedisAsync {
 public:
  using Callback = absl::AnyInvocable<void(absl::StatusOr<RedisReply>) &&>;

  // Connects lazily, on the first command.
  explicit RedisAsync(RedisConnectOptions options,
                      std::optional<RedisTracking> tracking = std::nullopt);
  // Fails every command not yet answered with UNAVAILABLE (their callbacks
  // run before it returns; a command they queue fails at once the same way)
  // and stops the I/O thread.
  ~RedisAsync();

  RedisAsync(const RedisAsync&) = delete;
  RedisAsync& operator=(const RedisAsync&) = delete;

  // From a callback only: once the replies read with this one are answered,
  // the connection is dropped (commands in flight fail UNAVAILABLE) and the
  // next command makes a new one. For a reply that shows Redis to be a
  // replica although no error reply said so (READONLY inside a script's).
  void DropConnectionFromCallback() { replica_ = true; }

  // True on the I/O thread of any RedisAsync (in its callbacks): code that
  // may be called from a callback asks this before it blocks.
  static bool OnIoThread();

  // Queues `argv` (binary-safe; copied) and returns at once; `done` runs on
  // the I/O thread with the reply, or an error as described above.
  void Execute(absl::Span<const absl::string_view> argv, Callback done);
  // Several commands, queued at once: they go out together on one
  // connection, and when it breaks before their replies, all fail.
  void ExecuteAll(absl::Span<const std::vector<absl::string_view>> commands,
                  std::vector<Callback> dones);

 private:
  struct Queued {
    std::string command;  // in the Redis protocol
    Callback done;
  };
  struct InFlight {
    Callback done;
    absl::Time deadline;
  };

  // Appends `queued` to the queue at once (or fails them when stopping).
  void Enqueue(absl::Span<Queued> queued);
  void Loop();
  // Makes a connection if there is none; UNAVAILABLE when Redis cannot be
  // reached.
  absl::Status EnsureConnected();
  // Closes the connection and fails every command in flight with `status`.
  void Drop(const absl::Status& status);
  // With tracking_, and no subscription: subscribes on a new connection to
  // the command connection's server, and queues the CLIENT TRACKING commands
  // whose reply turns the cache on.
  void StartTracking();
  // Closes the subscription's connection; the cache is off.
  void DropTracking();
  // Logs `message`, why the cache is off; the next time it is on is logged.
  void CacheOff(const std::string& message);
  // Reads the invalidation messages the subscription has; false when its
  // connection broke.
  bool ReadInvalidations();
  // Sends the subscription its PING when one is due; false (the cache off,
  // the subscription dropped) when one waited too long for its answer or
  // could not be sent.
  bool PingListener();
  // Reads what the socket has; runs the callbacks of complete replies.
  // False when the connection broke.
  bool ReadReplies();
  void Wake();

  const RedisConnectOptions options_;
  const std::optional<RedisTracking> tracking_;
  const std::string address_;
  int wake_fd_ = -1;

  absl::Mutex mu_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  // True while the I/O thread sleeps with nothing in flight: the next
  // Execute() wakes it.
  bool idle_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Only the I/O thread touches these.
  std::unique_ptr<RedisConnection> connection_;
  redisReader* reader_ = nullptr;
  std::string out_;  // bytes not yet sent
  std::deque<InFlight> in_flight_;
  // Set when a reply was READONLY: the connection is dropped.
  bool replica_ = false;
  // The subscription to invalidations (with tracking_), and how many were
  // made: a CLIENT TRACKING reply turns the cache on only for its own.
  // Whether connection_ has had a reply since it was made, or since the
  // subscription fell silent (the record cache subscribes then).
  bool answered_ = false;
  std::unique_ptr<RedisConnection> listener_;
  redisReader* listener_reader_ = nullptr;
  uint64_t listener_generation_ = 0;
  absl::Time next_tracking_attempt_ = absl::InfinitePast();
  // The listener's PINGs (see RedisTracking): when the next goes, and when
  // the one not yet answered went (InfiniteFuture: none; one at a time).
  absl::Time next_listener_ping_ = absl::InfinitePast();
  absl::Time ping_sent_ = absl::InfiniteFuture();
  // A line said the cache is off, and none yet that it is on again.
  bool cache_off_logged_ = false;

  std::thread thread_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_REDIS_REDIS_ASYNC_H_
