#include "registry-service/core/change_feed.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/errors.h"
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

// Polls `condition` for up to 10 s.
template <typename Condition>
bool WaitFor(Condition condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
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

TEST(ChangeFeedTest, EmptyAfterWaitAndUnavailableAfterStop) {
  MemoryStore store;
  ChangeFeed feed(&store, {});
  auto changes = feed.Read(0, 10, absl::Milliseconds(50));
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->empty());
  feed.Stop();
  // A shutting-down registry is unavailable, not a watch the caller cancelled.
  EXPECT_EQ(feed.Read(0, 10, absl::Seconds(5)).status().code(),
            absl::StatusCode::kUnavailable);
}

// A feed whose tail rests `idle_after` after the last reader (and notices
// within 20 ms).
ChangeFeedOptions QuickToRest(absl::Duration idle_after) {
  ChangeFeedOptions options;
  options.idle_after = idle_after;
  options.tail_wait = absl::Milliseconds(20);
  return options;
}

// With no reader, the tail rests; changes committed meanwhile reach the next
// reader all the same, in order, and live changes after them too.
TEST(ChangeFeedTest, TailRestsWhileNobodyReadsAndWakesForTheNextRead) {
  MemoryStore store;
  ChangeFeed feed(&store, QuickToRest(absl::Milliseconds(50)));
  ASSERT_TRUE(WaitFor([&] { return !feed.Tailing(); }));
  for (int i = 0; i < 3; ++i) Write(store, "o" + std::to_string(i));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(feed.Tailing());

  auto changes = feed.Read(0, 100, absl::Seconds(5));
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ((*changes)[i].revision, i + 1);
  EXPECT_TRUE(feed.Tailing());

  std::thread writer([&] {
    absl::SleepFor(absl::Milliseconds(30));
    Write(store, "live");
  });
  changes = feed.Read(3, 100, absl::Seconds(5));
  writer.join();
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ(changes->front().revision, 4);
  EXPECT_TRUE(WaitFor([&] { return !feed.Tailing(); }));
}

