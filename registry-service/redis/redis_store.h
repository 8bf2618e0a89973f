// RedisStore: the registry's Store on Redis, the source of truth.
//
// Every key it touches is made in redis_keys.h. Commit, List and the feed
// read are Lua scripts (redis_scripts.cc), so each is atomic; Get and
// CurrentRevision are single commands. Redis must run with
// `maxmemory-policy noeviction` (evicting a record, index or the revision
// counter would corrupt the store) and, for durability, with AOF on.
//
// Connections: concurrent calls share a few hiredis connections (at most
// two batches in flight, never more than `pool_size`) by automatic
// pipelining: the commands that arrive while Redis works on a batch go
// together in the next one (redis_pipeline.h). Connections are made lazily. Create() does
// not connect, so a registry starts while Redis is down; calls return UNAVAILABLE until
// Redis answers, and then succeed again with no restart. A connection that failed is
// dropped, and one that Redis closed while it was idle is noticed before use, so the
// first call after a Redis restart already succeeds. Nothing is retried: a call that
// fails returns UNAVAILABLE at once. ReadChanges waits on a second pool, so long polls
// never take connections from other calls.
//
// Group commit: concurrent Commit() calls are sent together, up to
// max_commit_batch per script call with at most two such calls in flight;
// Redis still applies each commit all or nothing and in order, and a commit
// that comes alone is sent at once. On this 2-core box that halves Redis's
// CPU per small commit (most of it is the round trip, not the writes).
//
// Record cache: GetAsync answers from a RecordCache (record_cache.h) at once,
// on the caller's thread, when it holds the record. Redis reports every
// change to a record's key to the cache (client-side caching, on a second
// connection of GetAsync's client), and a write through this store removes
// its records from the cache before it is acknowledged. So GetAsync sees
// every write this store acknowledged, and a write made elsewhere (another
// registry replica, redis-cli) as soon as Redis's message arrives, normally
// within a millisecond. Get (the read of read-modify-write) always asks Redis.
//
// Error contract (in addition to Store's):
//   UNAVAILABLE  Redis cannot be reached, refused AUTH/SELECT, did not answer
//                within command_timeout, or answered "not now" (LOADING,
//                BUSY, MISCONF, READONLY, OOM, ...). The message names the
//                Redis address. Nothing was written, except in one case: a
//                Commit whose connection broke or timed out after the script
//                was sent may or may not have been applied (Redis runs a
//                script whole or not at all, but the reply was lost; this
//                holds for every commit of that batch). Callers that must know
//                retry with the same request_id: a commit that was applied
//                then replays (CommitResult::replayed) instead of applying
//                twice.
//   INVALID_ARGUMENT  a request breaks a REQUIRES (List limit <= 0,
//                ReadChanges max <= 0 or after_revision < 0).
//   INTERNAL     corrupt data, or an unexpected Redis error reply.
//
// Thread-safe: all methods may be called concurrently from any thread.
//
// Example:
//   RedisStoreOptions options;
//   options.port = 6380;
//   SAMENSPEL_ASSIGN_OR_RETURN(std::unique_ptr<RedisStore> store,
//                              RedisStore::Create(options));
//   absl::StatusOr<StoredRecord> jan = store->Get(Kind::kExpert, "jan");
#ifndef SAMENSPEL_REGISTRY_REDIS_REDIS_STORE_H_
#define SAMENSPEL_REGISTRY_REDIS_REDIS_STORE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "registry-service/core/store.h"
#include "registry-service/redis/batcher.h"
#include "registry-service/redis/record_cache.h"
#include "registry-service/redis/redis_async.h"
#include "registry-service/redis/redis_connection.h"
#include "registry-service/redis/redis_keys.h"
#include "registry-service/redis/redis_pipeline.h"

