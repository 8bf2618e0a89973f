// Helpers shared by the tests that talk to a real redis-server through the
// registry's Redis client code (redis_pipeline_test, redis_async_test).
#ifndef SAMENSPEL_TESTS_REGISTRY_REDIS_TEST_UTIL_H_
#define SAMENSPEL_TESTS_REGISTRY_REDIS_TEST_UTIL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "registry-service/redis/redis_connection.h"
#include "tests/support/redis_server.h"

namespace samenspel::registry::redis_test {

// A started redis-server on a free loopback port; null (and a test failure)
// when it cannot start.
inline std::unique_ptr<test_support::RedisServer> StartRedis() {
  absl::StatusOr<std::unique_ptr<test_support::RedisServer>> server =
      test_support::RedisServer::Create();
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

// Connection options for `server`.
inline RedisConnectOptions OptionsFor(const test_support::RedisServer& server) {
  RedisConnectOptions options;
  options.port = server.port();
  return options;
}

// A reply as text: its string or integer, or the error status.
inline std::string String(const absl::StatusOr<RedisReply>& reply) {
  if (!reply.ok()) return reply.status().ToString();
  if ((*reply)->type == REDIS_REPLY_INTEGER) return absl::StrCat((*reply)->integer);
  return std::string((*reply)->str, (*reply)->len);
}

}  // namespace samenspel::registry::redis_test

#endif  // SAMENSPEL_TESTS_REGISTRY_REDIS_TEST_UTIL_H_
