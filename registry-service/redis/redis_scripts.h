// The Lua scripts that make RedisStore's multi-key operations atomic, and a
// runner that uses EVALSHA with an EVAL fallback.
//
// Each script's KEYS/ARGV layout and reply are written above its source in
// redis_scripts.cc; RedisStore (redis_store.cc) is the one caller that builds
// those arguments and reads those replies.
//
// Thread-safety: the scripts are immutable; RunScript is as thread-safe as
// RedisPipeline.
#ifndef SAMENSPEL_REGISTRY_REDIS_REDIS_SCRIPTS_H_
#define SAMENSPEL_REGISTRY_REDIS_REDIS_SCRIPTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "registry-service/redis/redis_connection.h"
#include "registry-service/redis/redis_pipeline.h"

namespace samenspel::registry {

// A Lua script and its SHA-1 (hex), which names it for EVALSHA.
// Thread-safe: immutable.
class LuaScript {
 public:
  explicit LuaScript(absl::string_view source);

  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  const std::string source_;
  const std::string sha1_;
};

// Lower-case hex SHA-1 of `text`, as Redis' SCRIPT LOAD and redis.sha1hex()
// give it.
std::string Sha1Hex(absl::string_view text);

// Lua source defining `local function fold(value)`, the Lua twin of FoldTerm
// (common/text_fold.h) that Migrate uses to rename theme and skill index
// sets; for tests.
std::string FoldTermLua();

// Validates and applies a batch of CommitRequests.
const LuaScript& CommitScript();
// One page of ids from a sorted set, their records and the revision.
const LuaScript& ListScript();
// Feed entries from an ID on, and the revision.
const LuaScript& ReadFeedScript();

// Runs `script` with the first `num_keys` of `keys_and_args` as KEYS and the
// rest as ARGV. Uses EVALSHA, and EVAL when Redis answers NOSCRIPT (its script
// cache is empty after a restart or SCRIPT FLUSH); EVAL caches it again.
// Errors as RedisPipeline::Execute; `then` and `then_reply` as there.
absl::StatusOr<RedisReply> RunScript(RedisPipeline& pipeline, const LuaScript& script,
                                     int num_keys,
                                     absl::Span<const absl::string_view> keys_and_args,
                                     absl::Span<const absl::string_view> then = {},
                                     absl::StatusOr<RedisReply>* then_reply = nullptr);

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_REDIS_REDIS_SCRIPTS_H_
