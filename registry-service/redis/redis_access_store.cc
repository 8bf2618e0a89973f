#include "registry-service/redis/redis_access_store.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace samenspel::registry {
namespace {

// KEYS: token hash, ids set. ARGV: id, secret hash, token data, the
// organisation's create_time (a serialized Timestamp). 0 if it exists.
constexpr absl::string_view kCreateToken = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'h', ARGV[2], 'd', ARGV[3], 'o', ARGV[4])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1)lua";

// KEYS: token hash. ARGV: token data. 0 if absent.
constexpr absl::string_view kUpdateToken = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'd', ARGV[1])
return 1)lua";

// Events per audit stream entry: Redis's cost is mostly per entry, so a
// batch of events shares few entries (each event a field "e", repeated).
constexpr int kAuditEventsPerEntry = 100;

absl::Status BrokenAudit() {
  return absl::UnavailableError(
      "redis: the connection broke while appending audit events");
}

std::string Str(const redisReply* r) {
  return r && r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : "";
}

absl::Status Corrupt(absl::string_view what) {
  return absl::InternalError(absl::StrCat("corrupt access data in Redis: ", what));
}

// "512 KiB", "37 MiB", "2.5 GiB".
std::string Bytes(int64_t bytes) {
  if (bytes < 1024 * 1024) return absl::StrCat(bytes / 1024, " KiB");
  if (bytes < int64_t{1024} * 1024 * 1024)
    return absl::StrCat(bytes / (1024 * 1024), " MiB");
  return absl::StrFormat("%.1f GiB", static_cast<double>(bytes) / (1 << 30));
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
  const std::string organisation = token.organisation_create_time.SerializeAsString();
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply,
                             RunWrite({"EVAL", kCreateToken, "2", key, ids, token.id,
                                       token.secret_hash, data, organisation}));
  if (reply->type != REDIS_REPLY_INTEGER) return Corrupt("CreateToken reply");
  if (reply->integer == 0) return AlreadyExistsError(token.token.name());
  return absl::OkStatus();
}

absl::StatusOr<StoredToken> RedisAccessStore::GetToken(const std::string& id) {
  const std::string key = keys_.Token(id);
  SAMENSPEL_ASSIGN_OR_RETURN(
      RedisReply reply,
      Run({"HMGET", key, kTokenHashField, kTokenDataField, kTokenOrganisationField}));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
    return Corrupt("HMGET reply");
  }
  if (reply->element[0]->type == REDIS_REPLY_NIL) {
    return NotFoundError(absl::StrCat("accessTokens/", id));
  }
  StoredToken t;
  t.id = id;
  t.secret_hash = Str(reply->element[0]);
  if (!t.token.ParseFromString(Str(reply->element[1])) ||
      !t.organisation_create_time.ParseFromString(Str(reply->element[2]))) {
    return Corrupt(key);
  }
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
  // One transaction, sent at once: every entry of the batch or none (the
  // log sends a failed batch again). Plain XADDs, not a Lua script: Redis
  // spent ~1.7 us per event turning a script's arguments into Lua strings
  // and tables, three times what the XADDs cost (bench/RESULTS.md, session 21).
  SAMENSPEL_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, pool_.Acquire());
  SAMENSPEL_RETURN_IF_ERROR(conn->Append({"MULTI"}));
  size_t entries = 0;
  std::vector<absl::string_view> argv;
  for (size_t first = 0; first < data.size(); first += kAuditEventsPerEntry) {
    argv.assign({"XADD", key, "MINID", "~", min_id, "*"});
    const size_t end = std::min(data.size(), first + kAuditEventsPerEntry);
    for (size_t i = first; i < end; ++i) {
      argv.push_back("e");
      argv.push_back(data[i]);
    }
    SAMENSPEL_RETURN_IF_ERROR(conn->Append(argv));
    ++entries;
  }
  SAMENSPEL_RETURN_IF_ERROR(conn->Append({"EXEC"}));
  // MULTI's OK, each XADD's QUEUED, then EXEC's replies: all read, so the
  // connection can serve the next caller, unless it broke.
  absl::Status status;
  for (size_t i = 0; i < entries + 2; ++i) {
    absl::StatusOr<RedisReply> reply = conn->CheckReply(conn->ReadReply());
    if (conn->broken()) return reply.ok() ? BrokenAudit() : reply.status();
    if (!reply.ok()) {
      if (status.ok()) status = reply.status();
      continue;
    }
    if (i == entries + 1 && status.ok()) {
      // EXEC: an array of the XADDs' replies, any of them an error.
      if ((*reply)->type != REDIS_REPLY_ARRAY) return Corrupt("EXEC reply");
      for (size_t j = 0; j < (*reply)->elements; ++j) {
        if ((*reply)->element[j]->type == REDIS_REPLY_ERROR) {
          return ReplyStatus(*(*reply)->element[j]);
        }
      }
    }
  }
  return status;
}

