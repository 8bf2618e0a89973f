// The registry's storage interface, with the error contract every
// implementation keeps (RedisStore in registry-service/redis, MemoryStore
// here). The same conformance suite (tests/registry/store_conformance_test.cc)
// runs against both.
//
// A record is an opaque serialized resource plus the store-owned revision of
// its last change and its secondary index entries. Every write goes through
// Commit(), which applies all its mutations, their index entries and one
// change-feed entry per mutation atomically: all of it or none.
//
// Example:
//   CommitRequest req;
//   req.mutations.push_back({Mutation::Op::kCreate, Kind::kExpert, "jan",
//                            /*expected_revision=*/0, data,
//                            {{"organisation", "bzk"}}});
//   req.preconditions.push_back(Precondition::Exists(
//       Kind::kOrganisation, "bzk", "expert.organisation"));
//   absl::StatusOr<CommitResult> r = store.Commit(req);
#ifndef SAMENSPEL_REGISTRY_CORE_STORE_H_
#define SAMENSPEL_REGISTRY_CORE_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace samenspel::registry {

// The ErrorInfo reason of a store's UNAVAILABLE whose command went to the
// database and got no answer in time: it may have run all the same (an API
// review: a create answered UNAVAILABLE existed once Redis woke), so a write
// so answered may have been applied, unlike one refused at once.
inline constexpr absl::string_view kTimedOutReason = "REDIS_TIMED_OUT";
// ... and of one refused at once, without going to the database, because
// commands to it have timed out and it has not answered since: not applied.
inline constexpr absl::string_view kNotAnsweringReason = "REDIS_NOT_ANSWERING";

// The kinds of resource the registry stores.
enum class Kind { kOrganisation = 0, kExpert = 1, kTeam = 2, kChallenge = 3 };
inline constexpr Kind kAllKinds[] = {Kind::kOrganisation, Kind::kExpert, Kind::kTeam,
                                     Kind::kChallenge};

// "organisations", "experts", "teams", "challenges": the resource name's
// collection, also used in storage keys.
absl::string_view KindCollection(Kind kind);
// The inverse of KindCollection; nullopt for an unknown collection.
std::optional<Kind> KindFromCollection(absl::string_view collection);
// "experts/jan": the resource name of a record.
std::string ResourceName(Kind kind, absl::string_view id);

// A secondary index entry: "records of this kind whose `field` is `value`".
// Values are compared exactly; callers normalise them (lower-case themes).
struct IndexEntry {
  std::string field;
  std::string value;
  friend bool operator==(const IndexEntry&, const IndexEntry&) = default;
};

struct StoredRecord {
  Kind kind = Kind::kOrganisation;
  std::string id;
  // The serialized resource, without its output-only revision and etag.
  std::string data;
  // The feed revision of the record's last change; > 0.
  int64_t revision = 0;
  // Its place in list order (set in List results; Get may leave it 0):
  // fixed when the record is created (its create revision) and kept until it
  // is deleted, so paging by it while others write returns every record that
  // existed throughout the scan exactly once. Unique within a kind.
  int64_t position = 0;
};

struct Mutation {
  enum class Op { kCreate, kUpdate, kDelete };
  Op op = Op::kCreate;
  Kind kind = Kind::kOrganisation;
  std::string id;
  // Update and delete: if > 0, the record's current revision must equal it.
  int64_t expected_revision = 0;
  // Create and update: the new serialized resource.
  std::string data;
  // Create and update: the record's index entries; they replace the old ones.
  std::vector<IndexEntry> indexes;
};

// A condition checked atomically with the mutations of a Commit.
struct Precondition {
  enum class Type { kExists, kIndexEmpty, kAtRevision, kIndexExactly };
  Type type = Type::kExists;
  Kind kind = Kind::kOrganisation;
  // kExists: the record that must exist; kAtRevision: the record that must
  // exist at exactly `revision` (unchanged since it was read).
  std::string id;
  int64_t revision = 0;
  // kIndexEmpty: the index that must have no entries; kIndexExactly: the
  // index that must hold exactly the records `ids` (sorted), as listed when
  // the request was prepared.
  IndexEntry index;
  std::vector<std::string> ids;
  // kExists failures are INVALID_ARGUMENT naming this request field;
  // kIndexEmpty failures are FAILED_PRECONDITION with this as description;
  // kAtRevision and kIndexExactly failures are ABORTED (reason
  // CHANGED_MEANWHILE), for the caller to read again and retry.
  std::string field_or_reason;