namespace samenspel::registry {

struct RedisStoreOptions {
  // Redis's address, unless `sentinel` is set.
  std::string host = "127.0.0.1";
  int port = 6379;
  // When set, the primary is found through Redis Sentinel on every connect
  // (redis_connection.h).
  std::shared_ptr<RedisSentinel> sentinel;
  // AUTH on connect when not empty.
  std::string password;
  // SELECT on connect when not 0.
  int db = 0;
  // Prefix of every key (redis_keys.h).
  std::string key_prefix = "ss:";
  // Most connections used at once by ordinary calls, which are pipelined on
  // them (at most 2 are used: more only splits batches); ReadChanges waits
  // have a pool of this size of their own.
  int pool_size = 32;
  // Bounds connecting (TCP connect; AUTH and SELECT take command_timeout).
  absl::Duration connect_timeout = absl::Milliseconds(500);
  // Bounds each command; a Redis that hangs longer yields UNAVAILABLE.
  absl::Duration command_timeout = absl::Seconds(2);
  // Changes kept on the feed, at least (trimming is approximate: Redis trims
  // whole stream nodes, so up to ~100 more are kept).
  int64_t feed_retention = 1000000;
  // How long a request_id is remembered for replay.
  absl::Duration request_id_ttl = absl::Hours(24);
  // Most commits sent to Redis in one script call. Concurrent commits are
  // grouped (each still all or nothing on its own), which saves Redis a round
  // trip per commit under load; 1 sends every commit alone.
  int max_commit_batch = 32;
  // CommitAsync: whether the caller that starts a batch sends it, waits for
  // the reply and answers the batch's commits on its own thread (see
  // CommitAsync). False: the I/O thread of the asynchronous connection sends
  // and answers every batch. The registry calls CommitAsync on gRPC's
  // callback threads, and gRPC finishes a call more cheaply there than from
  // another thread, which must wake one of them: on this 2-core machine the
  // caller's thread saved ~15 µs of the registry's CPU and ~8 µs of the
  // client's per create (bench/RESULTS.md, "Session 17").
  bool async_commits_on_caller_thread = true;
  // GetAsync, for records the cache does not hold, likewise: the caller that
  // starts a batch of reads sends it, waits for the replies and answers its
  // reads on its own thread (see GetAsync). False: the I/O thread answers.
  // One thread at a time does this work for reads or commits; a call that
  // finds it busy leaves its batch to the I/O thread.
  bool async_reads_on_caller_thread = true;
  // When above 0, a commit is acknowledged only once this many replicas
  // have it (Redis WAIT, within wait_timeout), so that a failover to one of
  // them loses no acknowledged write. A commit applied on the primary that
  // too few replicas confirmed in time is UNAVAILABLE (reason
  // NOT_REPLICATED), as its fate is then unknown: a retry with the same
  // request_id or etag tells.
  int wait_replicas = 0;
  absl::Duration wait_timeout = absl::Seconds(1);
  // Most memory (bytes, estimated) for records kept for GetAsync (see
  // "Record cache" above); 0 keeps none and makes no tracking connection.
  size_t record_cache_bytes = size_t{64} << 20;
};

class RedisStore : public Store {
 public:
  // INVALID_ARGUMENT for bad options. Does not connect (see above).
  static absl::StatusOr<std::unique_ptr<RedisStore>> Create(RedisStoreOptions options);

  // REQUIRES: no call is in progress.
  ~RedisStore() override;

  absl::StatusOr<StoredRecord> Get(Kind kind, absl::string_view id) override;
  // `done` runs at once when the record cache holds the record. Else reads
  // that arrive while a batch of them is on its way are queued and return at
  // once, and go together in the next batch. A read that finds none on its
  // way starts one, and with async_reads_on_caller_thread its caller's
  // thread sends the batch, waits for the replies, runs every read's `done`,
  // and goes on with the reads queued meanwhile until none is left; not on a
  // RedisAsync I/O thread, nor from such a `done`, nor while another thread
  // waits for a batch of reads or commits (see the options). Otherwise
  // `done` runs on the I/O thread of the asynchronous connection
  // (RedisAsync). The wait is bounded by the connection's timeouts
  // (connect_timeout and command_timeout, and each Sentinel's when they are
  // asked): while Redis is down, each batch waits up to that long before it
  // fails UNAVAILABLE.
  void GetAsync(Kind kind, absl::string_view id, GetCallback done) override;
  absl::StatusOr<ListResult> List(const ListRequest& request) override;
  absl::StatusOr<int64_t> CountIndexed(Kind kind, const IndexEntry& index) override;
  absl::StatusOr<CommitResult> Commit(const CommitRequest& request) override;
  // Commits that arrive while a batch is on its way are queued and return at
  // once; they share the next script call. A commit that finds none on its
  // way starts one. With async_commits_on_caller_thread its caller's thread
  // then does the work: it sends the batch, waits for the reply (bounded as
  // for GetAsync), runs every commit's `done`, and goes on with the commits
  // queued meanwhile until none is left; so CommitAsync may block its caller
  // for as long as commits keep coming. Not on a RedisAsync I/O thread
  // (which must not wait), nor from the `done` of a read or commit this
  // thread sent (what it starts must not hold up the rest of its batch), nor
  // while another thread waits for a batch: then the I/O thread of the
  // asynchronous connection sends and answers the batches.
  void CommitAsync(CommitRequest request, CommitCallback done) override;
  absl::StatusOr<std::vector<StoredChange>> ReadChanges(int64_t after_revision, int max,
                                                        absl::Duration wait) override;
  absl::StatusOr<int64_t> CurrentRevision() override;

