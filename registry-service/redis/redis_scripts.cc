#include "registry-service/redis/redis_scripts.h"

#include <openssl/sha.h>

#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace samenspel::registry {
std::string Sha1Hex(absl::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

namespace {

// Commit: applies a batch of commits, one after another, each all or nothing.
// A commit is validated completely before it writes anything, so a failed one
// writes nothing (a Lua script's writes are never rolled back); one commit's
// failure does not affect the others of the batch.
//
// Erasure (AVG): an expert record keeps the revisions of its feed entries in
// field 'h' (once it passes 1 KB, those the stream no longer holds are
// dropped); deleting it removes those entries from the stream (XDEL) and
// keeps only a marker (revision, collection, id, commit time) in the
// redacted set, which ReadFeed fills the gaps with.
//
// KEYS: 1 revision counter, 2 feed, 3 redacted set.
// ARGV: 1 feed MAXLEN (approximate), 2 request TTL (ms), 3 commit count C,
//   then C times: L, the number of arguments of this commit that follow, and
//   those: request key ("" without a request_id), request_result, commit time
//   (Unix micros), precondition count P, mutation count M,
//   then P times: type, key, min, max: type "e": the record key must exist
//   (min, max unused); type "v": the record key must exist with revision
//   (field r) min (max unused); type "x": the index set key must have no
//   member in the ZRANGEBYLEX range min..max; type "s", with a fifth
//   argument: the members in that range, joined by newlines, must have that
//   SHA-1 (hex);
//   then M times: op (ChangeType number: "1" create, "2" update, "3" delete),
//   record key, all-ids key, index set key, id, collection, expected revision
//   (0: any), data, index member count N, N index members.
// Reply: C replies, one per commit:
//   {1, first revision} committed (mutation j got first + j - 1);
//   {2, request_result} the request key existed: nothing written;
//   {0, "p", i} precondition i failed;
//   {0, "m", j, "exists"|"notfound"|"aborted"} mutation j failed;
//   {-1, message} a Redis error (e.g. OOM, or corrupt data).
constexpr absl::string_view kCommitSource = R"lua(
local rev_key, feed_key, maxlen, ttl = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local redacted_key = KEYS[3]

-- Erases the feed entries at the revisions in `hist` ("3,7,12"); `rev` is
-- the current revision.
local function erase(hist, coll, id, rev)
  for r in string.gmatch(hist, '[^,]+') do
    local eid = r .. '-1'
    local e = redis.call('XRANGE', feed_key, eid, eid)
    if #e == 1 then
      local f, micros = e[1][2], '0'
      for x = 1, #f, 2 do
        if f[x] == 'c' then micros = f[x + 1] end
      end
      redis.call('XDEL', feed_key, eid)
      redis.call('ZADD', redacted_key, r, r .. '\n' .. coll .. '\n' .. id .. '\n' .. micros)
    end
  end
  -- Markers far older than the retention are no longer needed. (The stream
  -- itself may reach further back than maxlen revisions, by the entries
  -- erased; a reader that far behind gets OUT_OF_RANGE and resyncs. Markers
  -- may also outlive the entries trimmed after them, until the next
  -- erasure: RedisStore::ParseChanges reads the gap after them as
  -- OUT_OF_RANGE too.)
  redis.call('ZREMRANGEBYSCORE', redacted_key, '-inf', '(' .. (rev - 2 * tonumber(maxlen)))
end

-- The revisions of `hist` whose entries the stream still holds (older ones
-- were trimmed: nothing left to erase), or nil for none; keeps an often
-- updated expert's history as short as the feed's retention.
local function prune(hist)
  local oldest = redis.call('XRANGE', feed_key, '-', '+', 'COUNT', 1)
  if #oldest == 0 then return nil end
  local first = tonumber(string.match(oldest[1][1], '^(%d+)'))
  local kept = {}
  for r in string.gmatch(hist, '[^,]+') do
    if tonumber(r) >= first then kept[#kept + 1] = r end
  end
  if #kept == 0 then return nil end
  return table.concat(kept, ',')
end

-- ZADD and ZREM take many members per call; unpack() has a stack limit, so
-- very long lists go in chunks.
local function call_chunked(command, key, items, score)
  for first = 1, #items, 1000 do
    local args = {}
    for x = first, math.min(first + 999, #items) do
      if score then args[#args + 1] = score end
      args[#args + 1] = items[x]
    end
    redis.call(command, key, unpack(args))
  end
end

-- The commit whose arguments start at ARGV[a]; returns its reply.
local function commit(a)
  local req_key, micros = ARGV[a], ARGV[a + 2]
  if req_key ~= '' then
    local prior = redis.call('GET', req_key)
    if prior then
      -- A write, so that the caller's WAIT (--redis_wait_replicas) covers
      -- the first attempt too (the replication stream is in order), also
      -- where WAIT counts only the connection's own writes. (Redis 7.0 here
      -- waits for the offset after any command: the test passes without.)
      redis.call('PEXPIRE', req_key, ttl)
      return {2, prior}
    end
  end
  local np, nm = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local req_result = ARGV[a + 1]
  a = a + 5
  for i = 1, np do
    local kind, key = ARGV[a], ARGV[a + 1]
    if kind == 'e' then
      if redis.call('EXISTS', key) == 0 then return {0, 'p', i} end
    elseif kind == 'v' then
      if redis.call('HGET', key, 'r') ~= ARGV[a + 2] then return {0, 'p', i} end
    elseif kind == 's' then
      local members = redis.call('ZRANGEBYLEX', key, ARGV[a + 2], ARGV[a + 3])
      if redis.sha1hex(table.concat(members, '\n')) ~= ARGV[a + 4] then
        return {0, 'p', i}
      end
      a = a + 1
    elseif #redis.call('ZRANGEBYLEX', key, ARGV[a + 2], ARGV[a + 3], 'LIMIT', 0, 1) > 0 then
      return {0, 'p', i}
    end
    a = a + 4
  end

  -- Validate the mutations against the state before this commit (as
  -- MemoryStore does), so their order does not matter for validation.
  local mutations = {}
  for j = 1, nm do
    local m = {op = ARGV[a], key = ARGV[a + 1], all = ARGV[a + 2], index = ARGV[a + 3],
               id = ARGV[a + 4], coll = ARGV[a + 5], expected = tonumber(ARGV[a + 6]),
               data = ARGV[a + 7], members = {}}
    local n = tonumber(ARGV[a + 8])
    for x = 1, n do m.members[x] = ARGV[a + 8 + x] end
    a = a + 9 + n
    if m.op == '1' then
      if redis.call('EXISTS', m.key) == 1 then return {0, 'm', j, 'exists'} end
    else
      local record = redis.call('HMGET', m.key, 'r', 'i', 'h')
      if not record[1] then return {0, 'm', j, 'notfound'} end
      if m.expected > 0 and m.expected ~= tonumber(record[1]) then
        return {0, 'm', j, 'aborted'}
      end
      m.old = record[2]
      m.hist = record[3]
    end
    mutations[j] = m
  end

  -- Apply.
  local first = 0
  if nm > 0 then
    local rev = tonumber(redis.call('INCRBY', rev_key, nm)) - nm
    first = rev + 1
    local written = {}  -- record key -> its packed members after an earlier mutation
    local written_hist = {}  -- record key -> its feed revisions after an earlier one
    for _, m in ipairs(mutations) do
      rev = rev + 1
      local rev_text = string.format('%d', rev)  -- Lua would print 1e+14
      local old = m.old
      if written[m.key] ~= nil then old = written[m.key] end
      if m.op == '3' then m.members = {} end
      if old then
        local keep, gone = {}, {}
        for _, x in ipairs(m.members) do keep[x] = true end
        for _, x in ipairs(cmsgpack.unpack(old)) do
          if not keep[x] then gone[#gone + 1] = x end
        end
        call_chunked('ZREM', m.index, gone)
      end
      local hist = m.hist
      if written_hist[m.key] ~= nil then hist = written_hist[m.key] end
      if m.op == '3' then
        if m.coll == 'experts' and hist then erase(hist, m.coll, m.id, rev) end
        redis.call('DEL', m.key)
        redis.call('ZREM', m.all, m.id)
        written[m.key] = false
        written_hist[m.key] = false
      else
        local packed = cmsgpack.pack(m.members)
        redis.call('HSET', m.key, 'd', m.data, 'r', rev_text, 'i', packed)
        if m.coll == 'experts' then
          if hist and #hist > 1024 then hist = prune(hist) end
          if hist then hist = hist .. ',' .. rev_text else hist = rev_text end
          redis.call('HSET', m.key, 'h', hist)
          written_hist[m.key] = hist
        end
        redis.call('ZADD', m.all, 0, m.id)
        call_chunked('ZADD', m.index, m.members, 0)
        written[m.key] = packed
      end
      redis.call('XADD', feed_key, 'MAXLEN', '~', maxlen, rev_text .. '-1',
                 't', m.op, 'k', m.coll, 'n', m.id, 'd', m.data, 'c', micros)
    end
  end
  if req_key ~= '' then
    redis.call('SET', req_key, req_result, 'PX', ttl)
  end
  return {1, first}
end

local replies = {}
local a = 4
for c = 1, tonumber(ARGV[3]) do
  -- pcall: a Redis error in one commit is that commit's reply, not the
  -- batch's. (Validation errors come before any write; an error while writing,
  -- which only corrupt data causes, leaves that commit partly applied.)
  local ok, reply = pcall(commit, a + 1)
  if not ok then
    reply = {-1, type(reply) == 'table' and reply.err or tostring(reply)}
  end
  replies[c] = reply
  a = a + 1 + tonumber(ARGV[a])
end
return replies
)lua";

// List: one page of ids from a sorted set, with their records.
// KEYS: 1 sorted set (all ids, or the index set), 2 revision counter.
// ARGV: 1 record key prefix, 2 ZRANGEBYLEX min, 3 max, 4 bytes to strip from
//   a member to get its id, 5 limit.
// Reply: {revision, more (0|1), id, data, record revision, id, ...}; data and
//   record revision are nil for an id without a record (corrupt store).
constexpr absl::string_view kListSource = R"lua(
local strip, limit = tonumber(ARGV[4]), tonumber(ARGV[5])
local call, sub, prefix = redis.call, string.sub, ARGV[1]
local members = call('ZRANGEBYLEX', KEYS[1], ARGV[2], ARGV[3], 'LIMIT', 0, limit + 1)
local out = {call('GET', KEYS[2]) or '0', 0}
if #members > limit then out[2] = 1 end
local n = 2
for j = 1, math.min(#members, limit) do
  local id = sub(members[j], strip + 1)
  local record = call('HMGET', prefix .. id, 'd', 'r')
  out[n + 1] = id
  out[n + 2] = record[1]
  out[n + 3] = record[2]
  n = n + 3
end
return out
)lua";

// Read feed: entries and the revision, atomically, so an empty range can be
// told apart from a trimmed one.
// KEYS: 1 feed, 2 revision counter, 3 redacted set. ARGV: 1 first entry ID,
// 2 COUNT. Reply: {revision, XRANGE reply, redacted markers in the range}.
constexpr absl::string_view kReadFeedSource = R"lua(
local rev = redis.call('GET', KEYS[2]) or '0'
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
local first = string.match(ARGV[1], '^(%d+)')
local last = rev
if #entries == tonumber(ARGV[2]) then
  last = string.match(entries[#entries][1], '^(%d+)')
end
return {rev, entries,
        redis.call('ZRANGEBYSCORE', KEYS[3], first, last, 'LIMIT', 0, ARGV[2])}
)lua";

}  // namespace

LuaScript::LuaScript(absl::string_view source)
    : source_(source), sha1_(Sha1Hex(source)) {}

const LuaScript& CommitScript() {
  static const LuaScript* const script = new LuaScript(kCommitSource);
  return *script;
}

const LuaScript& ListScript() {
  static const LuaScript* const script = new LuaScript(kListSource);
  return *script;
}

const LuaScript& ReadFeedScript() {
  static const LuaScript* const script = new LuaScript(kReadFeedSource);
  return *script;
}

absl::StatusOr<RedisReply> RunScript(RedisPipeline& pipeline, const LuaScript& script,
                                     int num_keys,
                                     absl::Span<const absl::string_view> keys_and_args,
                                     absl::Span<const absl::string_view> then,
                                     absl::StatusOr<RedisReply>* then_reply) {
  const std::string num_keys_text = absl::StrCat(num_keys);
  std::vector<absl::string_view> evalsha;
  evalsha.reserve(keys_and_args.size() + 3);
  evalsha.push_back("EVALSHA");
  evalsha.push_back(script.sha1());
  evalsha.push_back(num_keys_text);
  evalsha.insert(evalsha.end(), keys_and_args.begin(), keys_and_args.end());
  std::vector<absl::string_view> eval = evalsha;
  eval[0] = "EVAL";
  eval[1] = script.source();
  return pipeline.Execute(evalsha, "NOSCRIPT", eval, then, then_reply);
}

}  // namespace samenspel::registry