  static Precondition Exists(Kind kind, std::string id, std::string field);
  static Precondition IndexEmpty(Kind kind, IndexEntry index, std::string reason);
  static Precondition AtRevision(Kind kind, std::string id, int64_t revision);
  // `ids` in any order.
  static Precondition IndexExactly(Kind kind, IndexEntry index,
                                   std::vector<std::string> ids);

  // The error every Store returns when this precondition fails.
  absl::Status FailureStatus() const;
};

// The errors every Store returns for a failed mutation (with details).
absl::Status MutationFailure(const Mutation& m, absl::StatusCode code);
// What every Store returns for a CommitRequest::replay_only that finds no
// earlier request (NOT_FOUND).
absl::Status NoEarlierRequest();

struct CommitRequest {
  std::vector<Mutation> mutations;
  std::vector<Precondition> preconditions;
  // Optional idempotency key (callers scope it, e.g. "CreateExpert/<id>").
  // If a commit with the same key succeeded within the retention window,
  // nothing is written and the first commit's `request_result` is returned.
  std::string request_id;
  // Stored under request_id; callers put what they need to answer a retry.
  std::string request_result;
  // Optional, stored beside request_result: what tells a retry of this
  // request from another request under the same request_id.
  std::string request_fingerprint;
  // Only looks request_id up: the earlier request's result when there was
  // one (replayed), else NOT_FOUND (NoEarlierRequest); nothing is written
  // either way, and preconditions are not checked. For a create that can no
  // longer be planned (a record it refers to is gone) but may be a retry of
  // one that was. REQUIRES: request_id set, no mutations.
  bool replay_only = false;
  // Recorded in every change-feed entry of this commit.
  absl::Time commit_time;
  // Optional: asked once more just before the commit is sent (after it
  // waited for its turn); when it returns true, nothing is written and the
  // commit fails CANCELLED. For a caller that may give up meanwhile (its
  // client's deadline, say). Called on any thread; must not block.
  std::function<bool()> abandoned;

  // CANCELLED when `abandoned` says so.
  absl::Status CheckAbandoned() const;
};

struct CommitResult {
  // The feed revision of each mutation, in order (consecutive).
  std::vector<int64_t> revisions;
  // True when request_id was seen before; then nothing was written,
  // `revisions` is empty and `request_result` holds the first result.
  bool replayed = false;
  std::string request_result;
  // With replayed: the first commit's request_fingerprint ("" when it had
  // none, or was stored by a registry before 2026-12-01).
  std::string request_fingerprint;
};

struct ListRequest {
  Kind kind = Kind::kOrganisation;
  // Only records with this index entry; all records of `kind` when empty.
  std::optional<IndexEntry> index;
  // Only records whose position is greater than this (keyset pagination:
  // the last position of the previous page; 0 for the first).
  int64_t after_position = 0;
  // At most this many records; > 0.
  int limit = 50;
};

struct ListResult {
  // In list order (position ascending: the order they were created in).
  std::vector<StoredRecord> records;
  // True when records with a greater position may follow.
  bool more = false;
  // The feed revision the page is consistent with.
  int64_t revision = 0;
};

// kRedacted: an earlier change of an expert who was deleted since (see
// Store::Commit on erasure); it carries no data.
enum class ChangeType { kCreated = 1, kUpdated = 2, kDeleted = 3, kRedacted = 4 };

struct StoredChange {
  int64_t revision = 0;
  ChangeType type = ChangeType::kCreated;
  Kind kind = Kind::kOrganisation;
  std::string id;
  // The serialized resource after the change; empty on kDeleted.
  std::string data;
  absl::Time commit_time;
};

