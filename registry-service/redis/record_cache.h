// RecordCache: records recently read from Redis, kept in the registry so that
// a Get of one of them is answered at once, on the caller's thread, without
// a round trip to Redis and without a hand-off to the thread that reads
// Redis's replies (bench/RESULTS.md, "Registry", session 14).
//
// Why it stays true to Redis: the cache holds entries only while Redis tells
// it of every change to the records' keys (client-side caching, CLIENT
// TRACKING in BCAST mode; RedisAsync keeps that subscription and calls
// Invalidate() for each changed key). Redis sends that message when it
// applies the write, so an entry can only be older than Redis for as long as
// the message takes to arrive (normally well under a millisecond), and only
// for writes made through another registry replica or another Redis client:
// a write through this registry's RedisStore removes its records' entries
// itself before it is acknowledged. While the subscription is not in place
// (before it is made, after either connection broke) the cache is off:
// Lookup() finds nothing and nothing is kept.
//
// How a read fills it without a race: Begin() leaves a placeholder with a
// fresh token before the read is sent; Fill() keeps the reply only if that
// placeholder is still there. Invalidate(), Clear() and SetTracking() remove
// placeholders too, so a reply that may predate a change the cache has
// already heard of is never kept.
//
// Bounded: at most `max_bytes` of keys and records (an estimate of their
// heap use); the least recently used entries go first.
//
// Thread-safe.
//
// Example:
//   RecordCache cache(64 << 20);
//   cache.SetTracking(true);                        // Redis tracks the keys now
//   const uint64_t token = cache.Begin(key);        // before the read is sent
//   ... read; then cache.Fill(key, token, record) or cache.Abandon(key, token)
//   std::optional<StoredRecord> hit = cache.Lookup(key);
#ifndef SAMENSPEL_REGISTRY_REDIS_RECORD_CACHE_H_
#define SAMENSPEL_REGISTRY_REDIS_RECORD_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "registry-service/core/store.h"

namespace samenspel::registry {

class RedisSentinel;

class RecordCache {
 public:
  // Starts off (see SetTracking). `max_bytes` 0 keeps nothing.
  explicit RecordCache(size_t max_bytes);

  RecordCache(const RecordCache&) = delete;
  RecordCache& operator=(const RecordCache&) = delete;

  // The record kept for `key`, if any (a copy).
  std::optional<StoredRecord> Lookup(absl::string_view key);

  // Before a read of `key` is sent: a token for Fill(), 0 when the cache is
  // off or full of placeholders.
  uint64_t Begin(absl::string_view key);
  // The read's reply: kept if `key`'s placeholder of `token` is still there
  // (nothing happened to `key` since Begin); otherwise dropped.
  void Fill(absl::string_view key, uint64_t token, const StoredRecord& record);
  // The read failed or found nothing: its placeholder goes.
  void Abandon(absl::string_view key, uint64_t token);

  // `key` changed in Redis (or may have): its entry and placeholder go.
  void Invalidate(absl::string_view key);
  // Everything may have changed: every entry and placeholder goes.
  void Clear();
  // On: Redis now reports every change to the tracked keys (entries start
  // empty). Off: it may not; the cache is emptied and keeps nothing. With
  // `sentinel` (not owned; it outlives the cache's use), the Redis that
  // reports is the primary of `generation`: once the sentinels name another
  // one (a failover), the cache is off, since writes there are not reported.
  void SetTracking(bool on, const RedisSentinel* sentinel = nullptr,
                   uint64_t generation = 0);

  struct Stats {
    int64_t hits = 0;
    int64_t misses = 0;
    int64_t invalidations = 0;
    size_t entries = 0;
    size_t bytes = 0;
    bool tracking = false;
  };
  Stats stats();

 private:
  struct Entry {
    uint64_t token = 0;
    // Empty while the read is on its way.
    std::optional<StoredRecord> record;
    size_t bytes = 0;
    std::list<std::string>::iterator lru;
  };
  void EraseLocked(absl::flat_hash_map<std::string, Entry>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ClearLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Tracking is on, and of the primary the sentinels name now (if any);
  // turns it off when the primary moved.
  bool TrackingLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_bytes_;
  absl::Mutex mu_;
  bool tracking_ ABSL_GUARDED_BY(mu_) = false;
  const RedisSentinel* sentinel_ ABSL_GUARDED_BY(mu_) = nullptr;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_token_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Keys, least recently used first.
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_REDIS_RECORD_CACHE_H_
