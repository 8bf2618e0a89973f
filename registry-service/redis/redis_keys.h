// Every Redis key, sorted-set member and hash/stream field RedisStore uses,
// made in this one file, like leveldb's db/filename.h. All keys start with a
// configurable prefix (default "ss:"), so several registries can share one
// Redis database.
//
// Layout, with {p} the prefix:
//   {p}{collection}:{id}  hash, one record: d = serialized data, r = revision
//                         of its last change (decimal), o = its list position
//                         (decimal), i = the keys of the record's index sets
//                         (a Lua cmsgpack array), so that a later update or
//                         delete can remove it from exactly those. Experts
//                         also: h = the revisions of their feed entries
//                         ("3,7,12"), f<revision> = the data of each of
//                         those the stream holds, but the last (that is d).
//   {p}all:{collection}   sorted set of every id of the collection, scored by
//                         the record's list position (its create revision):
//                         ZRANGEBYSCORE from "(" + after pages in list order.
//   {p}ix:{collection}:{field}={value}
//                         sorted set of the ids of the records with that
//                         index entry, scored likewise (one set per index
//                         value, so that adding a record appends to short
//                         sets instead of inserting into one big
//                         lexicographic set: sessions 3-6 of bench/RESULTS.md).
//                         The field is escaped ('%' -> "%25", '=' -> "%3D");
//                         the value is kept as it is (the first '=' ends the
//                         field).
//   {p}rev                string, the latest committed revision (INCRBY).
//   {p}feed               stream, one entry per change with entry ID
//                         "<revision>-1"; fields t = ChangeType number,
//                         k = collection, n = id, d = data (empty on delete;
//                         none for experts since layout 3: their record holds
//                         it, so that deleting the record erases it),
//                         c = commit time (Unix microseconds).
//   {p}req:{request_id}   string with a TTL: a commit's request_result, for
//                         request_id replay.
//   {p}reqfp:{request_id} string with the same TTL: the commit's
//                         request_fingerprint, when it has one (registries
//                         before 2026-12-01 wrote none and ignore it).
//   {p}schema             string "4": this layout. Layout 3 (registries before
//                         2026-12-03) lower-cased theme and skill index
//                         values in ASCII only; this layout folds case and
//                         accents (common/text_fold.h). Layout 2 (registries
//                         before 2026-12-02) also wrote experts' data into
//                         their feed entries; its entries stay readable.
//                         Layout 1 (registries before
//                         2026-11-30) had no field o, scored every list set 0
//                         (id order) and kept all index entries of a
//                         collection in one set {p}ix:{collection}, members
//                         esc(field) \0 esc(value) \0 id (esc: \x01 ->
//                         \x01\x02, \0 -> \x01\x01). The scripts convert an
//                         earlier layout's database before their first read
//                         or write (redis_scripts.cc, Migrate). Any other value is a
//                         later layout: this registry then neither commits
//                         nor lists (UNAVAILABLE, reason
//                         DATABASE_LAYOUT_UNKNOWN) and its health check says
//                         NOT_SERVING; Gets and the change feed still read.
//                         (A key of another type fails the scripts with
//                         WRONGTYPE: INTERNAL, health unaffected.)
//
// Collections are fixed words other than "all", "ix", "rev", "feed", "req"
// and "schema", so no two keys collide whatever bytes ids and request ids
// hold, and escaping keeps index sets apart whatever bytes fields and values
// hold.
//
// The Lua scripts (redis_scripts.cc) get every key and range from here; for
// records, whose ids they read from a sorted set, they append the id to
// RecordKeyPrefix(). They use the hash and stream field names below literally.
// The exceptions: Migrate, which rebuilds both layouts' keys in Lua from the
// prefix (its part of this description must stay in step with Index()), and
// the Commit script's trim_feed, which makes experts' record keys from it.
//
// Thread-safety: immutable after construction; safe to share across threads.
//
// Example:
//   RedisKeys keys("ss:");
//   keys.Record(Kind::kExpert, "jan");   // "ss:experts:jan"
//   keys.Index(Kind::kExpert, {"organisation", "bzk"});
//                                        // "ss:ix:experts:organisation=bzk"
#ifndef SAMENSPEL_REGISTRY_REDIS_REDIS_KEYS_H_
#define SAMENSPEL_REGISTRY_REDIS_REDIS_KEYS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "registry-service/core/store.h"

