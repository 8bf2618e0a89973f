// RecordCache on its own: what it keeps, when a read's reply is dropped, and
// its memory bound. RedisStore's use of it against a real Redis (tracking,
// other replicas' writes, restarts) is in redis_store_test.
#include "registry-service/redis/record_cache.h"

#include <cstdint>
#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace samenspel::registry {
namespace {

StoredRecord Record(std::string id, std::string data, int64_t revision = 1) {
  StoredRecord r;
  r.kind = Kind::kExpert;
  r.id = std::move(id);
  r.data = std::move(data);
  r.revision = revision;
  return r;
}

std::optional<std::string> DataOf(RecordCache& cache, const std::string& key) {
  std::optional<StoredRecord> r = cache.Lookup(key);
  if (!r.has_value()) return std::nullopt;
  return r->data;
}

// Begin, then Fill: the read's way into the cache.
void Read(RecordCache& cache, const std::string& key, const StoredRecord& record) {
  cache.Fill(key, cache.Begin(key), record);
}

TEST(RecordCacheTest, KeepsNothingUntilTracking) {
  RecordCache cache(1 << 20);
  EXPECT_EQ(cache.Begin("k:a"), 0u);
  Read(cache, "k:a", Record("a", "v1"));
  EXPECT_EQ(DataOf(cache, "k:a"), std::nullopt);

  cache.SetTracking(true);
  Read(cache, "k:a", Record("a", "v1", 7));
  std::optional<StoredRecord> hit = cache.Lookup("k:a");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->id, "a");
  EXPECT_EQ(hit->data, "v1");
  EXPECT_EQ(hit->revision, 7);
  const RecordCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits, 1);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_TRUE(stats.tracking);
}

TEST(RecordCacheTest, AReplyIsDroppedWhenItsKeyChangedMeanwhile) {
  RecordCache cache(1 << 20);
  cache.SetTracking(true);
  const uint64_t token = cache.Begin("k:a");
  ASSERT_NE(token, 0u);
  cache.Invalidate("k:a");  // a write, heard of before the read's reply
  cache.Fill("k:a", token, Record("a", "old"));
  EXPECT_EQ(DataOf(cache, "k:a"), std::nullopt);

  // A read sent after the change is kept; the older one's reply still is not.
  const uint64_t older = cache.Begin("k:b");
  cache.Invalidate("k:b");
  const uint64_t newer = cache.Begin("k:b");
  EXPECT_NE(newer, older);
  cache.Fill("k:b", older, Record("b", "old"));
  EXPECT_EQ(DataOf(cache, "k:b"), std::nullopt);
  cache.Fill("k:b", newer, Record("b", "new"));
  EXPECT_EQ(DataOf(cache, "k:b"), "new");
}

TEST(RecordCacheTest, ConcurrentReadsOfOneKeyShareTheirPlaceholder) {
  RecordCache cache(1 << 20);
  cache.SetTracking(true);
  const uint64_t first = cache.Begin("k:a");
  const uint64_t second = cache.Begin("k:a");
  EXPECT_EQ(first, second);
  cache.Fill("k:a", first, Record("a", "v1"));
  cache.Fill("k:a", second, Record("a", "v2"));  // sent later: as new or newer
  EXPECT_EQ(DataOf(cache, "k:a"), "v2");
}

TEST(RecordCacheTest, InvalidateRemovesAKeptRecord) {
  RecordCache cache(1 << 20);
  cache.SetTracking(true);
  Read(cache, "k:a", Record("a", "v1"));
  Read(cache, "k:b", Record("b", "v1"));
  cache.Invalidate("k:a");
  EXPECT_EQ(DataOf(cache, "k:a"), std::nullopt);
  EXPECT_EQ(DataOf(cache, "k:b"), "v1");
  cache.Invalidate("k:unknown");  // harmless
  EXPECT_EQ(cache.stats().entries, 1u);
}

TEST(RecordCacheTest, ClearAndTrackingOffDropEntriesAndReadsOnTheirWay) {
  RecordCache cache(1 << 20);
  cache.SetTracking(true);
  Read(cache, "k:a", Record("a", "v1"));
  const uint64_t pending = cache.Begin("k:b");
  cache.Clear();  // FLUSHALL
  cache.Fill("k:b", pending, Record("b", "old"));
  EXPECT_EQ(DataOf(cache, "k:a"), std::nullopt);
  EXPECT_EQ(DataOf(cache, "k:b"), std::nullopt);

  Read(cache, "k:a", Record("a", "v1"));
  const uint64_t before_off = cache.Begin("k:c");
  cache.SetTracking(false);  // a connection broke: changes may go unheard
  EXPECT_EQ(DataOf(cache, "k:a"), std::nullopt);
  EXPECT_EQ(cache.Begin("k:c"), 0u);
  cache.SetTracking(true);  // tracking again: the read from before stays out
  cache.Fill("k:c", before_off, Record("c", "old"));
  EXPECT_EQ(DataOf(cache, "k:c"), std::nullopt);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(RecordCacheTest, AbandonRemovesOnlyItsOwnPlaceholder) {
  RecordCache cache(1 << 20);
  cache.SetTracking(true);
  const uint64_t token = cache.Begin("k:a");
  cache.Abandon("k:a", token);  // NOT_FOUND or UNAVAILABLE
  EXPECT_EQ(cache.stats().entries, 0u);

  Read(cache, "k:b", Record("b", "v1"));
  const uint64_t again = cache.Begin("k:b");  // the kept record's token
  cache.Abandon("k:b", again);                // a failed re-read keeps it
  EXPECT_EQ(DataOf(cache, "k:b"), "v1");
}

TEST(RecordCacheTest, StaysWithinItsBytesDroppingTheLeastRecentlyUsed) {
  const std::string data(1000, 'x');
  // Room for about three records of 1,000 bytes with their keys and overhead.
  RecordCache cache(3 * 1300);
  cache.SetTracking(true);
  Read(cache, "k:a", Record("a", data));
  Read(cache, "k:b", Record("b", data));
  Read(cache, "k:c", Record("c", data));
  ASSERT_EQ(cache.stats().entries, 3u);
  ASSERT_TRUE(cache.Lookup("k:a").has_value());  // a is now the most recent
  Read(cache, "k:d", Record("d", data));
  EXPECT_TRUE(cache.Lookup("k:a").has_value());
  EXPECT_FALSE(cache.Lookup("k:b").has_value());
  EXPECT_TRUE(cache.Lookup("k:c").has_value());
  EXPECT_TRUE(cache.Lookup("k:d").has_value());
  EXPECT_LE(cache.stats().bytes, 3u * 1300);

  // A record larger than the whole cache is not kept, and evicts nothing
  // it does not have to.
  Read(cache, "k:big", Record("big", std::string(10000, 'y')));
  EXPECT_FALSE(cache.Lookup("k:big").has_value());
  EXPECT_TRUE(cache.Lookup("k:d").has_value());
  EXPECT_LE(cache.stats().bytes, 3u * 1300);
}

TEST(RecordCacheTest, ZeroBytesKeepsNothing) {
  RecordCache cache(0);
  cache.SetTracking(true);
  EXPECT_EQ(cache.Begin("k:a"), 0u);
  Read(cache, "k:a", Record("a", "v1"));
  EXPECT_FALSE(cache.Lookup("k:a").has_value());
}

}  // namespace
}  // namespace samenspel::registry
