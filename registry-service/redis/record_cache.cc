#include "registry-service/redis/record_cache.h"

#include <utility>

#include "registry-service/redis/redis_connection.h"

namespace samenspel::registry {

namespace {

// Heap use of an entry beyond its strings: the map slot, the list node and
// the allocations' headers, roughly.
constexpr size_t kEntryOverhead = 160;

size_t EntryBytes(absl::string_view key, const StoredRecord* record) {
  size_t bytes = kEntryOverhead + 2 * key.size();  // the map's key and the list's
  if (record != nullptr) bytes += record->id.capacity() + record->data.capacity();
  return bytes;
}

}  // namespace

RecordCache::RecordCache(size_t max_bytes) : max_bytes_(max_bytes) {}

std::optional<StoredRecord> RecordCache::Lookup(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  if (!TrackingLocked()) {
    ++stats_.misses;
    return std::nullopt;
  }
  auto it = entries_.find(key);
  if (it == entries_.end() || !it->second.record.has_value()) {
    ++stats_.misses;
    return std::nullopt;
  }
  ++stats_.hits;
  lru_.splice(lru_.end(), lru_, it->second.lru);
  return it->second.record;
}

uint64_t RecordCache::Begin(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  if (max_bytes_ == 0 || !TrackingLocked()) return 0;
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (!inserted) {
    // Another read of `key` is on its way, or one was kept since Lookup():
    // both were sent after the last change heard of, as this one will be.
    lru_.splice(lru_.end(), lru_, e.lru);
    return e.token;
  }
  const uint64_t token = e.token = ++next_token_;
  e.bytes = EntryBytes(key, nullptr);
  e.lru = lru_.insert(lru_.end(), std::string(key));
  bytes_ += e.bytes;
  EvictLocked();
  // Evicted at once when the cache cannot hold even a placeholder.
  return entries_.contains(key) ? token : 0;
}

void RecordCache::Fill(absl::string_view key, uint64_t token,
                       const StoredRecord& record) {
  if (token == 0) return;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.token != token) return;
  Entry& e = it->second;
  if (EntryBytes(key, &record) > max_bytes_) {
    // Larger than the whole cache: not kept, and nothing evicted for it.
    EraseLocked(it);
    return;
  }
  bytes_ -= e.bytes;
  e.record = record;
  e.bytes = EntryBytes(key, &*e.record);
  bytes_ += e.bytes;
  EvictLocked();
}

void RecordCache::Abandon(absl::string_view key, uint64_t token) {
  if (token == 0) return;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.token == token && !it->second.record) {
    EraseLocked(it);
  }
}

void RecordCache::Invalidate(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  ++stats_.invalidations;
  auto it = entries_.find(key);
  if (it != entries_.end()) EraseLocked(it);
}

void RecordCache::Clear() {
  absl::MutexLock lock(&mu_);
  ClearLocked();
}

void RecordCache::SetTracking(bool on, const RedisSentinel* sentinel,
                              uint64_t generation) {
  absl::MutexLock lock(&mu_);
  tracking_ = on;
  sentinel_ = sentinel;
  generation_ = generation;
  ClearLocked();
}

bool RecordCache::TrackingLocked() {
  if (!tracking_) return false;
  if (sentinel_ != nullptr && sentinel_->generation() != generation_) {
    // The primary moved: what is kept may be older than the new one.
    tracking_ = false;
    sentinel_ = nullptr;
    ClearLocked();
    return false;
  }
  return true;
}

void RecordCache::ClearLocked() {
  entries_.clear();
  lru_.clear();
  bytes_ = 0;
}

RecordCache::Stats RecordCache::stats() {
  absl::MutexLock lock(&mu_);
  Stats s = stats_;
  s.entries = entries_.size();
  s.bytes = bytes_;
  s.tracking = TrackingLocked();
  return s;
}

void RecordCache::EraseLocked(absl::flat_hash_map<std::string, Entry>::iterator it) {
  bytes_ -= it->second.bytes;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void RecordCache::EvictLocked() {
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    auto it = entries_.find(lru_.front());
    EraseLocked(it);
  }
}

}  // namespace samenspel::registry