namespace samenspel::registry {

// Record hash fields.
inline constexpr absl::string_view kRecordDataField = "d";
inline constexpr absl::string_view kRecordRevisionField = "r";
inline constexpr absl::string_view kRecordIndexesField = "i";
inline constexpr absl::string_view kRecordPositionField = "o";

// Feed entry fields.
inline constexpr absl::string_view kFeedTypeField = "t";
inline constexpr absl::string_view kFeedKindField = "k";
inline constexpr absl::string_view kFeedIdField = "n";
inline constexpr absl::string_view kFeedDataField = "d";
inline constexpr absl::string_view kFeedCommitTimeField = "c";
// Added by the ReadFeed script (never stored) to an expert's entry whose data
// is gone: served as REDACTED.
inline constexpr absl::string_view kFeedDataGoneField = "x";

// The value of {p}schema for this layout.
inline constexpr absl::string_view kLayout = "4";

// Access token hash fields and the audit stream's entry field.
inline constexpr absl::string_view kTokenHashField = "h";
inline constexpr absl::string_view kTokenDataField = "d";
// The organisation's create_time when the token was issued (absent for
// tokens issued before 2026-12-01).
inline constexpr absl::string_view kTokenOrganisationField = "o";
inline constexpr absl::string_view kAuditEventField = "e";

class RedisKeys {
 public:
  explicit RedisKeys(std::string prefix = "ss:");

  const std::string& prefix() const { return prefix_; }

  // "{p}{collection}:{id}".
  std::string Record(Kind kind, absl::string_view id) const;
  // "{p}{collection}:": Record(kind, id) is this followed by id.
  std::string RecordKeyPrefix(Kind kind) const;
  // "{p}all:{collection}".
  std::string AllIds(Kind kind) const;
  // "{p}ix:{collection}:{escaped field}={value}".
  std::string Index(Kind kind, const IndexEntry& entry) const;
  // "{p}rev".
  std::string Revision() const;
  // "{p}feed".
  std::string Feed() const;
  // "{p}schema".
  std::string Schema() const;
  // "{p}redacted": sorted set of erased feed entries (score: revision;
  // member "<revision>\n<collection>\n<id>\n<commit micros>").
  std::string Redacted() const;
  // "{p}req:{request_id}".
  std::string Request(absl::string_view request_id) const;
  // "{p}reqfp:{request_id}".
  std::string RequestFingerprint(absl::string_view request_id) const;
  // "{p}token:{id}": hash of an access token (kTokenHashField, kTokenDataField,
  // kTokenOrganisationField).
  std::string Token(absl::string_view id) const;
  // "{p}tokens": sorted set of every token id (score 0, ordered by id).
  std::string TokenIds() const;
  // "{p}audit": stream of audit events, each a field kAuditEventField
  // (repeated: an entry holds up to 100 events, oldest first).
  std::string Audit() const;

 private:
  const std::string prefix_;
};

// The ZRANGEBYSCORE minimum for the records after `after_position` (0: all).
std::string PositionsAfter(int64_t after_position);

// The feed entry ID of a revision: "<revision>-1".
std::string FeedEntryId(int64_t revision);
// The smallest entry ID of a revision: "<revision>-0", for XRANGE starts.
std::string FeedRangeStart(int64_t revision);
// The revision of a feed entry ID; false unless `entry_id` is "<revision>-1"
// with revision > 0.
bool ParseFeedEntryId(absl::string_view entry_id, int64_t* revision);

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_REDIS_REDIS_KEYS_H_
