#include "registry-service/core/change_feed.h"

#include <thread>

#include "gtest/gtest.h"
#include "registry-service/core/memory_store.h"

namespace samenspel::registry {
namespace {

void Write(Store& store, const std::string& id) {
  CommitRequest req;
  Mutation m;
  m.kind = Kind::kOrganisation;
  m.id = id;
  m.data = "x";
  req.mutations.push_back(m);
  ASSERT_TRUE(store.Commit(req).ok());
}

TEST(ChangeFeedTest, ReadsLiveChangesInOrder) {
  MemoryStore store;
  ChangeFeed feed(&store, {});
  std::thread writer([&] {
    for (int i = 0; i < 50; ++i) Write(store, "o" + std::to_string(i));
  });
  int64_t after = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (after < 50 && absl::Now() < deadline) {
    auto changes = feed.Read(after, 7, absl::Milliseconds(100));
    ASSERT_TRUE(changes.ok()) << changes.status();
    for (const auto& c : *changes) EXPECT_EQ(c.revision, ++after);
  }
  writer.join();
  EXPECT_EQ(after, 50);
}

TEST(ChangeFeedTest, ReadersBehindTheCacheReadTheStore) {
  MemoryStore store;
  for (int i = 0; i < 30; ++i) Write(store, "o" + std::to_string(i));
  ChangeFeedOptions options;
  options.cache_size = 5;
  ChangeFeed feed(&store, options);
  for (int i = 30; i < 40; ++i) Write(store, "o" + std::to_string(i));
  auto changes = feed.Read(0, 100, absl::Seconds(5));
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_FALSE(changes->empty());
  EXPECT_EQ(changes->front().revision, 1);
}

TEST(ChangeFeedTest, EmptyAfterWaitAndCancelledAfterStop) {
  MemoryStore store;
  ChangeFeed feed(&store, {});
  auto changes = feed.Read(0, 10, absl::Milliseconds(50));
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->empty());
  feed.Stop();
  EXPECT_EQ(feed.Read(0, 10, absl::Seconds(5)).status().code(),
            absl::StatusCode::kCancelled);
}

TEST(ChangeFeedTest, TrimmedRevisionsAreOutOfRange) {
  MemoryStoreOptions options;
  options.feed_retention = 3;
  MemoryStore store(options);
  for (int i = 0; i < 10; ++i) Write(store, "o" + std::to_string(i));
  ChangeFeedOptions feed_options;
  feed_options.cache_size = 2;
  ChangeFeed feed(&store, feed_options);
  EXPECT_EQ(feed.Read(2, 10, absl::Seconds(5)).status().code(),
            absl::StatusCode::kOutOfRange);
  auto recent = feed.Read(7, 10, absl::Seconds(5));
  ASSERT_TRUE(recent.ok()) << recent.status();
  EXPECT_EQ(recent->size(), 3u);
}

TEST(ChangeFeedTest, ARevisionAheadOfTheStoreIsOutOfRange) {
  MemoryStore store;
  for (int i = 0; i < 3; ++i) Write(store, "o" + std::to_string(i));
  ChangeFeed feed(&store, {});
  EXPECT_EQ(feed.Read(50, 10, absl::Milliseconds(100)).status().code(),
            absl::StatusCode::kOutOfRange);
  auto at_head = feed.Read(3, 10, absl::Milliseconds(10));
  ASSERT_TRUE(at_head.ok()) << at_head.status();
  EXPECT_TRUE(at_head->empty());
}

}  // namespace
}  // namespace samenspel::registry
