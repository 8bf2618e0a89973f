#include "registry-service/redis/redis_access_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace samenspel::registry {
namespace {

// KEYS: token hash, ids set. ARGV: id, secret hash, token data. 0 if it exists.
constexpr absl::string_view kCreateToken = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'h', ARGV[2], 'd', ARGV[3])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1)lua";

// KEYS: token hash. ARGV: token data. 0 if absent.
constexpr absl::string_view kUpdateToken = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'd', ARGV[1])
return 1)lua";

// KEYS: audit stream. ARGV: the oldest entry ID to keep, then the events.
constexpr absl::string_view kAppendAudit = R"lua(
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[1], '*', 'e', ARGV[i])
end
return #ARGV - 1)lua";

std::string Str(const redisReply* r) {
  return r && r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : "";
}

absl::Status Corrupt(absl::string_view what) {
  return absl::InternalError(absl::StrCat("corrupt access data in Redis: ", what));
}

}  // namespace

RedisAccessStore::RedisAccessStore(RedisConnectOptions options, std::string key_prefix,
                                   int pool_size, int wait_replicas,
                                   absl::Duration wait_timeout)
    : keys_(std::move(key_prefix)),
      pool_(std::move(options), pool_size),
      wait_replicas_(wait_replicas),
      wait_timeout_(wait_timeout) {}

absl::StatusOr<RedisReply> RedisAccessStore::Run(
    absl::Span<const absl::string_view> argv) {
  SAMENSPEL_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, pool_.Acquire());
  return conn->Command(argv);
}

absl::StatusOr<RedisReply> RedisAccessStore::RunWrite(
    absl::Span<const absl::string_view> argv) {
  SAMENSPEL_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, pool_.Acquire());
  absl::StatusOr<RedisReply> reply = conn->Command(argv);
  if (!reply.ok() || wait_replicas_ == 0) return reply;
  const std::string replicas = absl::StrCat(wait_replicas_);
  const std::string ms = absl::StrCat(absl::ToInt64Milliseconds(wait_timeout_));
  SAMENSPEL_RETURN_IF_ERROR(WaitStatus(conn->Command({"WAIT", replicas, ms}),
                                       wait_replicas_, wait_timeout_,
                                       "list the tokens to see whether it stands"));
  return reply;
}

absl::Status RedisAccessStore::CreateToken(const StoredToken& token) {
  const std::string key = keys_.Token(token.id);
  const std::string ids = keys_.TokenIds();
  const std::string data = token.token.SerializeAsString();
  SAMENSPEL_ASSIGN_OR_RETURN(
      RedisReply reply,
      RunWrite({"EVAL", kCreateToken, "2", key, ids, token.id, token.secret_hash, data}));
  if (reply->type != REDIS_REPLY_INTEGER) return Corrupt("CreateToken reply");
  if (reply->integer == 0) return AlreadyExistsError(token.token.name());
  return absl::OkStatus();
}

absl::StatusOr<StoredToken> RedisAccessStore::GetToken(const std::string& id) {
  const std::string key = keys_.Token(id);
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply,
                             Run({"HMGET", key, kTokenHashField, kTokenDataField}));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
    return Corrupt("HMGET reply");
  }
  if (reply->element[0]->type == REDIS_REPLY_NIL) {
    return NotFoundError(absl::StrCat("accessTokens/", id));
  }
  StoredToken t;
  t.id = id;
  t.secret_hash = Str(reply->element[0]);
  if (!t.token.ParseFromString(Str(reply->element[1]))) return Corrupt(key);
  return t;
}

absl::Status RedisAccessStore::UpdateToken(const std::string& id,
                                           const v1::AccessToken& token) {
  const std::string key = keys_.Token(id);
  const std::string data = token.SerializeAsString();
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply,
                             RunWrite({"EVAL", kUpdateToken, "1", key, data}));
  if (reply->type != REDIS_REPLY_INTEGER) return Corrupt("UpdateToken reply");
  if (reply->integer == 0) return NotFoundError(absl::StrCat("accessTokens/", id));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredToken>> RedisAccessStore::ListTokens(
    const std::string& after_id, int limit) {
  const std::string ids = keys_.TokenIds();
  const std::string min = after_id.empty() ? "-" : absl::StrCat("(", after_id);
  const std::string count = absl::StrCat(limit);
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply,
                             Run({"ZRANGEBYLEX", ids, min, "+", "LIMIT", "0", count}));
  if (reply->type != REDIS_REPLY_ARRAY) return Corrupt("ZRANGEBYLEX reply");
  std::vector<StoredToken> out;
  for (size_t i = 0; i < reply->elements; ++i) {
    absl::StatusOr<StoredToken> t = GetToken(Str(reply->element[i]));
    if (absl::IsNotFound(t.status()))
      continue;  // not expected: ids and hashes go together
    SAMENSPEL_RETURN_IF_ERROR(t.status());
    out.push_back(*std::move(t));
  }
  return out;
}

absl::Status RedisAccessStore::AppendAudit(const std::vector<v1::AuditEvent>& events,
                                           absl::Duration retention) {
  if (events.empty()) return absl::OkStatus();
  const std::string key = keys_.Audit();
  // Stream IDs start with the entry's time in ms: MINID trims by age.
  const std::string min_id = absl::StrCat(absl::ToUnixMillis(absl::Now() - retention));
  std::vector<std::string> data;
  data.reserve(events.size());
  for (const v1::AuditEvent& e : events) data.push_back(e.SerializeAsString());
  std::vector<absl::string_view> argv = {"EVAL", kAppendAudit, "1", key, min_id};
  for (const std::string& d : data) argv.push_back(d);
  return Run(argv).status();
}

absl::StatusOr<std::vector<StoredAuditEvent>> RedisAccessStore::ListAudit(
    const std::string& before_id, int limit) {
  const std::string key = keys_.Audit();
  const std::string max = before_id.empty() ? "+" : absl::StrCat("(", before_id);
  const std::string count = absl::StrCat(limit);
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply,
                             Run({"XREVRANGE", key, max, "-", "COUNT", count}));
  if (reply->type != REDIS_REPLY_ARRAY) return Corrupt("XREVRANGE reply");
  std::vector<StoredAuditEvent> out;
  for (size_t i = 0; i < reply->elements; ++i) {
    const redisReply* entry = reply->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY ||
        entry->element[1]->elements != 2) {
      return Corrupt("audit entry");
    }
    StoredAuditEvent e;
    e.id = Str(entry->element[0]);
    if (!e.event.ParseFromString(Str(entry->element[1]->element[1]))) {
      return Corrupt(e.id);
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace samenspel::registry