  // OK when Redis answers PING: for health checks.
  absl::Status Ping();
  // What is wrong with Redis' settings for the registry, one sentence each:
  // a maxmemory-policy other than noeviction (Redis could evict records,
  // indexes or the revision counter), AOF off. Empty when all is well or
  // when Redis refuses CONFIG (a managed Redis may): then nobody can tell.
  absl::StatusOr<std::vector<std::string>> SettingsWarnings();

  const RedisKeys& keys() const { return keys_; }
  RecordCache::Stats record_cache_stats() { return cache_.stats(); }

 private:
  explicit RedisStore(RedisStoreOptions options);

  struct PendingCommit;
  // Sends `batch` as one CommitScript() call and sets each one's result.
  void RunCommitBatch(absl::Span<PendingCommit* const> batch);
  struct AsyncCommit;
  using AsyncBatch = std::vector<std::unique_ptr<AsyncCommit>>;
  // The next batch of queued asynchronous commits, having answered those
  // whose callers gave up; when there are none, marks none in flight (and,
  // for the `leader`'s, that it no longer leads).
  AsyncBatch TakeAsyncCommits(bool leader);
  // Sends and answers batches of queued asynchronous commits from this
  // thread until none is left (see CommitAsync).
  void LeadAsyncCommits();
  // Sends the queued asynchronous commits (as many as one batch takes) as
  // one script call, answered from the I/O thread, or marks none in flight
  // when there are none.
  void SendAsyncCommits();
  // Sends `batch` as one script call on the asynchronous connection;
  // `on_reply` gets the script's reply and, with wait_replicas, WAIT's, on
  // the I/O thread.
  using BatchReply =
      absl::AnyInvocable<void(absl::StatusOr<RedisReply>, absl::StatusOr<RedisReply>) &&>;
  void SendCommitBatch(std::shared_ptr<const AsyncBatch> batch, BatchReply on_reply);
  struct AsyncRead;
  using ReadBatch = std::vector<std::unique_ptr<AsyncRead>>;
  // The queued asynchronous reads, or, when there are none, marks none in
  // flight and this thread no longer leading.
  ReadBatch TakeAsyncReads();
  // Sends and answers batches of queued asynchronous reads from this thread
  // until none is left (see GetAsync).
  void LeadAsyncReads();
  // The HMGET of `read` (pointing into it), and the callback of its reply,
  // which gives `done` the record (the cache filled from it) on the I/O
  // thread.
  static std::vector<absl::string_view> ReadCommand(const AsyncRead& read);
  RedisAsync::Callback ReadReply(const AsyncRead& read, GetCallback done);
  // The result of each commit of `batch` from the script's `reply` and
  // WAIT's `wait`; its records leave the cache. On the I/O thread, in the
  // reply's callback.
  std::vector<absl::StatusOr<CommitResult>> AsyncBatchResults(
      const AsyncBatch& batch, const absl::StatusOr<RedisReply>& reply,
      const absl::StatusOr<RedisReply>& wait);
  // Gives each commit of `batch` its result.
  void AnswerAsyncCommits(AsyncBatch& batch,
                          std::vector<absl::StatusOr<CommitResult>> results);
  // WAIT's arguments (empty without wait_replicas), and what its reply means
  // for a commit that was applied: OK, or why it is not acknowledged. Once a
  // WAIT found too few replicas, the next ones wait kShortWait at most until
  // one finds them again (logged both ways): with no replica there, each
  // write would otherwise take the whole wait_timeout, and queue behind the
  // previous batch's.
  std::vector<absl::string_view> WaitCommand() const;
  absl::Status ReplicatedStatus(const absl::StatusOr<RedisReply>& wait);
  // True for a commit refused because Redis is a replica now.
  static bool IsReadOnly(const absl::Status& status);