// A watcher reading one page after another keeps the tail awake, for longer
// than idle_after in all.
TEST(ChangeFeedTest, AWatcherKeepsTheTailAwake) {
  MemoryStore store;
  const ChangeFeedOptions options = QuickToRest(absl::Milliseconds(300));
  ChangeFeed feed(&store, options);
  int64_t after = 0;
  const absl::Time start = absl::Now();
  for (int i = 0; i < 12; ++i) {
    if (i % 3 == 0) Write(store, "o" + std::to_string(i));
    auto changes = feed.Read(after, 100, absl::Milliseconds(100));
    ASSERT_TRUE(changes.ok()) << changes.status();
    for (const auto& c : *changes) EXPECT_EQ(c.revision, ++after);
    EXPECT_TRUE(feed.Tailing()) << "after read " << i;
  }
  EXPECT_GT(absl::Now() - start, options.idle_after);
  EXPECT_EQ(after, 4);
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

// A store that fails over to another copy, which lacks the last writes of
// the first (asynchronous replication), after one failed read.
class FailoverStore : public Store {
 public:
  FailoverStore(Store* primary, Store* replica) : current_(primary), replica_(replica) {}

  void FailOver() {
    absl::MutexLock lock(&mu_);
    failing_ = true;
  }
  // To the replica without a failed read (as a FLUSHALL, or a restore the
  // registry's connection did not notice).
  void SwitchQuietly() {
    absl::MutexLock lock(&mu_);
    current_ = replica_;
  }

  absl::StatusOr<StoredRecord> Get(Kind kind, absl::string_view id) override {
    return Current()->Get(kind, id);
  }
  absl::StatusOr<ListResult> List(const ListRequest& request) override {
    return Current()->List(request);
  }
  absl::StatusOr<CommitResult> Commit(const CommitRequest& request) override {
    return Current()->Commit(request);
  }
  absl::StatusOr<std::vector<StoredChange>> ReadChanges(int64_t after_revision, int max,
                                                        absl::Duration wait) override {
    {
      absl::MutexLock lock(&mu_);
      if (failing_) {
        failing_ = false;
        current_ = replica_;
        return absl::UnavailableError("connection lost");
      }
    }
    return Current()->ReadChanges(after_revision, max,
                                  std::min(wait, absl::Milliseconds(20)));
  }
  absl::StatusOr<int64_t> CurrentRevision() override {
    return Current()->CurrentRevision();
  }

 private:
  Store* Current() {
    absl::MutexLock lock(&mu_);
    return current_;
  }

  absl::Mutex mu_;
  Store* current_ ABSL_GUARDED_BY(mu_);
  Store* const replica_;
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
};

TEST(ChangeFeedTest, AStoreBehindTheTailAfterAFailoverIsFollowedAgain) {
  MemoryStore primary;
  MemoryStore replica;
  for (const char* id : {"o1", "o2", "o3"}) {
    Write(primary, id);
    Write(replica, id);
  }
  Write(primary, "lost4");  // never reached the replica
  Write(primary, "lost5");
  FailoverStore store(&primary, &replica);
  ChangeFeed feed(&store, {});
  auto seen = feed.Read(3, 10, absl::Seconds(5));
  ASSERT_TRUE(seen.ok()) << seen.status();
  ASSERT_EQ(seen->size(), 2u);  // the tail holds revisions 4 and 5

  store.FailOver();
  // A reader at 5 learns that revision no longer exists.
  ASSERT_TRUE(WaitFor([&] {
    return absl::IsOutOfRange(feed.Read(5, 10, absl::ZeroDuration()).status());
  }));
  Write(replica, "new4");
  Write(replica, "new5");
  Write(replica, "new6");
  std::vector<std::string> ids;
  ASSERT_TRUE(WaitFor([&] {
    auto changes = feed.Read(3, 10, absl::Milliseconds(50));
    if (!changes.ok() || changes->size() < 3) return false;
    ids.clear();
    for (const StoredChange& c : *changes) ids.push_back(c.id);
    return true;
  }));
  EXPECT_EQ(ids, (std::vector<std::string>{"new4", "new5", "new6"}));
}

// The same, but new writes took the store past the tail before it noticed:
// the change at the tail's revision is another one, so the cache goes.
TEST(ChangeFeedTest, ChangesReusingTheTailsRevisionsAfterAFailoverAreRead) {
  MemoryStore primary;
  MemoryStore replica;
  for (const char* id : {"o1", "o2", "o3"}) {
    Write(primary, id);
    Write(replica, id);
  }
  Write(primary, "lost4");
  Write(primary, "lost5");
  FailoverStore store(&primary, &replica);
  ChangeFeed feed(&store, {});
  auto seen = feed.Read(3, 10, absl::Seconds(5));
  ASSERT_TRUE(seen.ok()) << seen.status();
  ASSERT_EQ(seen->size(), 2u);
  absl::SleepFor(absl::Milliseconds(1));  // other commit times than lost4, lost5
  for (const char* id : {"new4", "new5", "new6"}) Write(replica, id);

  store.FailOver();
  std::vector<std::string> ids;
  ASSERT_TRUE(WaitFor([&] {
    auto changes = feed.Read(3, 10, absl::Milliseconds(50));
    if (!changes.ok() || changes->empty() || changes->front().id != "new4") return false;
    ids.clear();
    for (const StoredChange& c : *changes) ids.push_back(c.id);
    return true;
  }));
  EXPECT_EQ(ids, (std::vector<std::string>{"new4", "new5", "new6"}));
}

// The store went back without a failed read, and new writes took it past
// the tail before the tail read again: the tail notices all the same, and a
// watcher waiting at the head gets FEED_REWRITTEN (its changes up to there
// no longer exist), not the new changes after its revision.
TEST(ChangeFeedTest, AStoreThatWentBackUnnoticedIsFoundOut) {
  MemoryStore primary;
  MemoryStore replica;
  for (const char* id : {"lost1", "lost2", "lost3"}) Write(primary, id);
  absl::SleepFor(absl::Milliseconds(1));  // other commit times than lost*
  FailoverStore store(&primary, &replica);
  ChangeFeed feed(&store, {});
  const uint64_t epoch = feed.Epoch();
  auto seen = feed.Read(0, 10, absl::Seconds(5), epoch);
  ASSERT_TRUE(seen.ok()) << seen.status();
  ASSERT_EQ(seen->size(), 3u);
  for (const char* id : {"new1", "new2", "new3", "new4"}) Write(replica, id);
  store.SwitchQuietly();
  absl::StatusOr<std::vector<StoredChange>> waiting =
      feed.Read(3, 10, absl::Seconds(5), epoch);
  EXPECT_EQ(ReasonOf(waiting.status()), "FEED_REWRITTEN") << waiting.status();
  std::vector<std::string> ids;
  ASSERT_TRUE(WaitFor([&] {
    auto changes = feed.Read(0, 10, absl::Milliseconds(50), feed.Epoch());
    if (!changes.ok() || changes->size() < 4) return false;
    ids.clear();
    for (const StoredChange& c : *changes) ids.push_back(c.id);
    return true;
  }));
  EXPECT_EQ(ids, (std::vector<std::string>{"new1", "new2", "new3", "new4"}));
}

// A store whose feed can be made unreachable, as Redis when it stops.
class DownStore : public Store {
 public:
  explicit DownStore(Store* store) : store_(store) {}

  void SetDown(bool down) {
    absl::MutexLock lock(&mu_);
    down_ = down;
  }

  absl::StatusOr<StoredRecord> Get(Kind kind, absl::string_view id) override {
    return store_->Get(kind, id);
  }
  absl::StatusOr<ListResult> List(const ListRequest& request) override {
    return store_->List(request);
  }
  absl::StatusOr<CommitResult> Commit(const CommitRequest& request) override {
    return store_->Commit(request);
  }
  absl::StatusOr<std::vector<StoredChange>> ReadChanges(int64_t after_revision, int max,
                                                        absl::Duration wait) override {
    if (Down()) return absl::UnavailableError("Redis is unreachable");
    return store_->ReadChanges(after_revision, max,
                               std::min(wait, absl::Milliseconds(20)));
  }
  absl::StatusOr<int64_t> CurrentRevision() override {
    if (Down()) return absl::UnavailableError("Redis is unreachable");
    return store_->CurrentRevision();
  }

 private:
  bool Down() {
    absl::MutexLock lock(&mu_);
    return down_;
  }

  Store* const store_;
  absl::Mutex mu_;
  bool down_ ABSL_GUARDED_BY(mu_) = false;
};

// A watcher waiting at the head learns that the store is down (rather than
// waiting on as for a quiet registry), and reads again once it is back.
TEST(ChangeFeedTest, AReaderWaitingWhileTheStoreIsDownGetsUnavailable) {
  MemoryStore memory;
  for (const char* id : {"o1", "o2", "o3"}) Write(memory, id);
  DownStore store(&memory);
  ChangeFeed feed(&store, {});
  auto quiet = feed.Read(3, 10, absl::Milliseconds(100));
  ASSERT_TRUE(quiet.ok()) << quiet.status();
  EXPECT_TRUE(quiet->empty());

  absl::StatusOr<std::vector<StoredChange>> waited;
  absl::Duration took;
  std::thread reader([&] {
    const absl::Time start = absl::Now();
    waited = feed.Read(3, 10, absl::Seconds(60));
    took = absl::Now() - start;
  });
  absl::SleepFor(absl::Milliseconds(50));
  store.SetDown(true);
  reader.join();
  EXPECT_EQ(waited.status().code(), absl::StatusCode::kUnavailable) << waited.status();
  EXPECT_LT(took, absl::Seconds(30));  // not the whole wait
  // A reader that starts while it is down learns it too.
  EXPECT_EQ(feed.Read(3, 10, absl::Seconds(60)).status().code(),
            absl::StatusCode::kUnavailable);

  // Down long enough for the tail's backoff to grow to its longest.
  absl::SleepFor(absl::Milliseconds(1500));
  store.SetDown(false);
  Write(memory, "o4");
  // A reader right after, while the tail may still wait out its backoff,
  // gets the change: the store answers, not the tail's last failure.
  auto changes = feed.Read(3, 10, absl::Seconds(5));
  ASSERT_TRUE(changes.ok()) << changes.status();
  std::vector<std::string> ids;
  for (const StoredChange& c : *changes) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"o4"}));
}

