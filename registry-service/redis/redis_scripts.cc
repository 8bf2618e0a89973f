#include "registry-service/redis/redis_scripts.h"

#include <openssl/sha.h>

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/text_fold.h"
#include "registry-service/core/store.h"
#include "registry-service/redis/redis_keys.h"

namespace samenspel::registry {
std::string Sha1Hex(absl::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

namespace {

// Migrate: converts a database in an earlier layout to this one
// (redis_keys.h), once; every script that reads or writes list sets calls it
// first, so the first such script after an upgrade converts everything,
// atomically (a script's writes reach the AOF and replicas together).
//   Layouts 2 and 3 differ from this one in their theme and skill index
//   values, which were lower-cased in ASCII only: each record's theme and
//   skill sets are renamed to the value folded as the registry folds them now
//   (FoldTerm, common/text_fold.h: "Één" and "een" are one value), moving
//   its id from the old set to the new. (Layout 2 differs also in the feed
//   entries written before it, which stay readable as they are.)
//   Layout 1: records that already have a position (field o) are left as
//   they are, so running it on a database written in a later layout whose
//   schema key was lost (FLUSHALL, then new writes) only sets the key. An old
//   record's position is its last revision (unique too, as positions must
//   be; old lists were in id order anyway).
// A database in any other layout (a later one, converted by a newer
// registry) is refused: the script fails with the error
// "SAMENSPEL_LAYOUT <layout>" before it reads or writes anything
// (RedisErrorStatus makes it UNAVAILABLE), so an older registry left running
// during an upgrade stops instead of writing a layout it does not know.
// $COLLECTIONS is replaced by the collections' names (KindCollection),
// $LAYOUT by kLayout, $FOLD by FoldTermLua().
// FoldTerm in Lua, as local function fold(value): ASCII lower-cased, then
// each non-ASCII code point (a lead byte and its continuation bytes) replaced
// by what FoldTerm makes of it. $MAP is a table from the UTF-8 of every
// non-ASCII code point that FoldTerm changes to what it becomes; gsub keeps
// those not in it. For valid UTF-8, fold(v) == FoldTerm(v)
// (redis_store_test checks every code point).
constexpr absl::string_view kFoldSource = R"lua(local fold_map = $MAP
local function fold(value)
  return (string.gsub(string.lower(value), '[\194-\244][\128-\191]+', fold_map))
end
)lua";

constexpr absl::string_view kMigrateSource = R"lua(
local function migrate(schema_key)
  local layout = redis.call('GET', schema_key)
  if layout == '$LAYOUT' then return end
  if layout and layout ~= '2' and layout ~= '3' then
    error({err = 'SAMENSPEL_LAYOUT ' .. layout})
  end
  local p = string.sub(schema_key, 1, #schema_key - #'schema')
  $FOLD
  local function folded(field) return field == 'theme' or field == 'skill' end
  if layout then
    for _, coll in ipairs({$COLLECTIONS}) do
      local ix, record_prefix = p .. 'ix:' .. coll .. ':', p .. coll .. ':'
      for _, id in ipairs(redis.call('ZRANGE', p .. 'all:' .. coll, 0, -1)) do
        local key = record_prefix .. id
        local f = redis.call('HMGET', key, 'i', 'o')
        if f[1] and f[2] then
          local sets, seen, changed = {}, {}, false
          for _, set in ipairs(cmsgpack.unpack(f[1])) do
            local new = set
            if string.sub(set, 1, #ix) == ix then
              local field, value = string.match(string.sub(set, #ix + 1), '^([^=]*)=(.*)$')
              if field and folded(field) then new = ix .. field .. '=' .. fold(value) end
            end
            if new ~= set then
              changed = true
              redis.call('ZREM', set, id)
              redis.call('ZADD', new, f[2], id)
            end
            if seen[new] then
              changed = true
            else
              seen[new] = true
              sets[#sets + 1] = new
            end
          end
          if changed then redis.call('HSET', key, 'i', cmsgpack.pack(sets)) end
        end
      end
    end
    redis.call('SET', schema_key, '$LAYOUT')
    return
  end
  local function unescape(text)
    return (string.gsub(text, '\1([\1\2])', function(c)
      if c == '\1' then return '\0' end
      return '\1'
    end))
  end
  local function escape_field(field)
    return (string.gsub(string.gsub(field, '%%', '%%25'), '=', '%%3D'))
  end
  for _, coll in ipairs({$COLLECTIONS}) do
    local all, record_prefix = p .. 'all:' .. coll, p .. coll .. ':'
    for _, id in ipairs(redis.call('ZRANGE', all, 0, -1)) do
      local key = record_prefix .. id
      local f = redis.call('HMGET', key, 'r', 'i', 'o')
      if f[1] and not f[3] then
        local sets, seen = {}, {}
        local members = {}
        if f[2] then members = cmsgpack.unpack(f[2]) end
        for _, member in ipairs(members) do
          local field, value = string.match(member, '^([^%z]*)%z([^%z]*)%z')
          if field then
            field, value = unescape(field), unescape(value)
            if folded(field) then value = fold(value) end
            local set = p .. 'ix:' .. coll .. ':' .. escape_field(field) .. '=' .. value
            if not seen[set] then
              seen[set] = true
              sets[#sets + 1] = set
            end
            redis.call('ZADD', set, f[1], id)
          end
        end
        redis.call('HSET', key, 'i', cmsgpack.pack(sets), 'o', f[1])
        redis.call('ZADD', all, f[1], id)
      end
    end
    redis.call('DEL', p .. 'ix:' .. coll)
  end
  redis.call('SET', schema_key, '$LAYOUT')
end
)lua";

// Commit: applies a batch of commits, one after another, each all or nothing.
// A commit is validated completely before it writes anything, so a failed one
// writes nothing (a Lua script's writes are never rolled back); one commit's
// failure does not affect the others of the batch.
//
// Erasure (AVG): an expert's feed entries hold no data of the expert (layout
// 3): the data of the latest is the record's own (field d), that of earlier
// ones the stream still holds is kept in the record's field f<revision>, so
// deleting the record (DEL) frees all of it. (Redis frees an XDEL'd stream
// entry's bytes only with the rest of its node of up to 100 entries: the
// record bytes stayed in memory, in RDB files and AOF rewrites until the
// feed was trimmed that far; a privacy review found them.) The f field of a
// change goes when trim_feed trims the change. The record keeps the
// revisions of its feed entries in field 'h'; revisions the stream no longer
// holds are dropped from it (with any f field left) when the expert is next
// written; deleting it removes those entries from the stream (XDEL) and
// keeps only a marker (revision, collection, id, commit time) in the
// redacted set, which ReadFeed fills the gaps with.
//
// KEYS: 1 revision counter, 2 feed, 3 redacted set, 4 schema (Migrate).
// ARGV: 1 feed retention (changes kept; see trim_feed), 2 request TTL (ms),
//   3 commit count C,
//   then C times: L, the number of arguments of this commit that follow, and
//   those: request key ("" without a request_id), request_result, commit time
//   (Unix micros), precondition count P, mutation count M, request
//   fingerprint key ("" without a request_id), request fingerprint ("": none),
//   then P times: type, key, min, max: type "e": the record key must exist
//   (min, max unused); type "v": the record key must exist with revision
//   (field r) min (max unused); type "x": the index set key must be empty
//   (min, max unused); type "s": min is a count n, and n ids follow max
//   (unused): the index set key must hold exactly those ids;
//   then M times: op (ChangeType number: "1" create, "2" update, "3" delete),
//   record key, all-ids key, id, collection, expected revision (0: any),
//   data, index set count N, N index set keys.
// A record's list position (field o, the score of its id in every list set)
// is its create revision; updates keep it.
// The list-set entries of a commit that only creates (no update, no delete,
// no precondition on a list set, no record twice) are added after the
// commits that follow it, as one ZADD per set with the entries of every such
// commit: experts of one organisation share most sets, and each ZADD called
// from Lua has a cost of its own besides its inserts (script time per create
// 50 -> 46 us in bench/RESULTS.md, session 21). Before a commit that reads
// or removes list-set entries, those added so far are written; all of it
// within this one script, so no reader sees the sets in between.
// Reply: C replies, one per commit:
//   {1, first revision} committed (mutation j got first + j - 1);
//   {2, request_result, fingerprint or ""} the request key existed: nothing
//     written;
//   {0, "p", i} precondition i failed;
//   {0, "m", j, "exists"|"notfound"|"aborted"} mutation j failed;
//   {-1, message} a Redis error (e.g. OOM, or corrupt data).
constexpr absl::string_view kCommitSource = R"lua(
local rev_key, feed_key, maxlen, ttl = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
-- The revision counter, read once and written once per batch (SET at the
-- end), not incremented by each commit: a call less per commit.
local last_rev = tonumber(redis.call('GET', rev_key) or '0')
local start_rev = last_rev
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
  -- Markers far older than the retention are no longer needed: trim_feed
  -- keeps the stream within the last 2 * maxlen revisions as well. (Markers
  -- may outlive the entries trimmed after them, until the next erasure:
  -- RedisStore::ParseChanges reads the gap after them as OUT_OF_RANGE.)
  redis.call('ZREMRANGEBYSCORE', redacted_key, '-inf', '(' .. (rev - 2 * tonumber(maxlen)))
end

-- The revision of the stream's oldest entry, or nil when it is empty.
local function oldest_entry()
  local oldest = redis.call('XRANGE', feed_key, '-', '+', 'COUNT', 1)
  if #oldest == 0 then return nil end
  return tonumber(string.match(oldest[1][1], '^(%d+)'))
end

-- The revisions of `hist` whose entries the stream still holds (older ones
-- were trimmed: nothing left to erase), or nil for none; the data fields
-- (f<revision>) of the others are deleted from record `key`. Keeps an often
-- updated expert's history as short as the feed's retention. Only read
-- through when its oldest revision is gone from the stream (it would find
-- nothing to drop: an expert updated thousands of times within the
-- retention paid a scan of its whole history on every update).
local function prune(hist, key, first)
  -- An empty stream (lost or removed) holds none of them.
  if not first then first = math.huge end
  if tonumber(string.match(hist, '^(%d+)')) >= first then return hist end
  local kept, dropped = {}, {}
  for r in string.gmatch(hist, '[^,]+') do
    if tonumber(r) >= first then
      kept[#kept + 1] = r
    else
      dropped[#dropped + 1] = 'f' .. r
    end
  end
  for x = 1, #dropped, 1000 do
    redis.call('HDEL', key, unpack(dropped, x, math.min(x + 999, #dropped)))
  end
  if #kept == 0 then return nil end
  return table.concat(kept, ',')
end

-- Trims the feed to its retention (maxlen changes) once it holds over 100
-- more, at most 1,000 a call (as XADD MAXLEN ~ did, by whole stream nodes),
-- and deletes the data fields (f<revision>) of the experts' changes it
-- trims: an expert not written again kept them for good (a review of the
-- layout-3 change: an old phone number in a corrected bio stayed in Redis).
-- Exact (MINID), so that no change is left whose data is gone. The experts'
-- record keys are {p}experts:{id}, {p} from the schema key, as Migrate does.
-- The stream also reaches no further back than the last 2 * maxlen
-- revisions: erased entries do not count in XLEN, so without this it could
-- reach back past the markers that fill their gaps (erase keeps those of
-- that many revisions), and a reader from there met a gap within the
-- retention: OUT_OF_RANGE, "oldest retained" naming a revision the stream
-- held (an API review, --feed_retention=10 with half the experts deleted).
-- Both cuts start at the stream's first entry: the longer list of entries
-- to trim holds the shorter (a review: with only the count's cut, a batch
-- that erased many entries left the stream reaching past the markers).
local function trim_feed()
  local excess = redis.call('XLEN', feed_key) - tonumber(maxlen)
  local old = {}
  if excess > 100 then
    old = redis.call('XRANGE', feed_key, '-', '+', 'COUNT', math.min(excess, 1000))
  end
  local keep_from = last_rev - 2 * tonumber(maxlen) + 1
  local first = oldest_entry()
  if first and first < keep_from then
    local by_revision = redis.call('XRANGE', feed_key, '-',
                                   string.format('%d', keep_from - 1), 'COUNT', 1000)
    if #by_revision > #old then old = by_revision end
  end
  if #old == 0 then return end
  local p = string.sub(KEYS[4], 1, #KEYS[4] - #'schema')
  for _, e in ipairs(old) do
    local f = e[2]
    local t, k, n
    for x = 1, #f, 2 do
      local name = f[x]
      if name == 't' then t = f[x + 1]
      elseif name == 'k' then k = f[x + 1]
      elseif name == 'n' then n = f[x + 1] end
    end
    if k == 'experts' and (t == '11' or t == '12') and n then
      redis.call('HDEL', p .. 'experts:' .. n, 'f' .. string.match(e[1], '^(%d+)'))
    end
  end
  redis.call('XTRIM', feed_key, 'MINID', string.match(old[#old][1], '^(%d+)') .. '-2')
end

-- List-set entries of earlier commits of this batch, not yet written:
-- set key -> {score, id, score, id, ...}, the keys in first-use order, and
-- for each key the commits (their index in the batch) that added to it.
local pending, pending_keys, pending_by = {}, {}, {}

-- Writes the pending entries, one ZADD per set, or more for sets of over
-- 1,000 entries: `unpack` must fit its results on Lua's stack (about 8,000
-- values), and a batch of large commits may defer tens of thousands of
-- entries for one set. A failed ZADD (only corrupt data causes one: a key of
-- another type) makes the reply of every commit that added to that set an
-- error, as an error while writing within the commit would.
local function flush(replies)
  for _, key in ipairs(pending_keys) do
    local list = pending[key]
    for first = 1, #list, 2000 do
      local ok, err = pcall(redis.call, 'ZADD', key,
                            unpack(list, first, math.min(first + 1999, #list)))
      if not ok then
        local message = type(err) == 'table' and err.err or tostring(err)
        for _, c in ipairs(pending_by[key]) do replies[c] = {-1, message} end
        break
      end
    end
  end
  pending, pending_keys, pending_by = {}, {}, {}
end

-- The commit whose arguments start at ARGV[a]; returns its reply and, when
-- it only creates, its list-set entries to add (key, score, id, key, ...).
local function commit(a, replies)
  local req_key, micros = ARGV[a], ARGV[a + 2]
  local fp_key, fp = ARGV[a + 5], ARGV[a + 6]
  if req_key ~= '' then
    local prior = redis.call('GET', req_key)
    if prior then
      -- A write, so that the caller's WAIT (--redis_wait_replicas) covers
      -- the first attempt too (the replication stream is in order), also
      -- where WAIT counts only the connection's own writes. (Redis 7.0 here
      -- waits for the offset after any command: the test passes without.)
      redis.call('PEXPIRE', req_key, ttl)
      return {2, prior, redis.call('GET', fp_key) or ''}
    end
  end
  local np, nm = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local req_result = ARGV[a + 1]
  a = a + 7
  -- Whether this commit only creates (its list-set entries deferred).
  local only_creates = true
  do
    local b = a
    for _ = 1, np do
      local kind = ARGV[b]
      if kind == 's' or kind == 'x' then only_creates = false end
      if kind == 's' then b = b + tonumber(ARGV[b + 2]) end
      b = b + 4
    end
    local keys = {}
    for _ = 1, nm do
      if ARGV[b] ~= '1' or keys[ARGV[b + 1]] then only_creates = false end
      keys[ARGV[b + 1]] = true
      b = b + 8 + tonumber(ARGV[b + 7])
    end
  end
  if not only_creates then flush(replies) end
  for i = 1, np do
    local kind, key = ARGV[a], ARGV[a + 1]
    if kind == 'e' then
      if redis.call('EXISTS', key) == 0 then return {0, 'p', i} end
    elseif kind == 'v' then
      if redis.call('HGET', key, 'r') ~= ARGV[a + 2] then return {0, 'p', i} end
    elseif kind == 's' then
      local n = tonumber(ARGV[a + 2])
      if redis.call('ZCARD', key) ~= n then return {0, 'p', i} end
      for x = a + 4, a + 3 + n do
        if not redis.call('ZSCORE', key, ARGV[x]) then return {0, 'p', i} end
      end
      a = a + n
    elseif redis.call('ZCARD', key) > 0 then
      return {0, 'p', i}
    end
    a = a + 4
  end

  -- Validate the mutations against the state before this commit (as
  -- MemoryStore does), so their order does not matter for validation.
  local mutations = {}
  for j = 1, nm do
    local m = {op = ARGV[a], key = ARGV[a + 1], all = ARGV[a + 2], id = ARGV[a + 3],
               coll = ARGV[a + 4], expected = tonumber(ARGV[a + 5]), data = ARGV[a + 6],
               sets = {}}
    local n = tonumber(ARGV[a + 7])
    for x = 1, n do m.sets[x] = ARGV[a + 7 + x] end
    a = a + 8 + n
    if m.op == '1' then
      if redis.call('EXISTS', m.key) == 1 then return {0, 'm', j, 'exists'} end
    else
      local record = redis.call('HMGET', m.key, 'r', 'i', 'h', 'o')
      if not record[1] then return {0, 'm', j, 'notfound'} end
      if m.expected > 0 and m.expected ~= tonumber(record[1]) then
        return {0, 'm', j, 'aborted'}
      end
      m.old = record[2]
      m.hist = record[3]
      m.position = record[4]
    end
    mutations[j] = m
  end

  -- Apply.
  local adds = {}
  local first = 0
  if nm > 0 then
    local rev = last_rev
    last_rev = last_rev + nm
    first = rev + 1
    local written = {}  -- record key -> its packed index sets after an earlier mutation
    local written_hist = {}  -- record key -> its feed revisions after an earlier one
    for _, m in ipairs(mutations) do
      rev = rev + 1
      local rev_text = string.format('%d', rev)  -- Lua would print 1e+14
      local old = m.old
      if written[m.key] ~= nil then old = written[m.key] end
      -- A create's position is its revision; an update keeps the record's,
      -- unless an earlier mutation of this commit deleted it (as MemoryStore
      -- does), or it has none (only a corrupt store).
      local position = m.position or rev_text
      if written[m.key] == false then position = rev_text end
      if m.op == '3' then m.sets = {} end
      local kept = {}  -- index sets the record stays in
      if old then
        local keep = {}
        for _, x in ipairs(m.sets) do keep[x] = true end
        for _, x in ipairs(cmsgpack.unpack(old)) do
          if keep[x] then kept[x] = true else redis.call('ZREM', x, m.id) end
        end
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
        local packed = cmsgpack.pack(m.sets)
        if m.coll == 'experts' then
          if hist then
            -- The data of the feed entry the record's data belonged to
            -- stays readable, as field f<its revision>, while the stream
            -- holds that entry.
            local first = oldest_entry()
            local cur = redis.call('HMGET', m.key, 'd', 'r')
            if cur[1] and cur[2] and first and tonumber(cur[2]) >= first then
              redis.call('HSET', m.key, 'f' .. cur[2], cur[1])
            end
            hist = prune(hist, m.key, first)
          end
          if hist then hist = hist .. ',' .. rev_text else hist = rev_text end
          redis.call('HSET', m.key, 'd', m.data, 'r', rev_text, 'i', packed, 'o', position,
                     'h', hist)
          written_hist[m.key] = hist
        else
          redis.call('HSET', m.key, 'd', m.data, 'r', rev_text, 'i', packed, 'o', position)
        end
        if only_creates then
          -- Flat: key, score, id, key, score, id, ...
          local n = #adds
          adds[n + 1], adds[n + 2], adds[n + 3] = m.all, position, m.id
          n = n + 3
          for _, x in ipairs(m.sets) do
            adds[n + 1], adds[n + 2], adds[n + 3] = x, position, m.id
            n = n + 3
          end
        else
          -- For an update a no-op (the same score), unless an earlier
          -- mutation of this commit deleted the record.
          redis.call('ZADD', m.all, position, m.id)
          for _, x in ipairs(m.sets) do
            if not kept[x] then redis.call('ZADD', x, position, m.id) end
          end
        end
        written[m.key] = packed
      end
      if m.coll == 'experts' and m.op ~= '3' then
        -- No data: ReadFeed reads it from the record (see Erasure above).
        -- The type is 10 more ("11" create, "12" update), which registries
        -- of layout 2 refuse as corrupt (an error on their change feed)
        -- instead of serving an expert without data.
        redis.call('XADD', feed_key, rev_text .. '-1',
                   't', '1' .. m.op, 'k', m.coll, 'n', m.id, 'c', micros)
      else
        redis.call('XADD', feed_key, rev_text .. '-1',
                   't', m.op, 'k', m.coll, 'n', m.id, 'd', m.data, 'c', micros)
      end
    end
  end
  if req_key ~= '' then
    redis.call('SET', req_key, req_result, 'PX', ttl)
    if fp ~= '' then redis.call('SET', fp_key, fp, 'PX', ttl) end
  end
  return {1, first}, adds
end

migrate(KEYS[4])
local replies = {}
local a = 4
for c = 1, tonumber(ARGV[3]) do
  -- pcall: a Redis error in one commit is that commit's reply, not the
  -- batch's. (Validation errors come before any write; an error while writing,
  -- which only corrupt data causes, leaves that commit partly applied.)
  local ok, reply, adds = pcall(commit, a + 1, replies)
  if not ok then
    reply = {-1, type(reply) == 'table' and reply.err or tostring(reply)}
  elseif adds then
    for x = 1, #adds, 3 do
      local key = adds[x]
      local list = pending[key]
      if not list then
        list = {}
        pending[key] = list
        pending_keys[#pending_keys + 1] = key
        pending_by[key] = {}
      end
      list[#list + 1] = adds[x + 1]
      list[#list + 1] = adds[x + 2]
      local by = pending_by[key]
      if by[#by] ~= c then by[#by + 1] = c end
    end
  end
  replies[c] = reply
  a = a + 1 + tonumber(ARGV[a])
end
flush(replies)
if last_rev ~= start_rev then
  redis.call('SET', rev_key, string.format('%d', last_rev))
end
pcall(trim_feed)  -- an error here (only corrupt data) waits for the next call
return replies
)lua";

// List: one page of ids from a list set (all ids, or an index set), in
// position order, with their records.
// KEYS: 1 list set, 2 revision counter, 3 schema (Migrate).
// ARGV: 1 record key prefix, 2 ZRANGEBYSCORE min, 3 limit.
// Reply: {revision, more (0|1), id, position, data, record revision, id,
//   ...}; data and record revision are nil for an id without a record
//   (corrupt store).
constexpr absl::string_view kListSource = R"lua(
migrate(KEYS[3])
local limit = tonumber(ARGV[3])
local call, prefix = redis.call, ARGV[1]
local members = call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '+inf', 'WITHSCORES', 'LIMIT', 0,
                     limit + 1)
local out = {call('GET', KEYS[2]) or '0', 0}
if #members > 2 * limit then out[2] = 1 end
local n = 2
for j = 1, math.min(#members / 2, limit) do
  local id = members[2 * j - 1]
  local record = call('HMGET', prefix .. id, 'd', 'r')
  out[n + 1] = id
  out[n + 2] = members[2 * j]
  out[n + 3] = record[1]
  out[n + 4] = record[2]
  n = n + 4
end
return out
)lua";

// Read feed: entries and the revision, atomically, so an empty range can be
// told apart from a trimmed one. An expert's create or update entry without
// data (layout 3, see Erasure above: type "11" or "12", returned as "1" or
// "2") gets it from the expert's record: its field d when the record is at
// that revision, else f<revision>; one whose data is gone gets the field x
// instead: it is served as REDACTED.
// KEYS: 1 feed, 2 revision counter, 3 redacted set. ARGV: 1 first entry ID,
// 2 COUNT, 3 the experts' record key prefix (RecordKeyPrefix).
// Reply: {revision, XRANGE reply, redacted markers in the range}.
constexpr absl::string_view kReadFeedSource = R"lua(
local rev = redis.call('GET', KEYS[2]) or '0'
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
for _, e in ipairs(entries) do
  local f = e[2]
  local t, at, k, n
  for x = 1, #f, 2 do
    local name = f[x]
    if name == 't' then t, at = f[x + 1], x + 1
    elseif name == 'k' then k = f[x + 1]
    elseif name == 'n' then n = f[x + 1] end
  end
  if k == 'experts' and (t == '11' or t == '12') and n then
    f[at] = string.sub(t, 2)
    local r = string.match(e[1], '^(%d+)')
    local key = ARGV[3] .. n
    local cur = redis.call('HMGET', key, 'r', 'd')
    local data
    if cur[1] == r then data = cur[2] else data = redis.call('HGET', key, 'f' .. r) end
    if data then
      f[#f + 1], f[#f + 2] = 'd', data
    else
      f[#f + 1], f[#f + 2] = 'x', '1'
    end
  end
end
local first = string.match(ARGV[1], '^(%d+)')
local last = rev
if #entries == tonumber(ARGV[2]) then
  last = string.match(entries[#entries][1], '^(%d+)')
end
return {rev, entries,
        redis.call('ZRANGEBYSCORE', KEYS[3], first, last, 'LIMIT', 0, ARGV[2])}
)lua";

// `text` as a Lua string literal: decimal escapes for all but letters and
// digits (Lua 5.1 has no \x escapes).
std::string LuaQuoted(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (absl::ascii_isalnum(c)) {
      out += c;
    } else {
      absl::StrAppend(&out, "\\", static_cast<unsigned char>(c));
    }
  }
  return out + "\"";
}

}  // namespace

LuaScript::LuaScript(absl::string_view source)
    : source_(source), sha1_(Sha1Hex(source)) {}

std::string FoldTermLua() {
  std::string map = "{";
  char utf8[4];
  for (char32_t cp = 0x80; cp <= 0x10FFFF; ++cp) {
    if (cp == 0xD800) cp = 0xE000;  // no surrogates in UTF-8
    const absl::string_view text(utf8, EncodeUtf8(cp, utf8));
    const std::string folded = FoldTerm(text);
    if (folded == text) continue;
    absl::StrAppend(&map, "[", LuaQuoted(text), "]=", LuaQuoted(folded), ",");
  }
  map += "}";
  return absl::StrReplaceAll(kFoldSource, {{"$MAP", map}});
}

// Migrate's source, then `source`.
std::string WithMigrate(absl::string_view source) {
  std::string collections;
  for (Kind kind : kAllKinds) {
    absl::StrAppend(&collections, collections.empty() ? "" : ", ", "'",
                    KindCollection(kind), "'");
  }
  return absl::StrCat(absl::StrReplaceAll(kMigrateSource, {{"$COLLECTIONS", collections},
                                                           {"$LAYOUT", kLayout},
                                                           {"$FOLD", FoldTermLua()}}),
                      source);
}

const LuaScript& CommitScript() {
  static const LuaScript* const script = new LuaScript(WithMigrate(kCommitSource));
  return *script;
}

const LuaScript& ListScript() {
  static const LuaScript* const script = new LuaScript(WithMigrate(kListSource));
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