absl::StatusOr<std::optional<std::string>> RedisAccessStore::CapAudit(int64_t max_bytes) {
  auto integer = [](const RedisReply& r, int64_t* out) {
    if (r->type == REDIS_REPLY_INTEGER) {
      *out = r->integer;
      return true;
    }
    return r->type == REDIS_REPLY_STRING &&
           absl::SimpleAtoi(absl::string_view(r->str, r->len), out);
  };
  int64_t cap = max_bytes;
  std::string why = "--audit_max_bytes";
  if (cap <= 0) {
    absl::StatusOr<RedisReply> config = Run({"CONFIG", "GET", "maxmemory"});
    if (absl::IsUnavailable(config.status())) return config.status();
    int64_t maxmemory = 0;
    if (!config.ok() || (*config)->type != REDIS_REPLY_ARRAY ||
        (*config)->elements != 2) {
      return std::nullopt;  // CONFIG refused or renamed: no cap known
    }
    const redisReply& value = *(*config)->element[1];
    if (value.type != REDIS_REPLY_STRING ||
        !absl::SimpleAtoi(absl::string_view(value.str, value.len), &maxmemory) ||
        maxmemory <= 0) {
      return std::nullopt;
    }
    cap = maxmemory / 2;
    why = "half of Redis' maxmemory";
  }
  const std::string key = keys_.Audit();
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply usage,
                             Run({"MEMORY", "USAGE", key, "SAMPLES", "20"}));
  int64_t bytes = 0;
  if (!integer(usage, &bytes) || bytes <= cap) return std::nullopt;
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply length, Run({"XLEN", key}));
  int64_t entries = 0;
  if (!integer(length, &entries) || entries <= 1) return std::nullopt;
  // Entries hold about the same bytes each: keep the newest share that
  // fits in 90% of the cap (whole stream nodes go: "~").
  const int64_t keep = std::max<int64_t>(
      1, static_cast<int64_t>(static_cast<double>(entries) * 0.9 *
                              static_cast<double>(cap) / static_cast<double>(bytes)));
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply trimmed,
                             Run({"XTRIM", key, "MAXLEN", "~", absl::StrCat(keep)}));
  int64_t removed = 0;
  if (!integer(trimmed, &removed) || removed <= 0) return std::nullopt;
  std::string since = "?";
  SAMENSPEL_ASSIGN_OR_RETURN(RedisReply first,
                             Run({"XRANGE", key, "-", "+", "COUNT", "1"}));
  if (first->type == REDIS_REPLY_ARRAY && first->elements == 1 &&
      first->element[0]->type == REDIS_REPLY_ARRAY && first->element[0]->elements > 0) {
    const std::string id = Str(first->element[0]->element[0]);
    int64_t ms = 0;
    if (absl::SimpleAtoi(absl::string_view(id).substr(0, id.find('-')), &ms)) {
      since = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(ms),
                               absl::UTCTimeZone());
    }
  }
  return absl::StrCat(
      "audit log: ", Bytes(bytes), " in Redis, over its cap of ", Bytes(cap), " (", why,
      "): dropped its oldest ", removed, " of ", entries,
      " entries; it now holds the events since ", since,
      " (keep the audit log longer with more memory for Redis and a higher "
      "--audit_max_bytes, or by exporting it: samenspel audit list)");
}

// An event's id is "<stream entry id>/<its index in the entry>"; ids of
// entries written one event each (before session 14) are also accepted as
// before_id, meaning "before that entry".
absl::StatusOr<std::vector<StoredAuditEvent>> RedisAccessStore::ListAudit(
    const std::string& before_id, int limit) {
  const std::string key = keys_.Audit();
  std::vector<StoredAuditEvent> out;
  // Appends the events of `entry` (an XRANGE element) newest first, those
  // with an index below `below` only; false when the page is full.
  auto take = [&](const redisReply& entry, size_t below) -> absl::StatusOr<bool> {
    if (entry.type != REDIS_REPLY_ARRAY || entry.elements != 2 ||
        entry.element[1]->type != REDIS_REPLY_ARRAY ||
        entry.element[1]->elements % 2 != 0) {
      return Corrupt("audit entry");
    }
    const std::string id = Str(entry.element[0]);
    const redisReply& fields = *entry.element[1];
    const size_t n = std::min(below, fields.elements / 2);
    for (size_t i = n; i-- > 0;) {
      StoredAuditEvent e;
      e.id = absl::StrCat(id, "/", i);
      if (!e.event.ParseFromString(Str(fields.element[2 * i + 1]))) return Corrupt(e.id);
      out.push_back(std::move(e));
      if (static_cast<int>(out.size()) >= limit) return false;
    }
    return true;
  };
  std::string max = "+";
  if (!before_id.empty()) {
    const size_t slash = before_id.find('/');
    const std::string entry_id = before_id.substr(0, slash);
    max = absl::StrCat("(", entry_id);
    size_t index = 0;
    if (slash != std::string::npos) {
      if (!absl::SimpleAtoi(absl::string_view(before_id).substr(slash + 1), &index)) {
        return Corrupt(absl::StrCat("audit id ", before_id));
      }
      // The rest of that entry first.
      SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply,
                                 Run({"XRANGE", key, entry_id, entry_id}));
      if (reply->type != REDIS_REPLY_ARRAY) return Corrupt("XRANGE reply");
      if (reply->elements == 1) {
        SAMENSPEL_ASSIGN_OR_RETURN(bool more, take(*reply->element[0], index));
        if (!more) return out;
      }
    }
  }
  // Entries hold from one event (a quiet registry) to kAuditEventsPerEntry:
  // ask for one entry first, then twice as many each time.
  for (int count = 1;; count = std::min(2 * count, limit)) {
    SAMENSPEL_ASSIGN_OR_RETURN(RedisReply reply, Run({"XREVRANGE", key, max, "-", "COUNT",
                                                      absl::StrCat(count)}));
    if (reply->type != REDIS_REPLY_ARRAY) return Corrupt("XREVRANGE reply");
    for (size_t i = 0; i < reply->elements; ++i) {
      SAMENSPEL_ASSIGN_OR_RETURN(bool more, take(*reply->element[i], SIZE_MAX));
      if (!more) return out;
    }
    if (static_cast<int>(reply->elements) < count) return out;  // none older
    max = absl::StrCat("(", Str(reply->element[reply->elements - 1]->element[0]));
  }
}

}  // namespace samenspel::registry