  // The changes after `after_revision` in an XRANGE entries reply, with the
  // erased ones among them from the redacted markers (may be null).
  absl::StatusOr<std::vector<StoredChange>> ParseChanges(
      int64_t after_revision, const redisReply& entries,
      const redisReply* redacted) const;
  // The record in an HMGET (data, revision) reply of `key`.
  static absl::StatusOr<StoredRecord> ParseRecord(Kind kind, absl::string_view id,
                                                  absl::string_view key,
                                                  absl::StatusOr<RedisReply> reply);
  // After a commit through this store (whatever its outcome): its records
  // leave the cache, so a GetAsync after it asks Redis.
  void ForgetCommitted(const CommitRequest& request);
  // The record cache's tracking settings for GetAsync's client.
  std::optional<RedisTracking> Tracking();

  // Blocks up to `wait` on XREAD for changes after `after_revision`.
  absl::StatusOr<std::vector<StoredChange>> WaitForChanges(int64_t after_revision,
                                                           int max, absl::Duration wait);

  const RedisStoreOptions options_;
  // WAIT's numbers, as text.
  const std::string wait_replicas_text_;
  const std::string wait_timeout_text_;
  const std::string short_wait_text_;
  // Whether the last WAIT found too few replicas (see WaitCommand).
  std::atomic<bool> replicas_short_{false};
  const RedisKeys keys_;
  // Shared by every connection below: a hung Redis fails calls at once.
  const std::shared_ptr<RedisCircuit> circuit_;
  // Before async_, which tells it of changes.
  RecordCache cache_;
  ConnectionPool pool_;
  ConnectionPool blocking_pool_;
  // Batches of commands on their way to Redis at once, and their size: two
  // let Redis work on one while the other is written or read.
  static constexpr int kPipelinesInFlight = 2;
  static constexpr int kMaxPipeline = 64;
  RedisPipeline pipeline_;
  // CommitAsync()'s queue: commits not yet sent, and whether a batch of them
  // is on its way (then whoever got its reply sends the next). Declared
  // before async_, whose destructor answers what is in flight.
  absl::Mutex async_mu_;
  std::deque<std::unique_ptr<AsyncCommit>> async_commits_ ABSL_GUARDED_BY(async_mu_);
  bool async_commit_in_flight_ ABSL_GUARDED_BY(async_mu_) = false;
  // GetAsync's queue, likewise (only while a caller's thread leads reads).
  ReadBatch async_reads_ ABSL_GUARDED_BY(async_mu_);
  bool async_read_in_flight_ ABSL_GUARDED_BY(async_mu_) = false;
  // Whether a caller's thread sends batches of reads or commits and waits
  // for them now: at most one does (the one before may still be answering
  // its last batch).
  bool leading_ ABSL_GUARDED_BY(async_mu_) = false;
  // GetAsync's and CommitAsync's connection, made on its first use.
  RedisAsync async_;
  // With wait_replicas, commits have connections of their own: WAIT holds up
  // every later command of its connection, and reads must not wait for a
  // slow replica. Null otherwise (commits use pipeline_ and async_).
  std::unique_ptr<ConnectionPool> commit_pool_;
  std::unique_ptr<RedisPipeline> commit_pipeline_;
  std::unique_ptr<RedisAsync> commit_async_;
  RedisPipeline& CommitPipeline() {
    return commit_pipeline_ ? *commit_pipeline_ : pipeline_;
  }
  RedisAsync& CommitConnection() { return commit_async_ ? *commit_async_ : async_; }

  // Group commit (see Commit() in redis_store.cc).
  static constexpr int kBatchesInFlight = 2;
  // WAIT's timeout while replicas do not confirm writes (see WaitCommand).
  static constexpr absl::Duration kShortWait = absl::Milliseconds(100);
  static constexpr size_t kMaxBatchBytes = 4 << 20;
  Batcher<PendingCommit> commit_batcher_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_REDIS_REDIS_STORE_H_