// A store whose tail reads (those that wait) can be held back, as a tail
// that has not yet read the last change.
class LaggingTailStore : public DownStore {
 public:
  using DownStore::DownStore;
  void HoldTail(bool hold) {
    absl::MutexLock lock(&mu_);
    hold_ = hold;
  }
  absl::StatusOr<std::vector<StoredChange>> ReadChanges(int64_t after_revision, int max,
                                                        absl::Duration wait) override {
    if (wait > absl::ZeroDuration()) {
      absl::MutexLock lock(&mu_);
      if (hold_) {
        mu_.AwaitWithTimeout(absl::Condition(
                                 +[](bool* hold) { return !*hold; }, &hold_),
                             absl::Milliseconds(20));
        return std::vector<StoredChange>();
      }
    }
    return DownStore::ReadChanges(after_revision, max, wait);
  }

 private:
  absl::Mutex mu_;
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
};

// An expert deleted after the tail's last read is not served from the cache
// with its data (the store has erased it): a watcher that starts after the
// delete was acknowledged sees the expert's changes redacted.
TEST(ChangeFeedTest, AnExpertDeletedBeforeTheTailHeardOfItIsNotServedFromTheCache) {
  MemoryStore memory;
  LaggingTailStore store(&memory);
  ChangeFeed feed(&store, {});
  ASSERT_TRUE(feed.Read(0, 10, absl::Milliseconds(50)).ok());  // wakes the tail
  CommitRequest create;
  Mutation m;
  m.kind = Kind::kExpert;
  m.id = "anna";
  m.data = "anna@example.nl";
  create.mutations.push_back(m);
  ASSERT_TRUE(memory.Commit(create).ok());
  ASSERT_TRUE(WaitFor([&] {  // the tail holds anna's creation
    auto changes = feed.Read(0, 10, absl::Milliseconds(50));
    return changes.ok() && changes->size() == 1;
  }));
  store.HoldTail(true);
  CommitRequest remove;
  m.op = Mutation::Op::kDelete;
  m.data.clear();
  remove.mutations.push_back(m);
  ASSERT_TRUE(memory.Commit(remove).ok());

  auto changes = feed.Read(0, 10, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ(changes->front().type, ChangeType::kRedacted);
  EXPECT_EQ(changes->front().data, "");
  EXPECT_EQ(changes->back().type, ChangeType::kDeleted);
  store.HoldTail(false);
}

}  // namespace
}  // namespace samenspel::registry
