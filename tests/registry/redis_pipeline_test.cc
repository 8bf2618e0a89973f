// RedisPipeline over a real redis-server: concurrent callers share few
// connections and each gets its own reply, errors stay with their command,
// the retry command replaces a NOSCRIPT reply, and a stopped Redis fails
// every waiting caller fast.
#include "registry-service/redis/redis_pipeline.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry-service/redis/redis_connection.h"
#include "tests/registry/redis_test_util.h"
#include "tests/support/redis_server.h"

namespace samenspel::registry {
namespace {

using ::samenspel::registry::redis_test::OptionsFor;
using ::samenspel::registry::redis_test::StartRedis;
using ::samenspel::registry::redis_test::String;
using ::samenspel::test_support::RedisServer;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(RedisPipelineTest, ConcurrentCallersShareOneConnectionAndGetTheirOwnReplies) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  ConnectionPool pool(OptionsFor(*server), /*max_size=*/32);
  RedisPipeline pipeline(&pool, /*max_in_flight=*/1, /*max_batch=*/8);
  constexpr int kThreads = 16;
  constexpr int kCalls = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const std::string key = absl::StrCat("k", t, "-", i);
        const std::string value = absl::StrCat("v", t, "-", i);
        ASSERT_TRUE(pipeline.Execute({"SET", key, value}).ok());
        ASSERT_EQ(String(pipeline.Execute({"GET", key})), value);
        ASSERT_TRUE(pipeline.Execute({"INCR", "counter"}).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(String(pipeline.Execute({"GET", "counter"})),
            absl::StrCat(kThreads * kCalls));
  // One batch at a time: the pool never needed a second connection.
  absl::StatusOr<RedisReply> clients = pipeline.Execute({"INFO", "clients"});
  ASSERT_TRUE(clients.ok()) << clients.status();
  EXPECT_TRUE(absl::StrContains(String(clients), "connected_clients:1\r"))
      << String(clients);
}

TEST(RedisPipelineTest, AnErrorReplyStaysWithItsCommand) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  ConnectionPool pool(OptionsFor(*server), /*max_size=*/4);
  RedisPipeline pipeline(&pool, /*max_in_flight=*/1, /*max_batch=*/64);
  ASSERT_TRUE(pipeline.Execute({"SET", "text", "not a number"}).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (t % 2 == 0) {
          EXPECT_EQ(pipeline.Execute({"INCR", "text"}).status().code(),
                    absl::StatusCode::kInternal);
        } else {
          EXPECT_EQ(String(pipeline.Execute({"ECHO", "fine"})), "fine");
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

TEST(RedisPipelineTest, RetryReplacesTheReplyItIsFor) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  ConnectionPool pool(OptionsFor(*server), /*max_size=*/4);
  RedisPipeline pipeline(&pool, /*max_in_flight=*/2, /*max_batch=*/64);
  // The SHA-1 of "return 'ran'", which Redis does not have cached yet.
  const std::string sha = "468639e6e373341ef5feb7f60c99dc62a137b798";
  // Without a retry command, the error reply is the caller's.
  EXPECT_FALSE(pipeline.Execute({"EVALSHA", sha, "0"}).ok());
  absl::StatusOr<RedisReply> reply =
      pipeline.Execute({"EVALSHA", sha, "0"}, "NOSCRIPT", {"EVAL", "return 'ran'", "0"});
  EXPECT_EQ(String(reply), "ran");
  // EVAL cached the script: EVALSHA alone works now.
  EXPECT_EQ(String(pipeline.Execute({"EVALSHA", sha, "0"})), "ran");
}

TEST(RedisPipelineTest, StoppedRedisFailsEveryCallerFastAndRecovers) {
  std::unique_ptr<RedisServer> server = StartRedis();
  ASSERT_NE(server, nullptr);
  ConnectionPool pool(OptionsFor(*server), /*max_size=*/4);
  RedisPipeline pipeline(&pool, /*max_in_flight=*/2, /*max_batch=*/64);
  ASSERT_TRUE(pipeline.Execute({"PING"}).ok());
  ASSERT_TRUE(server->Stop().ok());
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      EXPECT_EQ(pipeline.Execute({"PING"}).status().code(),
                absl::StatusCode::kUnavailable);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
  ASSERT_TRUE(server->Start().ok());
  EXPECT_TRUE(pipeline.Execute({"PING"}).ok());
}

// What Redis' error replies become for a caller (and the log). A Redis in
// protected mode (no password, a connection from another machine) was
// INTERNAL with Redis' own advice, which starts with turning it off.
TEST(RedisErrorStatusTest, RefusalsAreUnavailableWithWhatToDo) {
  const absl::Status denied = RedisErrorStatus(
      "DENIED Redis is running in protected mode because protected mode is enabled and "
      "no "
      "password is set for the default user. In this mode connections are only accepted "
      "from the loopback interface. If you want to connect from external computers to "
      "Redis you may adopt one of the following solutions: 1) Just disable protected "
      "mode "
      "sending the command 'CONFIG SET protected-mode no' from the loopback interface");
  EXPECT_TRUE(absl::IsUnavailable(denied)) << denied;
  EXPECT_THAT(std::string(denied.message()), HasSubstr("--redis_password_file"));
  EXPECT_THAT(std::string(denied.message()), HasSubstr("protected mode"));
  EXPECT_THAT(std::string(denied.message()), Not(HasSubstr("CONFIG SET")));
  EXPECT_TRUE(absl::IsUnavailable(RedisErrorStatus("NOAUTH Authentication required.")));
  EXPECT_TRUE(absl::IsUnavailable(RedisErrorStatus("LOADING Redis is loading")));
  EXPECT_TRUE(absl::IsInternal(RedisErrorStatus("WRONGTYPE Operation against a key")));
}

}  // namespace
}  // namespace samenspel::registry