// Thread-safe: every method may be called from any thread concurrently.
//
// Error contract, for every method: UNAVAILABLE when the backing store cannot
// be reached or did not answer in time (nothing was written, or for Commit:
// it is unknown only if the connection broke after sending; implementations
// document that case); INTERNAL for corrupt data.
class Store {
 public:
  virtual ~Store() = default;

  // NOT_FOUND when absent.
  virtual absl::StatusOr<StoredRecord> Get(Kind kind, absl::string_view id) = 0;

  // Get answered through `done`, with what Get would return, on this thread
  // or another, possibly before GetAsync returns. `done` must not block.
  // This default calls Get (it blocks); RedisStore answers at once from its
  // cache, returns at once when it queues the read, or keeps its caller to
  // send a batch of reads and answer them (redis_store.h).
  using GetCallback = absl::AnyInvocable<void(absl::StatusOr<StoredRecord>) &&>;
  virtual void GetAsync(Kind kind, absl::string_view id, GetCallback done) {
    std::move(done)(Get(kind, id));
  }

  // One page of records in list order (StoredRecord::position), consistent
  // with one feed revision.
  // REQUIRES: request.limit > 0 (else INVALID_ARGUMENT).
  // A full scan while others write returns every record that existed
  // throughout the scan exactly once.
  virtual absl::StatusOr<ListResult> List(const ListRequest& request) = 0;

  // How many records of `kind` have the index entry `index` now: a list
  // with several filters goes by the one that holds fewest. UNIMPLEMENTED
  // when the store cannot tell cheaply (the list then goes by the first).
  virtual absl::StatusOr<int64_t> CountIndexed(Kind /*kind*/,
                                               const IndexEntry& /*index*/) {
    return absl::UnimplementedError("CountIndexed");
  }

  // Applies every mutation or none. Preconditions, existence and expected
  // revisions are all checked against the state before the commit (so
  // [create X, update X] in one commit is NOT_FOUND). Errors (nothing is
  // written):
  //   ALREADY_EXISTS  a kCreate's record exists;
  //   NOT_FOUND       a kUpdate's or kDelete's record is absent;
  //   ABORTED         an expected_revision differs from the current one, or
  //                   a kAtRevision precondition failed;
  //   INVALID_ARGUMENT a kExists precondition failed (field detail);
  //   FAILED_PRECONDITION a kIndexEmpty precondition failed.
  //
  // Erasure (AVG/GDPR): deleting a record of Kind::kExpert also redacts every
  // earlier feed entry of that record, in the same atomic commit: from then on
  // ReadChanges returns them as kRedacted, without data (revision, kind, id
  // and commit_time stay, so the feed still has no gaps). Nothing of the
  // person's data is left in the store.
  virtual absl::StatusOr<CommitResult> Commit(const CommitRequest& request) = 0;

  // Commit answered through `done`, with what Commit would return, on this
  // thread or another, possibly before CommitAsync returns. `done` must not
  // block. This default calls Commit (it blocks); RedisStore returns at once
  // when it queues the commit, or keeps its caller to send a batch of
  // commits and answer them (redis_store.h).
  using CommitCallback = absl::AnyInvocable<void(absl::StatusOr<CommitResult>) &&>;
  virtual void CommitAsync(CommitRequest request, CommitCallback done) {
    std::move(done)(Commit(request));
  }

  // Up to `max` changes with revision > after_revision, in revision order,
  // without gaps. When there are none yet, waits up to `wait` for one and
  // returns an empty vector if none came. OUT_OF_RANGE when changes after
  // after_revision are no longer retained; after_revision 0 starts at the
  // oldest change retained (the feed's start, as WatchChanges promises).
  // REQUIRES: max > 0,
  // after_revision >= 0 (else INVALID_ARGUMENT).
  virtual absl::StatusOr<std::vector<StoredChange>> ReadChanges(int64_t after_revision,
                                                                int max,
                                                                absl::Duration wait) = 0;

  // The revision of the latest committed change (0 for an empty store).
  virtual absl::StatusOr<int64_t> CurrentRevision() = 0;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_STORE_H_
