// RedisAsync over a real redis-server: replies reach their own callbacks in
// order, from many threads at once and from inside callbacks; error replies
// stay with their command; a stopped Redis fails queued and in-flight
// commands fast and the next command after a restart works; a hung Redis
// fails in-flight commands after the command timeout.
#include "registry-service/redis/redis_async.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "registry-service/core/store.h"
#include "tests/registry/redis_test_util.h"
#include "tests/support/redis_server.h"

namespace samenspel::registry {
namespace {

using ::samenspel::registry::redis_test::OptionsFor;
using ::samenspel::registry::redis_test::StartRedis;
using ::samenspel::registry::redis_test::String;
using ::samenspel::test_support::RedisServer;

// Runs one command and waits for its reply (tests only: callers of
// RedisAsync never wait).
absl::StatusOr<RedisReply> Call(RedisAsync& redis, std::vector<std::string> argv) {
  std::vector<absl::string_view> args(argv.begin(), argv.end());
  absl::Notification done;
  absl::StatusOr<RedisReply> result;
  redis.Execute(args, [&](absl::StatusOr<RedisReply> reply) {
    result = std::move(reply);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

TEST(RedisAsyncTest, ManyThreadsGetTheirOwnRepliesInOrder) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisAsync redis(OptionsFor(*server));
  constexpr int kThreads = 8;
  constexpr int kCalls = 500;
  absl::BlockingCounter pending(kThreads * kCalls * 2);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Per thread, the INCRs of its own counter answer 1, 2, 3, ... in the
      // order they were queued.
      auto next = std::make_shared<std::atomic<int>>(1);
      for (int i = 0; i < kCalls; ++i) {
        const std::string key = absl::StrCat("k", t, "-", i);
        const std::string value = absl::StrCat("v", t, "-", i);
        redis.Execute({"SET", key, value}, [&](absl::StatusOr<RedisReply> reply) {
          if (String(reply) != "OK") ++wrong;
          pending.DecrementCount();
        });
        const std::string counter = absl::StrCat("counter", t);
        redis.Execute({"INCR", counter}, [&, next](absl::StatusOr<RedisReply> reply) {
          if (String(reply) != absl::StrCat(next->fetch_add(1))) ++wrong;
          pending.DecrementCount();
        });
      }
    });
  }
  for (std::thread& t : threads) t.join();
  pending.Wait();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(String(Call(redis, {"GET", "k3-77"})), "v3-77");
  // One connection carried everything (the test's own counts as none: it
  // runs INFO on the same connection).
  absl::StatusOr<RedisReply> clients = Call(redis, {"INFO", "clients"});
  EXPECT_NE(String(clients).find("connected_clients:1\r"), std::string::npos)
      << String(clients);
}

TEST(RedisAsyncTest, ErrorRepliesStayWithTheirCommandAndCallbacksMayQueueMore) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisAsync redis(OptionsFor(*server));
  ASSERT_EQ(String(Call(redis, {"SET", "text", "not a number"})), "OK");
  EXPECT_EQ(Call(redis, {"INCR", "text"}).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(String(Call(redis, {"ECHO", "fine"})), "fine");

  // A callback queues the next command (as a multi-step read would).
  absl::Notification done;
  std::string second;
  redis.Execute({"SET", "a", "b"}, [&](absl::StatusOr<RedisReply> first) {
    ASSERT_TRUE(first.ok());
    redis.Execute({"GET", "a"}, [&](absl::StatusOr<RedisReply> reply) {
      second = String(reply);
      done.Notify();
    });
  });
  done.WaitForNotification();
  EXPECT_EQ(second, "b");
}

TEST(RedisAsyncTest, StoppedRedisFailsFastAndTheNextCommandReconnects) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisAsync redis(OptionsFor(*server));
  ASSERT_EQ(String(Call(redis, {"PING"})), "PONG");
  ASSERT_TRUE(server->Stop().ok());
  const absl::Time start = absl::Now();
  absl::BlockingCounter pending(20);
  std::atomic<int> unavailable{0};
  for (int i = 0; i < 20; ++i) {
    redis.Execute({"PING"}, [&](absl::StatusOr<RedisReply> reply) {
      if (reply.status().code() == absl::StatusCode::kUnavailable) ++unavailable;
      pending.DecrementCount();
    });
  }
  pending.Wait();
  EXPECT_EQ(unavailable.load(), 20);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
  ASSERT_TRUE(server->Start().ok());
  EXPECT_EQ(String(Call(redis, {"PING"})), "PONG");
}

TEST(RedisAsyncTest, HungRedisFailsAfterTheCommandTimeout) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  RedisConnectOptions options = OptionsFor(*server);
  options.command_timeout = absl::Milliseconds(300);
  RedisAsync redis(options);
  ASSERT_EQ(String(Call(redis, {"PING"})), "PONG");
  ASSERT_TRUE(server->Pause().ok());
  const absl::Time start = absl::Now();
  absl::StatusOr<RedisReply> reply = Call(redis, {"PING"});
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable) << reply.status();
  EXPECT_EQ(ReasonOf(reply.status()), kTimedOutReason) << reply.status();
  EXPECT_GE(took, absl::Milliseconds(250));
  EXPECT_LT(took, absl::Seconds(2));
  ASSERT_TRUE(server->Resume().ok());
  // The timed-out connection was dropped; a new one answers.
  EXPECT_EQ(String(Call(redis, {"PING"})), "PONG");
}

TEST(RedisAsyncTest, DestructionFailsWhatIsStillQueued) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->Pause().ok());
  std::atomic<int> failed{0};
  {
    RedisAsync redis(OptionsFor(*server));
    for (int i = 0; i < 5; ++i) {
      redis.Execute({"PING"}, [&](absl::StatusOr<RedisReply> reply) {
        if (!reply.ok()) ++failed;
      });
    }
  }
  EXPECT_EQ(failed.load(), 5);
  ASSERT_TRUE(server->Resume().ok());
}

TEST(RedisAsyncTest, CommandsThatFailedCallbacksQueueDuringDestructionFailToo) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->Pause().ok());
  std::atomic<int> failed{0};
  {
    std::function<void(int)> chain;  // outlives `redis`, whose end runs it
    RedisAsync redis(OptionsFor(*server));
    // Each failed command queues the next, as a commit batch's reply sends
    // the next batch: every one of the chain is answered.
    chain = [&](int left) {
      redis.Execute({"PING"}, [&, left](absl::StatusOr<RedisReply> reply) {
        if (!reply.ok()) ++failed;
        if (left > 1) chain(left - 1);
      });
    };
    chain(3);
  }
  EXPECT_EQ(failed.load(), 3);
  ASSERT_TRUE(server->Resume().ok());
}

}  // namespace
}  // namespace samenspel::registry
