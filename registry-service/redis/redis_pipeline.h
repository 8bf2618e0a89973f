// Automatic pipelining: the commands of concurrent callers go to Redis
// together, on few connections.
//
// Why: on a small machine Redis and the registry share the cores, and a
// command sent alone costs Redis a read and a write syscall and the registry
// a round trip per call. Sent together, N commands cost one of each, so Redis
// answers many times more commands per core (redis-benchmark -P 16 vs -P 1).
//
// How (batcher.h): a caller queues its command. While fewer than
// `max_in_flight` batches are on their way, a waiting caller becomes the
// leader of the next batch: it takes every queued command (up to
// `max_batch`), writes them on one pooled connection at once and reads all
// the replies, for everyone; then the next waiting caller leads. A command that comes
// alone is sent at once; under load, the commands that arrive while Redis works on a
// batch share the next round trip. No thread of its own.
//
// Each command keeps its own meaning and reply: Redis runs them one after
// another, never interleaved, so a script is still atomic. Commands of
// different callers may run in any order.
//
// Errors: as RedisConnection::Command, per command. When the connection
// breaks or times out, every command of that batch is UNAVAILABLE (and a
// write among them may or may not have been applied: see RedisStore).
//
// Thread-safe: Execute() may be called from any thread concurrently.
//
// Example:
//   RedisPipeline pipeline(&pool, /*max_in_flight=*/2, /*max_batch=*/64);
//   SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply, pipeline.Execute({"GET", key}));
#ifndef SAMENSPEL_REGISTRY_REDIS_REDIS_PIPELINE_H_
#define SAMENSPEL_REGISTRY_REDIS_REDIS_PIPELINE_H_

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "registry-service/redis/batcher.h"
#include "registry-service/redis/redis_connection.h"

namespace samenspel::registry {

class RedisPipeline {
 public:
  // `pool` must outlive the pipeline. REQUIRES: max_in_flight > 0,
  // max_batch > 0.
  RedisPipeline(ConnectionPool* pool, int max_in_flight, int max_batch);

  RedisPipeline(const RedisPipeline&) = delete;
  RedisPipeline& operator=(const RedisPipeline&) = delete;

  // Sends `argv` (binary-safe) with the commands of other callers and returns
  // its reply; a Redis error reply becomes its ReplyStatus(). When Redis
  // answers `retry_on` (an error reply prefix, e.g. "NOSCRIPT") and `retry`
  // is not empty, `retry` is sent instead, in the same batch, and its reply
  // returned. With `then` (e.g. WAIT, which concerns this connection's
  // writes), that command follows on the same connection once `argv` (or
  // `retry`) was answered, and its reply (as RawCommand's) goes to
  // `*then_reply`. Blocks until the replies came.
  absl::StatusOr<RedisReply> Execute(absl::Span<const absl::string_view> argv,
                                     absl::string_view retry_on = {},
                                     absl::Span<const absl::string_view> retry = {},
                                     absl::Span<const absl::string_view> then = {},
                                     absl::StatusOr<RedisReply>* then_reply = nullptr);

 private:
  struct Pending;
  // Sends `batch` on one connection and sets each one's reply.
  void RunBatch(absl::Span<Pending* const> batch);
  enum class Part { kCommand, kRetry, kThen };
  // Appends the `part` command of each of `batch`, then reads every reply
  // into it. Adds those whose reply asks for their retry to `retries` when
  // not null.
  static void SendAndRead(RedisConnection& connection, absl::Span<Pending* const> batch,
                          Part part, std::vector<Pending*>* retries);

  // Most bytes of arguments in one batch (beyond it, a batch is cut).
  static constexpr size_t kMaxBatchBytes = 4 << 20;

  ConnectionPool* const pool_;
  Batcher<Pending> batcher_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_REDIS_REDIS_PIPELINE_H_
