#include "matching-service/core/worker_pool.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace samenspel::matching {
namespace {

TEST(WorkerPoolTest, RunsEveryPartOnceAndReturnsWhenAllHaveRun) {
  WorkerPool pool(3);
  EXPECT_EQ(pool.parallelism(), 4);
  for (int parts : {0, 1, 2, 7, 64}) {
    std::vector<std::atomic<int>> runs(parts);
    pool.Run(parts, [&](int part) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      runs[part]++;
    });
    for (int i = 0; i < parts; ++i) EXPECT_EQ(runs[i].load(), 1) << parts << " parts";
  }
}

TEST(WorkerPoolTest, UsesTheWorkersAndTheCaller) {
  WorkerPool pool(1);
  absl::Mutex mu;
  std::set<std::thread::id> threads;
  // Part 0 waits until another thread has run part 1: only a worker can.
  std::atomic<bool> second_done{false};
  pool.Run(2, [&](int part) {
    if (part == 0) {
      while (!second_done) std::this_thread::yield();
    } else {
      second_done = true;
    }
    absl::MutexLock lock(&mu);
    threads.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(threads.size(), 2u);
  EXPECT_TRUE(threads.count(std::this_thread::get_id()));
}

TEST(WorkerPoolTest, ManyCallersAtOnce) {
  WorkerPool pool(2);
  std::atomic<int> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 6; ++c) {
    callers.emplace_back([&] {
      for (int i = 0; i < 200; ++i) pool.Run(3, [&](int) { total++; });
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(total.load(), 6 * 200 * 3);
}

TEST(WorkerPoolTest, WithoutWorkersTheCallerRunsEverything) {
  WorkerPool pool(0);
  EXPECT_EQ(pool.parallelism(), 1);
  std::set<std::thread::id> threads;
  pool.Run(5, [&](int) { threads.insert(std::this_thread::get_id()); });
  EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST(WorkerPoolTest, WakeLeavesRunsAndStoppingAsTheyWere) {
  // Wake() on an idle, a waking and a busy pool, from several threads; the
  // calls that follow still run every part once, and the pool still stops.
  for (int round = 0; round < 20; ++round) {
    WorkerPool pool(2);
    if (round % 2 == 1) {
      // Long enough for the workers to fall asleep (they wait awake ~200 us).
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    pool.Wake();
    pool.Wake();
    std::atomic<int> total{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < 3; ++c) {
      callers.emplace_back([&] {
        for (int i = 0; i < 50; ++i) {
          pool.Wake();
          pool.Run(4, [&](int) { total++; });
        }
      });
    }
    for (std::thread& t : callers) t.join();
    EXPECT_EQ(total.load(), 3 * 50 * 4);
    pool.Wake();  // and the destructor joins a worker just woken
  }
}

// Waits (bounded) until the pool has `n` workers awake; true if it did.
bool AwaitAwake(const WorkerPool& pool, int n) {
  for (int i = 0; i < 2000 && pool.awake_workers() != n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return pool.awake_workers() == n;
}

TEST(WorkerPoolTest, KeepAwakeHoldsTheWorkersAwakeUntilTheLastHoldIsGone) {
  WorkerPool pool(2);
  ASSERT_TRUE(AwaitAwake(pool, 0));  // idle workers fall asleep after ~200 us
  WorkerPool::Hold first = pool.KeepAwake();
  ASSERT_TRUE(AwaitAwake(pool, 2));
  WorkerPool::Hold second = pool.KeepAwake();
  {
    WorkerPool::Hold moved = std::move(second);  // `second` gives up its hold
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // many times kSpin
    EXPECT_EQ(pool.awake_workers(), 2);
  }
  first = WorkerPool::Hold();  // releases the last hold
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Runs still work while and after being held, and the workers sleep again.
  WorkerPool::Hold third = pool.KeepAwake();
  std::atomic<int> runs{0};
  for (int i = 0; i < 50; ++i) pool.Run(3, [&](int) { ++runs; });
  EXPECT_EQ(runs.load(), 150);
  third = WorkerPool::Hold();
  EXPECT_TRUE(AwaitAwake(pool, 0));
}

TEST(WorkerPoolTest, KeepAwakeWithoutWorkersDoesNothing) {
  WorkerPool pool(0);
  WorkerPool::Hold hold = pool.KeepAwake();
  EXPECT_EQ(pool.awake_workers(), 0);
  int runs = 0;
  pool.Run(3, [&](int) { ++runs; });
  EXPECT_EQ(runs, 3);
}

TEST(WorkerPoolTest, WakeWithoutWorkersDoesNothing) {
  WorkerPool pool(0);
  pool.Wake();
  int runs = 0;
  pool.Run(3, [&](int) { ++runs; });
  EXPECT_EQ(runs, 3);
}

}  // namespace
}  // namespace samenspel::matching
