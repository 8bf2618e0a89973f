#include "registry-service/core/registry.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/text_fold.h"
#include "common/utf8.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "openssl/sha.h"
#include "registry-service/core/names.h"
#include "registry-service/core/page_token.h"
#include "registry-service/core/validation.h"
#include "registry-service/core/wire_record.h"

namespace samenspel::registry {
namespace {

using google::protobuf::FieldMask;
using google::protobuf::util::FieldMaskUtil;
using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

// Whether the top-level field that violation path `path` (prefix "." field
// ...) names holds the same in `a` and `b`.
bool UnchangedField(const google::protobuf::Message& a,
                    const google::protobuf::Message& b, absl::string_view prefix,
                    absl::string_view path) {
  if (!absl::ConsumePrefix(&path, prefix) || !absl::ConsumePrefix(&path, "."))
    return false;
  const std::string name(path.substr(0, path.find_first_of("[.")));
  const google::protobuf::FieldDescriptor* field =
      a.GetDescriptor()->FindFieldByName(name);
  if (field == nullptr) return false;
  return google::protobuf::util::MessageDifferencer().CompareWithFields(a, b, {field},
                                                                        {field});
}

// A theme or skill as its index keeps it: case and accents folded
// (common/text_fold.h), so "Één overheid" and "een overheid" are one index
// value. The Redis store's Migrate folds older layouts' values the same way.
std::string TermKey(absl::string_view s) { return FoldTerm(s); }

// The id part of a reference already checked by validation.
std::string IdOf(absl::string_view name) {
  return std::string(name.substr(name.find('/') + 1));
}

}  // namespace

// Organisations as last read by this registry, shared by its requests: an
// expert's create needs its organisation (for the layer), and organisations
// change rarely. A commit that relies on an entry carries a
// Precondition::AtRevision for it, so a stale entry costs one retry, never a
// wrong write. Thread-safe.
class OrganisationCache {
 public:
  std::optional<StoredRecord> Find(const std::string& id) const {
    absl::MutexLock lock(&mu_);
    auto it = records_.find(id);
    if (it == records_.end()) return std::nullopt;
    return it->second;
  }
  void Put(const StoredRecord& record) {
    absl::MutexLock lock(&mu_);
    if (records_.size() >= kMaxEntries) records_.clear();
    records_.insert_or_assign(record.id, record);
  }
  void Forget(const std::string& id) {
    absl::MutexLock lock(&mu_);
    records_.erase(id);
  }

 private:
  static constexpr size_t kMaxEntries = 10000;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, StoredRecord> records_ ABSL_GUARDED_BY(mu_);
};

namespace {

// The reads of one request. Organisations are kept: a batch of experts names
// few of them. With a registry's OrganisationCache, organisations come from
// it when they can (see Organisation()). Not thread-safe; one per request.
class Reads {
 public:
  explicit Reads(Store* store, OrganisationCache* cache = nullptr)
      : store_(store), cache_(cache), lookups_(cache != nullptr) {}
  Store* store() const { return store_; }
  // A commit that relies on the answer (from the store, or from the shared
  // cache) carries a Precondition::AtRevision for it.
  absl::StatusOr<StoredRecord> Organisation(const std::string& id) {
    if (auto seeded = seeded_.find(id); seeded != seeded_.end()) return seeded->second;
    auto it = organisations_.find(id);
    if (it != organisations_.end()) return it->second.first;
    if (std::optional<StoredRecord> hit = FromCache(id)) return *std::move(hit);
    absl::StatusOr<StoredRecord> rec = store_->Get(Kind::kOrganisation, id);
    if (rec.ok()) {
      organisations_.emplace(id, std::make_pair(*rec, false));
      if (cache_ != nullptr) cache_->Put(*rec);
    }
    return rec;
  }
  // What Organisation(id) answers, read ahead (an error too); a record
  // read also goes into the shared cache.
  void Seed(const std::string& id, absl::StatusOr<StoredRecord> rec) {
    if (rec.ok() && cache_ != nullptr) cache_->Put(*rec);
    seeded_.insert_or_assign(id, std::move(rec));
  }
  // The organisation `id` from the shared cache, if it is there and this
  // request may still use it; Organisation(id) then answers the same.
  std::optional<StoredRecord> FromCache(const std::string& id) {
    if (!lookups_) return std::nullopt;
    std::optional<StoredRecord> hit = cache_->Find(id);
    if (hit.has_value()) organisations_.insert_or_assign(id, std::make_pair(*hit, true));
    return hit;
  }
  // After a commit failed because a record read had changed since: forgets
  // every read (and what came from the cache, there too), and reads the
  // store from now on (what it reads refreshes the cache).
  void DropReads() {
    for (const auto& [id, read] : organisations_) {
      if (read.second) cache_->Forget(id);
    }
    organisations_.clear();
    seeded_.clear();
    lookups_ = false;
  }

 private:
  Store* const store_;
  OrganisationCache* const cache_;  // may be null
  bool lookups_;                    // whether reads may come from cache_
  std::map<std::string, absl::StatusOr<StoredRecord>> seeded_;
  // -> (record, whether it came from the shared cache)
  std::map<std::string, std::pair<StoredRecord, bool>> organisations_;
};

// Per-resource rules. Each specialisation provides:
//   kKind, kField          the kind and the request field name ("expert");
//   Validate(r, prefix, v) field validation;
//   Indexes(r)             secondary index entries (also used as list filters);
//   Prepare(reads, old, r, prefix, req)  derived fields, preconditions and
//                          dependent mutations of a create (old == nullptr)
//                          or update;
//   OnDelete(store, r, req) preconditions and dependent mutations of a delete.
template <typename R>
struct Traits;

// Appends update mutations for every record of `kind` in `index`, changed by
// `edit` (which returns false to leave a record alone).
template <typename R, typename Edit>
absl::Status RewriteIndexed(Store* store, Kind kind, const IndexEntry& index, Edit edit,
                            CommitRequest& req);

template <>
struct Traits<v1::Organisation> {
  using R = v1::Organisation;
  static constexpr Kind kKind = Kind::kOrganisation;
  static constexpr absl::string_view kField = "organisation";
  static constexpr std::array<absl::string_view, 0> kOutputOnly{};
  static const std::string& Owner(const R& r) { return r.name(); }

  static void Validate(const R& r, absl::string_view prefix, FieldViolations& v) {
    ValidateOrganisation(r, prefix, v);
  }
  static std::vector<IndexEntry> Indexes(const R& r) {
    std::vector<IndexEntry> out{{"layer", absl::StrCat(r.layer())}};
    for (const auto& code : r.region_codes()) out.push_back({"region", code});
    // Client certificates name their organisation by OIN.
    if (!r.oin().empty()) out.push_back({"oin", r.oin()});
    return out;
  }
  static absl::Status Prepare(Reads& reads, const R* old, R& r, absl::string_view,
                              CommitRequest& req);
  // What keeps an organisation from being deleted: records of its own.
  struct Blocker {
    Kind kind;
    absl::string_view index;
    absl::string_view what;  // "the organisation still has experts"
    absl::string_view fix;   // "delete or move them first"
  };
  static constexpr std::array<Blocker, 3> kBlockers{{
      {Kind::kExpert, "organisation", "the organisation still has experts",
       "delete or move them first"},
      {Kind::kTeam, "owner", "the organisation still owns task teams",
       "delete or transfer them first"},
      {Kind::kChallenge, "owner", "the organisation still owns challenges",
       "delete or transfer them first"},
  }};
  static absl::Status OnDelete(Store*, const R& r, CommitRequest& req) {
    const std::string id = IdOf(r.name());
    for (const Blocker& b : kBlockers) {
      req.preconditions.push_back(Precondition::IndexEmpty(
          b.kind, {std::string(b.index), id}, absl::StrCat(b.what, "; ", b.fix)));
    }
    return absl::OkStatus();
  }
};

template <>
struct Traits<v1::Expert> {
  using R = v1::Expert;
  static constexpr Kind kKind = Kind::kExpert;
  static constexpr absl::string_view kField = "expert";
  static constexpr std::array<absl::string_view, 1> kOutputOnly{"layer"};
  static const std::string& Owner(const R& r) { return r.organisation(); }

  static void Validate(const R& r, absl::string_view prefix, FieldViolations& v) {
    ValidateExpert(r, prefix, v);
  }
  static std::vector<IndexEntry> Indexes(const R& r) {
    std::vector<IndexEntry> out{{"organisation", IdOf(r.organisation())},
                                {"layer", absl::StrCat(r.layer())}};
    for (const auto& t : r.themes()) out.push_back({"theme", TermKey(t)});
    for (const auto& s : r.skills()) out.push_back({"skill", TermKey(s.name())});
    for (const auto& code : r.region_codes()) out.push_back({"region", code});
    return out;
  }
  // Sets the output-only layer from the organisation, which must exist.
  static absl::Status Prepare(Reads& reads, const R*, R& r, absl::string_view prefix,
                              CommitRequest& req) {
    const std::string field = absl::StrCat(prefix, ".organisation");
    const std::string org_id = IdOf(r.organisation());
    absl::StatusOr<StoredRecord> org = reads.Organisation(org_id);
    if (absl::IsNotFound(org.status())) {
      return InvalidField(field, absl::StrCat(r.organisation(), " does not exist"));
    }
    SAMENSPEL_RETURN_IF_ERROR(org.status());
    v1::Organisation o;
    if (!o.ParseFromString(org->data)) return absl::InternalError("corrupt organisation");
    r.set_layer(o.layer());
    // The organisation must still be as read when the commit runs: its
    // layer is copied (an update of its layer rewrites its experts' in the
    // same commit, which would miss this one).
    req.preconditions.push_back(
        Precondition::AtRevision(Kind::kOrganisation, org_id, org->revision));
    return absl::OkStatus();
  }
  // Removes the expert from every team, in the same commit.
  static absl::Status OnDelete(Store* store, const R& r, CommitRequest& req) {
    const std::string name = r.name();
    return RewriteIndexed<v1::TaskTeam>(
        store, Kind::kTeam, {"member", IdOf(name)},
        [&](v1::TaskTeam& team) {
          auto* members = team.mutable_members();
          for (int i = 0; i < members->size(); ++i) {
            if (members->Get(i).expert() == name) {
              members->DeleteSubrange(i, 1);
              return true;
            }
          }
          return false;
        },
        req);
  }
};

template <>
struct Traits<v1::TaskTeam> {
  using R = v1::TaskTeam;
  static constexpr Kind kKind = Kind::kTeam;
  static constexpr absl::string_view kField = "team";
  static constexpr std::array<absl::string_view, 0> kOutputOnly{};
  static const std::string& Owner(const R& r) { return r.owner_organisation(); }

  static void Validate(const R& r, absl::string_view prefix, FieldViolations& v) {
    ValidateTeam(r, prefix, v);
  }
  static std::vector<IndexEntry> Indexes(const R& r) {
    std::vector<IndexEntry> out{{"owner", IdOf(r.owner_organisation())},
                                {"state", absl::StrCat(r.state())}};
    for (const auto& t : r.themes()) out.push_back({"theme", TermKey(t)});
    for (const auto& m : r.members()) out.push_back({"member", IdOf(m.expert())});
    return out;
  }
  static absl::Status Prepare(Reads&, const R*, R& r, absl::string_view prefix,
                              CommitRequest& req) {
    if (r.state() == v1::TaskTeam::STATE_UNSPECIFIED) r.set_state(v1::TaskTeam::FORMING);
    req.preconditions.push_back(
        Precondition::Exists(Kind::kOrganisation, IdOf(r.owner_organisation()),
                             absl::StrCat(prefix, ".owner_organisation")));
    for (int i = 0; i < r.members_size(); ++i) {
      req.preconditions.push_back(
          Precondition::Exists(Kind::kExpert, IdOf(r.members(i).expert()),
                               absl::StrCat(prefix, ".members[", i, "].expert")));
    }
    return absl::OkStatus();
  }
  static absl::Status OnDelete(Store*, const R&, CommitRequest&) {
    return absl::OkStatus();
  }
};

template <>
struct Traits<v1::Challenge> {
  using R = v1::Challenge;
  static constexpr Kind kKind = Kind::kChallenge;
  static constexpr absl::string_view kField = "challenge";
  static constexpr std::array<absl::string_view, 0> kOutputOnly{};
  static const std::string& Owner(const R& r) { return r.owner_organisation(); }

  static void Validate(const R& r, absl::string_view prefix, FieldViolations& v) {
    ValidateChallenge(r, prefix, v);
  }
  static std::vector<IndexEntry> Indexes(const R& r) {
    std::vector<IndexEntry> out{{"owner", IdOf(r.owner_organisation())},
                                {"state", absl::StrCat(r.state())}};
    for (const auto& t : r.themes()) out.push_back({"theme", TermKey(t)});
    return out;
  }
  static absl::Status Prepare(Reads&, const R*, R& r, absl::string_view prefix,
                              CommitRequest& req) {
    if (r.state() == v1::Challenge::STATE_UNSPECIFIED) r.set_state(v1::Challenge::OPEN);
    req.preconditions.push_back(
        Precondition::Exists(Kind::kOrganisation, IdOf(r.owner_organisation()),
                             absl::StrCat(prefix, ".owner_organisation")));
    return absl::OkStatus();
  }
  static absl::Status OnDelete(Store*, const R&, CommitRequest&) {
    return absl::OkStatus();
  }
};

// The hours `expert_id` gives to ACTIVE teams other than `team_name`. The
// commit of `req` then needs the expert's teams as read: the same teams
// (IndexExactly), each unchanged (AtRevision). Without, two concurrent
// writes each found the other's team without the expert, or not ACTIVE, and
// together booked more hours than the expert has (a concurrency review: 20 h
// of 10 in 8 of 20 rounds through two registries).
absl::StatusOr<int> HoursOnOtherActiveTeams(Store* store, const std::string& expert_id,
                                            const std::string& team_name,
                                            CommitRequest& req) {
  ListRequest list;
  list.kind = Kind::kTeam;
  list.index = IndexEntry{"member", expert_id};
  list.limit = 500;
  const std::string expert = ResourceName(Kind::kExpert, expert_id);
  int hours = 0;
  std::vector<std::string> teams;
  for (;;) {
    SAMENSPEL_ASSIGN_OR_RETURN(ListResult page, store->List(list));
    for (const StoredRecord& rec : page.records) {
      teams.push_back(rec.id);
      if (ResourceName(Kind::kTeam, rec.id) == team_name) continue;
      req.preconditions.push_back(
          Precondition::AtRevision(Kind::kTeam, rec.id, rec.revision));
      v1::TaskTeam other;
      if (!other.ParseFromString(rec.data)) return absl::InternalError("corrupt team");
      if (other.state() != v1::TaskTeam::ACTIVE) continue;
      for (const auto& m : other.members()) {
        if (m.expert() == expert) hours += m.hours_per_week();
      }
    }
    if (!page.more || page.records.empty()) break;
    list.after_position = page.records.back().position;
  }
  req.preconditions.push_back(Precondition::IndexExactly(
      Kind::kTeam, IndexEntry{"member", expert_id}, std::move(teams)));
  return hours;
}

// Another organisation's expert on a team of a caller who is not an admin:
// only with the expert's consent to matching across organisations, and for
// at most the hours the expert has free (available, less what ACTIVE teams
// take: matching counts those) while the team is ACTIVE, at most the
// available hours while it is not (a security review's editor put another
// organisation's experts, one without consent, on its team at 168 h a week:
// matching then had them fully booked for everyone). Members already on the
// team (`old`) at no more hours, the team's state as it was, stay as they
// are. The experts must still be as read when the commit runs (their
// consent may be withdrawn, they may move). `request_field` names a member's
// field in the request (an AddTeamMember's "member"), or is null.
absl::Status CheckOtherOrganisationsMembers(
    Store* store, const v1::Principal& caller, const v1::TaskTeam* old,
    const v1::TaskTeam& team, absl::string_view prefix, CommitRequest& req,
    const std::function<std::string(const std::string&)>& request_field) {
  if (IsAdmin(caller)) return absl::OkStatus();
  const bool active = team.state() == v1::TaskTeam::ACTIVE;
  const bool state_kept = old != nullptr && old->state() == team.state();
  FieldViolations v;
  for (int i = 0; i < team.members_size(); ++i) {
    const v1::TeamMember& m = team.members(i);
    if (state_kept) {
      auto was =
          std::find_if(old->members().begin(), old->members().end(),
                       [&](const v1::TeamMember& o) { return o.expert() == m.expert(); });
      if (was != old->members().end() && m.hours_per_week() <= was->hours_per_week())
        continue;
    }
    const std::string id = IdOf(m.expert());
    absl::StatusOr<StoredRecord> rec = store->Get(Kind::kExpert, id);
    if (absl::IsNotFound(rec.status())) continue;  // the Exists precondition says so
    SAMENSPEL_RETURN_IF_ERROR(rec.status());
    v1::Expert e;
    if (!e.ParseFromString(rec->data)) return absl::InternalError("corrupt expert");
    req.preconditions.push_back(
        Precondition::AtRevision(Kind::kExpert, id, rec->revision));
    if (e.organisation() == caller.organisation()) continue;
    std::string field = absl::StrCat(prefix, ".members[", i, "].expert");
    if (request_field) field = request_field(field);
    if (!e.consent_to_matching()) {
      return WithReason(
          PreconditionError(
              m.expert(),
              absl::StrCat("of ", e.organisation(),
                           ", has not consented to being matched across "
                           "organisations: only their own organisation (or an "
                           "admin) may put them on a team")),
          "NO_CONSENT");
    }
    int limit = e.available_hours_per_week();
    if (active) {
      SAMENSPEL_ASSIGN_OR_RETURN(int elsewhere,
                                 HoursOnOtherActiveTeams(store, id, team.name(), req));
      limit = std::max(0, limit - elsewhere);
    }
    if (m.hours_per_week() > limit) {
      v.Add(absl::StrCat(field.substr(0, field.size() - strlen("expert")),
                         "hours_per_week"),
            absl::StrCat("at most ", limit, ": the hours ", m.expert(), " (of ",
                         e.organisation(), ") has ",
                         active ? "free beside other active teams" : "available",
                         " per week"));
    }
  }
  return v.ToStatus();
}

// Parses a stored record into `r` (empty), with its revision and etag.
template <typename R>
absl::Status DecodeInto(const StoredRecord& rec, R* r) {
  if (!r->ParseFromString(rec.data)) {
    return absl::InternalError(
        absl::StrCat("stored ", ResourceName(rec.kind, rec.id), " does not parse"));
  }
  r->set_revision(rec.revision);
  r->set_etag(Registry::Etag(rec.revision));
  return absl::OkStatus();
}

template <typename R>
absl::StatusOr<R> Decode(const StoredRecord& rec) {
  R r;
  SAMENSPEL_RETURN_IF_ERROR(DecodeInto(rec, &r));
  return r;
}

// The stored form: everything but the store-owned revision and etag.
template <typename R>
Mutation MakeMutation(Mutation::Op op, const std::string& id, int64_t expected, R r) {
  r.clear_etag();
  r.clear_revision();
  Mutation m;
  m.op = op;
  m.kind = Traits<R>::kKind;
  m.id = id;
  m.expected_revision = expected;
  m.indexes = Traits<R>::Indexes(r);
  m.data = r.SerializeAsString();
  return m;
}

template <typename R, typename Edit>
absl::Status RewriteIndexed(Store* store, Kind kind, const IndexEntry& index, Edit edit,
                            CommitRequest& req) {
  ListRequest list;
  list.kind = kind;
  list.index = index;
  list.limit = 500;
  // The commit must also find the index as listed: a record that joined it
  // meanwhile (an expert created in the organisation, a team that took the
  // expert on) would miss the rewrite.
  std::vector<std::string> listed;
  for (;;) {
    SAMENSPEL_ASSIGN_OR_RETURN(ListResult page, store->List(list));
    for (const StoredRecord& rec : page.records) {
      listed.push_back(rec.id);
      SAMENSPEL_ASSIGN_OR_RETURN(R r, Decode<R>(rec));
      if (!edit(r)) continue;
      *r.mutable_update_time() = ToProto(req.commit_time);
      req.mutations.push_back(
          MakeMutation(Mutation::Op::kUpdate, rec.id, rec.revision, std::move(r)));
    }
    if (!page.more || page.records.empty()) break;
    list.after_position = page.records.back().position;
  }
  req.preconditions.push_back(Precondition::IndexExactly(kind, index, std::move(listed)));
  return absl::OkStatus();
}

absl::Status Traits<v1::Organisation>::Prepare(Reads& reads, const R* old, R& r,
                                               absl::string_view, CommitRequest& req) {
  // An OIN names one organisation: client certificates authenticate by it.
  if (!r.oin().empty() && (old == nullptr || old->oin() != r.oin())) {
    req.preconditions.push_back(Precondition::IndexEmpty(
        Kind::kOrganisation, {"oin", r.oin()},
        absl::StrCat("another organisation already has OIN ", r.oin())));
  }
  if (old == nullptr || old->layer() == r.layer()) return absl::OkStatus();
  // Experts carry their organisation's layer; keep them in step atomically.
  const auto layer = r.layer();
  return RewriteIndexed<v1::Expert>(
      reads.store(), Kind::kExpert, {"organisation", IdOf(r.name())},
      [layer](v1::Expert& e) {
        e.set_layer(layer);
        return true;
      },
      req);
}

// Before another try of a write without etag whose records changed while it
// was prepared: a short random wait, growing with the tries, so that
// writers of one record do not keep colliding (0.4 to 12.8 ms at most).
void WaitBeforeRetry(int attempt) {
  thread_local absl::BitGen bitgen;
  const int64_t most_us = int64_t{200} << std::min(attempt, 6);
  absl::SleepFor(absl::Microseconds(absl::Uniform<int64_t>(bitgen, 0, most_us)));
}

// A write without etag that others' writes overtook on every try: not an
// etag mismatch (the caller sent none).
absl::Status ChangedOnEveryTry(absl::string_view name, int tries) {
  return WithReason(
      absl::AbortedError(absl::StrCat(
          name,
          " (or a record this write depends on) was changed by other writers during "
          "each of the ",
          tries, " tries of this write; retry it later")),
      "CONCURRENT_WRITES");
}

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

absl::Status CheckRequestId(absl::string_view request_id, std::string field) {
  if (request_id.size() > 128) return InvalidField(field, "at most 128 characters");
  for (char c : request_id) {
    if (c <= 0x20 || c >= 0x7f) {
      return InvalidField(field, "printable ASCII without spaces (a UUID, say)");
    }
  }
  return absl::OkStatus();
}

// What a replayed create answers when the resource its first call created is
// gone (deleted since): not NOT_FOUND, which reads as if the create itself
// failed to find something, but why nothing is created now and what to do.
absl::Status CreatedResourceDeleted(absl::string_view name) {
  google::rpc::PreconditionFailure failure;
  auto* v = failure.add_violations();
  v->set_type("REQUEST_ID");
  v->set_subject("request_id");
  v->set_description(absl::StrCat("this request_id created ", name,
                                  ", which has been deleted since; send another "
                                  "request_id to create it again"));
  absl::Status status =
      absl::FailedPreconditionError(absl::StrCat("request_id: ", v->description()));
  AttachDetail(status, failure);
  return WithReason(std::move(status), "CREATED_RESOURCE_DELETED");
}

// The answer of a replayed create: the resource, or why it is not there.
template <typename R>
absl::StatusOr<R> Replayed(absl::StatusOr<R> got, absl::string_view name) {
  if (absl::IsNotFound(got.status())) return CreatedResourceDeleted(name);
  return got;
}

// The fingerprint of a create of `input` under `id` (as the caller sent
// them), stored beside the create's result under its request_id
// (CommitRequest::request_fingerprint): it tells a retry (the same request
// again) from another request that reuses the request_id, which must not be
// answered with the first one's resource (a client numbering its requests
// per file, say, would take that for its new record). What the registry
// ignores on input (name, output-only fields, fields it does not know) is
// left out, so a client re-sending a resource it read back still retries.
// Results stored by registries before 2026-12-01 have no fingerprint and
// are taken as retries.
template <typename R>
std::string CreateFingerprint(const R& input, absl::string_view id) {
  R r = input;
  r.DiscardUnknownFields();
  const google::protobuf::Descriptor* descriptor = R::descriptor();
  auto clear = [&](absl::string_view field) {
    if (const auto* fd = descriptor->FindFieldByName(std::string(field)))
      r.GetReflection()->ClearField(&r, fd);
  };
  for (absl::string_view f : {"name", "etag", "revision", "create_time", "update_time"})
    clear(f);
  for (absl::string_view f : Traits<R>::kOutputOnly) clear(f);
  // A state left unset is stored as its default: the same request.
  if constexpr (std::is_same_v<R, v1::TaskTeam>) {
    if (r.state() == v1::TaskTeam::FORMING) r.clear_state();
  } else if constexpr (std::is_same_v<R, v1::Challenge>) {
    if (r.state() == v1::Challenge::OPEN) r.clear_state();
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    r.SerializeToCodedStream(&coded);
  }
  // 128 bits keep different requests apart.
  return Sha256Hex(absl::StrCat(id, "\n", bytes)).substr(0, 32);
}

// Whether a replayed create's first request (its stored fingerprint,
// `first`) was this one (`sent`: this request's fingerprint).
bool SameRequest(absl::string_view sent, absl::string_view first) {
  return first.empty() || first == sent;
}

// A request_id the same caller used for another request, which created
// `first` (one create's resource, or a batch's experts), the first of them
// `resource` (a resource name, also in the ErrorInfo's metadata).
absl::Status RequestIdReused(std::string field, absl::string_view what,
                             absl::string_view first, absl::string_view resource) {
  absl::Status status = InvalidField(
      std::move(field),
      absl::StrCat(what, " used for a different request, which created ", first,
                   " (request ids are remembered for 24 h): a retry must send the same "
                   "request, and a new request needs a new request_id"));
  return WithReason(std::move(status), "REQUEST_ID_REUSED",
                    {{"resource", std::string(resource)}});
}

}  // namespace

// The standard methods, once for every resource type.
template <typename R>
class ResourceOps {
 public:
  using T = Traits<R>;
  // With `cached_organisations`, organisations may come from the registry's
  // OrganisationCache (a create that relied on a changed one is retried).
  ResourceOps(const Registry& reg, const v1::Principal& caller,
              bool cached_organisations = false)
      : store_(reg.store_),
        options_(reg.options_),
        caller_(caller),
        reads_(reg.store_, cached_organisations ? reg.organisations_.get() : nullptr) {}

  // For the audit log (may be null): what a team write changed beside the
  // team and what its request names. See NoteMembersChanged.
  ResourceOps& AlsoChanged(std::vector<std::string>* also_changed) {
    also_changed_ = also_changed;
    return *this;
  }

  // The commit of a create of `input` (with its request id) into `req`;
  // returns the resource as it will be stored (without revision).
  absl::StatusOr<R> PlanCreate(const R& input, absl::string_view id,
                               absl::string_view request_id, CommitRequest& req) {
    const std::string prefix(T::kField);
    SAMENSPEL_RETURN_IF_ERROR(CheckRequestId(request_id, "request_id"));
    req.commit_time = options_.clock();
    // Dependent mutations (none on create today) must follow the created one.
    SAMENSPEL_ASSIGN_OR_RETURN(
        R r, PrepareCreate(input, id, prefix, absl::StrCat(prefix, "_id"), req));
    if (!request_id.empty()) {
      req.request_id = ScopedRequestId(request_id);
      req.request_result = IdOf(r.name());
      req.request_fingerprint = CreateFingerprint(input, id);
    }
    return r;
  }

  // Per caller: another caller's request with the same id (guessed, or a
  // client library's counter) is its own, not a replay of this one.
  std::string ScopedRequestId(absl::string_view request_id) const {
    return absl::StrCat(KindCollection(T::kKind), "/create/", caller_.subject(), "/",
                        request_id);
  }

  // A create that cannot be planned now (`failure`, INVALID_ARGUMENT: a
  // record it refers to is gone, say its organisation) may be the retry of
  // one that could, and was done: the commit that looks its request_id up
  // (replay_only), or none when it has no request_id to look up.
  std::optional<CommitRequest> ReplayProbe(const absl::Status& failure, const R& input,
                                           absl::string_view id,
                                           absl::string_view request_id) const {
    if (request_id.empty() || !absl::IsInvalidArgument(failure) ||
        !CheckRequestId(request_id, "request_id").ok()) {
      return std::nullopt;
    }
    CommitRequest probe;
    probe.commit_time = options_.clock();
    probe.replay_only = true;
    probe.request_id = ScopedRequestId(request_id);
    probe.request_fingerprint = CreateFingerprint(input, id);
    return probe;
  }

  // Whether `input` (to be created under `id`) is invalid in itself, whatever
  // is stored: a field a create could never have passed with, so its replay
  // probe cannot have found an earlier one (barring a registry of other rules).
  bool InvalidAlone(const R& input, absl::string_view id) const {
    FieldViolations v;
    if (!id.empty() && !IsValidId(id)) v.Add("id", "");
    T::Validate(input, std::string(T::kField), v);
    return !v.empty();
  }

  // What a create that cannot be planned (`failure`) answers when its replay
  // probe failed with `probe`: `failure` when no earlier request was found;
  // else the probe's error (UNAVAILABLE, say), since the create may still be
  // the retry of one that was done, and a retry of it tells. But a create
  // invalid in itself (`invalid_alone`) is told its fields (a fault review:
  // during a Redis outage a create with a level of 9 and a request_id got
  // REDIS_TIMED_OUT, "may have been applied", and no field).
  static absl::Status ProbeFailure(absl::Status failure, const absl::Status& probe,
                                   bool invalid_alone) {
    if (absl::IsNotFound(probe) || invalid_alone) return failure;
    return probe;
  }

  // `failure`, unless the create is a retry of one that was done: then that
  // one's answer, as for any retry.
  absl::StatusOr<R> ReplayOr(absl::Status failure, const R& input, absl::string_view id,
                             absl::string_view request_id) {
    std::optional<CommitRequest> probe = ReplayProbe(failure, input, id, request_id);
    if (!probe.has_value()) return failure;
    absl::StatusOr<CommitResult> result = store_->Commit(*probe);
    if (!result.ok()) {
      return ProbeFailure(std::move(failure), result.status(), InvalidAlone(input, id));
    }
    if (!result->replayed) return failure;
    SAMENSPEL_ASSIGN_OR_RETURN(std::string name,
                               ReplayedName(probe->request_fingerprint, *result));
    return Replayed(Get(name, "name"), name);
  }

  // `v`'s violations of `r` (a create when `old` is null, else an update of
  // `old`) and the records `r` refers to that do not exist, so the caller
  // can fix everything in one round.
  absl::Status Invalid(
      const FieldViolations& v, Reads& reads, const R* old, R r, absl::string_view prefix,
      const std::function<std::string(const std::string&)>& request_field = nullptr) {
    FieldViolations all = v;
    if constexpr (!std::is_same_v<R, v1::Organisation>) {  // it refers to nothing
      CommitRequest unsent;
      // A field `v` names already (an empty reference: "required") is not
      // looked up as well (it said " does not exist" of an empty name).
      FieldViolations prepared;
      prepared.AddFrom(T::Prepare(reads, old, r, prefix, unsent));
      for (const auto& [field, description] : prepared.violations()) {
        if (!v.Names(field)) all.Add(field, description);
      }
      std::erase_if(unsent.preconditions, [&](const Precondition& p) {
        return p.type == Precondition::Type::kExists && v.Names(p.field_or_reason);
      });
      RenameReferenceFields(unsent, request_field);
      return MissingReferences(unsent, all.ToStatus());
    }
    return all.ToStatus();
  }

  // Renames the request fields that `req`'s kExists preconditions name.
  static void RenameReferenceFields(
      CommitRequest& req, const std::function<std::string(const std::string&)>& rename) {
    if (!rename) return;
    for (Precondition& p : req.preconditions) {
      if (p.type == Precondition::Type::kExists)
        p.field_or_reason = rename(p.field_or_reason);
    }
  }

  // `failure` (of `req`'s commit, or of validation before it) with every
  // record that `req`'s kExists preconditions name and that does not exist:
  // a commit stops at the first. Read after the fact, so only for the
  // message; the commit's own check is what counts.
  absl::Status MissingReferences(const CommitRequest& req, absl::Status failure) {
    if (!absl::IsInvalidArgument(failure)) return failure;
    FieldViolations v;
    v.AddFrom(failure);
    for (const Precondition& p : req.preconditions) {
      if (p.type != Precondition::Type::kExists || v.Names(p.field_or_reason)) continue;
      if (absl::IsNotFound(store_->Get(p.kind, p.id).status())) {
        v.AddFrom(p.FailureStatus());
      }
    }
    return v.empty() ? failure : v.ToStatus();
  }

  // What a create answers once its commit (not a replay) returned `result`.
  static R Created(R r, const CommitResult& result) {
    r.set_revision(result.revisions.front());
    r.set_etag(Registry::Etag(r.revision()));
    return r;
  }

  // Validates and prepares a create of `input` into `req`; returns the
  // resource as it will be stored (without revision).
  absl::StatusOr<R> PrepareCreate(const R& input, absl::string_view id_in,
                                  const std::string& prefix, const std::string& id_field,
                                  CommitRequest& req) {
    // Permission first: a caller who may not write learns nothing from
    // validation. (An organisation's owner is itself: only admins create one.)
    SAMENSPEL_RETURN_IF_ERROR(CheckWrite(caller_, T::kKind, "", T::Owner(input)));
    FieldViolations v;
    if (!id_in.empty() && !IsValidId(id_in)) {
      v.Add(id_field, "must match [a-z0-9][a-z0-9-]{0,62}");
    }
    T::Validate(input, prefix, v);
    if (!v.empty()) return Invalid(v, reads_, nullptr, input, prefix);
    const std::string id = id_in.empty() ? GenerateId() : std::string(id_in);
    R r = input;
    // Fields this registry does not know would bypass every limit and be
    // stored and published as they came: dropped.
    r.DiscardUnknownFields();
    r.set_name(ResourceName(T::kKind, id));
    *r.mutable_create_time() = ToProto(req.commit_time);
    *r.mutable_update_time() = r.create_time();
    SAMENSPEL_RETURN_IF_ERROR(T::Prepare(reads_, nullptr, r, prefix, req));
    if constexpr (std::is_same_v<R, v1::TaskTeam>) {
      SAMENSPEL_RETURN_IF_ERROR(CheckOtherOrganisationsMembers(store_, caller_, nullptr,
                                                               r, prefix, req, nullptr));
    }
    req.mutations.push_back(MakeMutation(Mutation::Op::kCreate, id, 0, r));
    return r;
  }

  absl::StatusOr<R> Create(const R& input, absl::string_view id,
                           absl::string_view request_id) {
    for (;;) {
      CommitRequest req;
      absl::StatusOr<R> planned = PlanCreate(input, id, request_id, req);
      if (!planned.ok()) return ReplayOr(planned.status(), input, id, request_id);
      R r = *std::move(planned);
      absl::StatusOr<CommitResult> result = store_->Commit(req);
      if (RetryAfterChangedRead(result.status())) continue;
      SAMENSPEL_RETURN_IF_ERROR(MissingReferences(req, result.status()));
      if (result->replayed) {
        SAMENSPEL_ASSIGN_OR_RETURN(std::string name,
                                   ReplayedName(req.request_fingerprint, *result));
        return Replayed(Get(name, "name"), name);
      }
      if constexpr (std::is_same_v<R, v1::TaskTeam>) {
        NoteMembersChanged(nullptr, r, also_changed_);
      }
      return Created(std::move(r), *result);
    }
  }

  // The name a replayed create answers with (`sent`: the request fingerprint
  // its commit carried), or REQUEST_ID_REUSED when the first request was
  // another.
  static absl::StatusOr<std::string> ReplayedName(absl::string_view sent,
                                                  const CommitResult& result) {
    std::string name = ResourceName(T::kKind, result.request_result);
    if (!SameRequest(sent, result.request_fingerprint))
      return RequestIdReused("request_id", "was", name, name);
    return name;
  }

  // Whether a create's commit failed only because a record it read had
  // changed since (a Precondition::AtRevision or IndexExactly: its
  // organisation, the other teams of a member another organisation books;
  // creates fail ABORTED for nothing else) and may be tried again, with every read
  // dropped, so that the retry reads the store: up to max_write_attempts in all (it was
  // once: 17 of 100 creates failed while an administrator edited their
  // organisation back to back, a concurrency review found).
  bool RetryAfterChangedRead(const absl::Status& status) {
    if (!absl::IsAborted(status) || retries_ + 1 >= options_.max_write_attempts) {
      return false;
    }
    ++retries_;
    reads_.DropReads();
    return true;
  }

  // Create, answered through `done` without waiting on the store (see
  // Registry::CreateExpertAsync). `self` owns this ResourceOps and is kept
  // until `done` runs; `input` must stay valid until then too. When a record
  // read had changed (see RetryAfterChangedRead), `retry` gets `done` instead
  // (the cache is dropped by then).
  using Retry = absl::AnyInvocable<void(Registry::Done<R>) &&>;
  static void CreateAsync(std::shared_ptr<ResourceOps> self, const R& input,
                          absl::string_view id, absl::string_view request_id,
                          std::function<bool()> abandoned, Registry::Done<R> done,
                          Retry retry) {
    CommitRequest req;
    absl::StatusOr<R> r = self->PlanCreate(input, id, request_id, req);
    if (!r.ok()) {
      std::optional<CommitRequest> probe =
          self->ReplayProbe(r.status(), input, id, request_id);
      if (!probe.has_value()) return std::move(done)(r.status());
      // As ReplayOr.
      Store* const store = self->store_;
      std::string sent = probe->request_fingerprint;
      const bool invalid_alone = self->InvalidAlone(input, id);
      return store->CommitAsync(
          *std::move(probe),
          [self = std::move(self), failure = r.status(), sent = std::move(sent),
           invalid_alone,
           done = std::move(done)](absl::StatusOr<CommitResult> result) mutable {
            if (!result.ok()) {
              return std::move(done)(
                  ProbeFailure(std::move(failure), result.status(), invalid_alone));
            }
            if (!result->replayed) return std::move(done)(failure);
            AnswerReplay(std::move(self), sent, *result, std::move(done));
          });
    }
    req.abandoned = std::move(abandoned);
    Store* const store = self->store_;
    std::string sent = req.request_fingerprint;
    store->CommitAsync(std::move(req), [self = std::move(self), r = *std::move(r),
                                        sent = std::move(sent), done = std::move(done),
                                        retry = std::move(retry)](
                                           absl::StatusOr<CommitResult> result) mutable {
      if (self->RetryAfterChangedRead(result.status()))
        return std::move(retry)(std::move(done));
      if (!result.ok()) return std::move(done)(result.status());
      if (result->replayed)
        return AnswerReplay(std::move(self), sent, *result, std::move(done));
      std::move(done)(Created(std::move(r), *result));
    });
  }

  // A retry's answer through `done` (the resource as it is now, or why not),
  // its first request's commit having replayed `result`; `sent` is the
  // retry's fingerprint.
  static void AnswerReplay(std::shared_ptr<ResourceOps> self, absl::string_view sent,
                           const CommitResult& result, Registry::Done<R> done) {
    absl::StatusOr<std::string> replayed = ReplayedName(sent, result);
    if (!replayed.ok()) return std::move(done)(replayed.status());
    std::string name = *std::move(replayed);
    self->GetAsync(name, "name",
                   [name, done = std::move(done)](absl::StatusOr<R> got) mutable {
                     std::move(done)(Replayed(std::move(got), name));
                   });
  }

  Reads& reads() { return reads_; }

  absl::StatusOr<R> Get(absl::string_view name, absl::string_view field) {
    SAMENSPEL_ASSIGN_OR_RETURN(std::string id, ParseName(T::kKind, name, field));
    return Present(caller_, store_->Get(T::kKind, id));
  }

  // Get, answered through `done` (see Registry::GetExpertAsync).
  void GetAsync(absl::string_view name, absl::string_view field, Registry::Done<R> done) {
    absl::StatusOr<std::string> id = ParseName(T::kKind, name, field);
    if (!id.ok()) return std::move(done)(id.status());
    store_->GetAsync(T::kKind, *id,
                     [caller = caller_,
                      done = std::move(done)](absl::StatusOr<StoredRecord> rec) mutable {
                       std::move(done)(Present(caller, std::move(rec)));
                     });
  }

  // GetAsync's answer in wire form (Registry::GetExpertAsync).
  void GetWireAsync(absl::string_view name, absl::string_view field,
                    Registry::WireDone done) {
    absl::StatusOr<std::string> id = ParseName(T::kKind, name, field);
    if (!id.ok()) return std::move(done)(id.status());
    store_->GetAsync(T::kKind, *id,
                     [caller = caller_,
                      done = std::move(done)](absl::StatusOr<StoredRecord> rec) mutable {
                       std::move(done)(PresentWire(caller, std::move(rec)));
                     });
  }

  // Read-modify-write of one resource: `edit` changes a copy of the current
  // state; retried when something it read changed before its commit. With
  // an etag too: the retry reads the resource again, and if the resource
  // itself changed its etag no longer matches (ETAG_MISMATCH); if only
  // another record it read changed (its organisation, the teams of a member),
  // the etag still holds and the write goes through (a concurrency review's
  // updates with a current etag failed ABORTED while an administrator
  // edited the organisation's display name).
  // `request_field`, when given, names the request's field for a field of
  // the edited resource that must name an existing record (else the
  // resource's own field is named, e.g. "team.members[2].expert").
  // `also_invalid` (may be null): violations the request has besides those of
  // the edited resource, reported with them (Update's update_mask).
  template <typename Edit>
  absl::StatusOr<R> Modify(
      absl::string_view name, absl::string_view name_field, absl::string_view etag,
      Edit edit, std::function<std::string(const std::string&)> request_field = nullptr,
      const FieldViolations* also_invalid = nullptr) {
    SAMENSPEL_ASSIGN_OR_RETURN(std::string id, ParseName(T::kKind, name, name_field));
    for (int attempt = 1;; ++attempt) {
      SAMENSPEL_ASSIGN_OR_RETURN(StoredRecord rec, store_->Get(T::kKind, id));
      SAMENSPEL_ASSIGN_OR_RETURN(R current, Decode<R>(rec));
      bool changed_meanwhile = false;
      absl::StatusOr<R> next = ModifyRecord(current, rec, etag, edit, request_field,
                                            also_invalid, changed_meanwhile);
      if (changed_meanwhile) {
        if (attempt < options_.max_write_attempts) {
          WaitBeforeRetry(attempt);
          continue;
        }
        next = ChangedOnEveryTry(current.name(), attempt);
      }
      // A refusal names whose resource it was (for the audit log too).
      if (!next.ok()) return WithOwner(next.status(), current.name(), T::Owner(current));
      return next;
    }
  }

  // One try of Modify on `current`, stored as `rec`; `changed_meanwhile` when
  // its commit failed because the record changed since it was read.
  template <typename Edit>
  absl::StatusOr<R> ModifyRecord(
      const R& current, const StoredRecord& rec, absl::string_view etag, Edit& edit,
      const std::function<std::string(const std::string&)>& request_field,
      const FieldViolations* also_invalid, bool& changed_meanwhile) {
    const std::string prefix(T::kField);
    SAMENSPEL_RETURN_IF_ERROR(
        CheckWrite(caller_, T::kKind, T::Owner(current), T::Owner(current)));
    if (!etag.empty() && !Registry::EtagMatches(etag, current.etag())) {
      return EtagMismatchError(current.name());
    }
    CommitRequest req;
    req.commit_time = options_.clock();
    R next = current;
    SAMENSPEL_RETURN_IF_ERROR(edit(next));
    next.DiscardUnknownFields();
    next.set_name(current.name());
    SAMENSPEL_RETURN_IF_ERROR(
        CheckWrite(caller_, T::kKind, T::Owner(current), T::Owner(next)));
    // Not for a request refused anyway (an unset layer the mask names looks
    // like a change of it: an editor was told PERMISSION_DENIED for a layer
    // it never set, a review found).
    if constexpr (std::is_same_v<R, v1::Organisation>) {
      if (also_invalid == nullptr || also_invalid->empty()) {
        SAMENSPEL_RETURN_IF_ERROR(CheckOinChange(caller_, current.oin(), next.oin()));
        SAMENSPEL_RETURN_IF_ERROR(
            CheckLayerChange(caller_, current.layer(), next.layer()));
      }
    }
    *next.mutable_create_time() = current.create_time();
    *next.mutable_update_time() = ToProto(req.commit_time);
    FieldViolations v;
    if (also_invalid != nullptr) v = *also_invalid;
    FieldViolations of_next;
    T::Validate(next, prefix, of_next);
    // A field the update leaves as it was does not refuse it for what the
    // stored record already broke there: rules tightened since it was
    // stored (since layout 4, themes that differ only in case or accents
    // are duplicates) would otherwise refuse every update of it,
    // withdrawing consent too (a review). A field the update changes must
    // be valid as a whole.
    FieldViolations of_current;
    T::Validate(current, prefix, of_current);
    for (const auto& [field, description] : of_next.violations()) {
      if (v.Names(field)) continue;
      if (of_current.Names(field) && UnchangedField(current, next, prefix, field))
        continue;
      v.Add(field, description);
    }
    Reads fresh(store_);  // a retry must not see stale organisations
    if (!v.empty()) return Invalid(v, fresh, &current, next, prefix, request_field);
    SAMENSPEL_RETURN_IF_ERROR(T::Prepare(fresh, &current, next, prefix, req));
    if constexpr (std::is_same_v<R, v1::TaskTeam>) {
      SAMENSPEL_RETURN_IF_ERROR(CheckOtherOrganisationsMembers(
          store_, caller_, &current, next, prefix, req, request_field));
    }
    RenameReferenceFields(req, request_field);
    // Last, after what Prepare rewrote with it (an organisation's experts):
    // the revision it answers with then covers the whole commit, so a
    // client's MatchExperts with that min_revision sees all of it.
    req.mutations.push_back(
        MakeMutation(Mutation::Op::kUpdate, IdOf(current.name()), rec.revision, next));
    absl::StatusOr<CommitResult> result = store_->Commit(req);
    changed_meanwhile = absl::IsAborted(result.status());
    if (absl::IsInvalidArgument(result.status())) {
      // A record it refers to is gone. When this record changed meanwhile
      // too, that is why (a deleted expert leaves their teams): tried again
      // on the record as it is now. (The commit checks references before
      // revisions: a fault review's AddTeamMember and UpdateTeam failed
      // INVALID_ARGUMENT about a member the caller never named, 7 of 40,
      // while members were deleted.)
      absl::StatusOr<StoredRecord> now = store_->Get(T::kKind, IdOf(current.name()));
      if (!now.ok() || now->revision != rec.revision) {
        changed_meanwhile = true;
        return WithReason(absl::AbortedError(absl::StrCat(
                              current.name(), " changed while the request was prepared")),
                          "CHANGED_MEANWHILE");
      }
    }
    SAMENSPEL_RETURN_IF_ERROR(MissingReferences(req, result.status()));
    next.set_revision(result->revisions.back());
    next.set_etag(Registry::Etag(next.revision()));
    if constexpr (std::is_same_v<R, v1::TaskTeam>) {
      NoteMembersChanged(&current, next, also_changed_);
    }
    return next;
  }

  // For the audit log, of a team write that committed (`old` null for a
  // create, `team` without members for a delete): the experts it took off
  // the team (the request names those it puts on, not those an update
  // drops), and the organisations of the experts it put on, took off or
  // changed the hours of, other than the team's owner (a privacy review:
  // another organisation's booking of an expert was not found under the
  // expert's organisation). Read after the commit: an expert that moved
  // meanwhile is named with their new organisation.
  void NoteMembersChanged(const v1::TaskTeam* old, const v1::TaskTeam& team,
                          std::vector<std::string>* out) const {
    if (out == nullptr) return;
    std::map<std::string, int> before, after;  // expert -> hours
    if (old != nullptr) {
      for (const v1::TeamMember& m : old->members())
        before[m.expert()] = m.hours_per_week();
    }
    for (const v1::TeamMember& m : team.members()) after[m.expert()] = m.hours_per_week();
    std::set<std::string> changed;
    for (const auto& [expert, hours] : before) {
      auto it = after.find(expert);
      if (it == after.end()) out->push_back(expert);
      if (it == after.end() || it->second != hours) changed.insert(expert);
    }
    for (const auto& [expert, hours] : after) {
      if (!before.contains(expert)) changed.insert(expert);
    }
    std::set<std::string> organisations;
    for (const std::string& expert : changed) {
      absl::StatusOr<StoredRecord> rec = store_->Get(Kind::kExpert, IdOf(expert));
      v1::Expert e;
      if (!rec.ok() || !e.ParseFromString(rec->data)) continue;  // gone, or unreadable
      if (!e.organisation().empty() && e.organisation() != team.owner_organisation()) {
        organisations.insert(e.organisation());
      }
    }
    out->insert(out->end(), organisations.begin(), organisations.end());
  }

  // AIP-134: an empty mask means the fields `patch` populates (a value other
  // than the default, a non-empty list, a message that is set); "*" alone
  // replaces every field the caller may set; otherwise the fields named.
  // Output-only paths are ignored, as AIP-203 asks; other paths that name no
  // field are errors, and so is naming a singular enum field (a state, an
  // organisation's layer) without a value, by its path or by "*": its
  // ..._UNSPECIFIED is no value to store. An update that names no field it
  // can change is INVALID_ARGUMENT too.
  absl::StatusOr<R> Update(const R& patch, const FieldMask& mask) {
    const std::string prefix(T::kField);
    static const std::set<absl::string_view> kIgnored = [] {
      std::set<absl::string_view> s = {"name", "etag", "revision", "create_time",
                                       "update_time"};
      for (absl::string_view f : T::kOutputOnly) s.insert(f);
      return s;
    }();
    const google::protobuf::Descriptor* descriptor = R::descriptor();
    FieldMask effective;
    FieldViolations v;  // of update_mask: refused before anything is read
    // Enums the mask names and the patch leaves unset: reported together with
    // what else is wrong with the result (an API review: a "*" update of an
    // empty organisation named only its layer, then, once that was set, its
    // display name).
    FieldViolations unset;
    bool replace_all = false;
    for (int i = 0; i < mask.paths_size(); ++i) {
      const std::string& path = mask.paths(i);
      const std::string at = absl::StrCat("update_mask.paths[", i, "]");
      if (path == "*") {
        replace_all = true;
        if (mask.paths_size() > 1) {
          v.Add(at, "\"*\" (replace every field) must be the only path");
        }
        continue;
      }
      const bool well_formed = !path.empty() && !absl::StrContains(path, "..") &&
                               path.front() != '.' && path.back() != '.';
      if (!well_formed ||
          !FieldMaskUtil::GetFieldDescriptors(descriptor, path, nullptr)) {
        v.Add(at, absl::StrCat("\"", path, "\" is not a field of ", descriptor->name()));
        continue;
      }
      if (kIgnored.contains(path.substr(0, path.find('.')))) continue;
      effective.add_paths(path);
      const google::protobuf::FieldDescriptor* fd = descriptor->FindFieldByName(path);
      if (fd != nullptr && !fd->is_repeated() &&
          fd->type() == google::protobuf::FieldDescriptor::TYPE_ENUM &&
          patch.GetReflection()->GetEnumValue(patch, fd) == 0) {
        unset.Add(
            absl::StrCat(prefix, ".", path),
            absl::StrCat("must be set: update_mask names it, and ",
                         fd->enum_type()->value(0)->name(),
                         " is no value to store (leave it out of update_mask to keep the "
                         "current one)"));
      }
    }
    // "*" replaces every field the caller may set: an organisation's layer
    // and OIN, which only admins change, are kept as they are when the patch
    // leaves them out (an integration review: an editor's "*" update was
    // refused for the layer, then for clearing the OIN). A value given is
    // checked as any change is.
    const bool keeps_admin_fields =
        std::is_same_v<R, v1::Organisation> && replace_all && !IsAdmin(caller_);
    if (replace_all) {
      // "*" names every field: a singular enum left unset would be stored as
      // its ..._UNSPECIFIED, or silently turned into its create default.
      for (int i = 0; i < descriptor->field_count(); ++i) {
        const google::protobuf::FieldDescriptor* fd = descriptor->field(i);
        if (keeps_admin_fields && fd->name() == "layer") continue;
        if (fd->is_repeated() ||
            fd->type() != google::protobuf::FieldDescriptor::TYPE_ENUM ||
            kIgnored.contains(fd->name()) ||
            patch.GetReflection()->GetEnumValue(patch, fd) != 0) {
          continue;
        }
        unset.Add(
            absl::StrCat(prefix, ".", fd->name()),
            absl::StrCat("must be set: update_mask \"*\" replaces every field, and ",
                         fd->enum_type()->value(0)->name(), " is no value to store"));
      }
    }
    if (!v.empty()) {
      for (const auto& [field, description] : unset.violations())
        v.Add(field, description);
      return v.ToStatus();
    }
    if (mask.paths_size() == 0) {
      std::vector<const google::protobuf::FieldDescriptor*> populated;
      patch.GetReflection()->ListFields(patch, &populated);
      for (const google::protobuf::FieldDescriptor* fd : populated) {
        if (!kIgnored.contains(fd->name())) effective.add_paths(fd->name());
      }
    }
    if (!replace_all && effective.paths_size() == 0) {
      // Nothing to change: not a write (it would still make a revision, a
      // feed entry, and other holders' etags stale).
      return InvalidField(
          "update_mask",
          absl::StrCat(mask.paths_size() == 0
                           ? absl::StrCat("empty, and the ", prefix, " sets no field")
                           : "names no field that can be changed (output-only fields are "
                             "ignored)",
                       ": nothing to update"));
    }
    return Modify(
        patch.name(), absl::StrCat(prefix, ".name"), patch.etag(),
        [&](R& next) {
          if (replace_all) {
            R copy = patch;
            for (absl::string_view f : T::kOutputOnly) {
              // Keep derived output-only fields (Prepare recomputes them).
              const auto* fd = descriptor->FindFieldByName(std::string(f));
              next.GetReflection()->ClearField(&copy, fd);
            }
            if constexpr (std::is_same_v<R, v1::Organisation>) {
              if (keeps_admin_fields && copy.oin().empty()) copy.set_oin(next.oin());
              if (keeps_admin_fields && copy.layer() == 0) {
                copy.set_layer(next.layer());
              }
            }
            next = std::move(copy);
          } else {
            FieldMaskUtil::MergeOptions opts;
            opts.set_replace_repeated_fields(true);
            opts.set_replace_message_fields(true);
            FieldMaskUtil::MergeMessageTo(patch, effective, opts, &next);
          }
          return absl::OkStatus();
        },
        nullptr, unset.empty() ? nullptr : &unset);
  }

  // The deleted resource as it was (as the caller may see it), its revision
  // the feed revision of the delete. `also_changed` (may be null) gets the
  // other records the delete changed and their owners (the teams a deleted
  // expert left), as resource names.
  absl::StatusOr<R> Delete(absl::string_view name, absl::string_view etag,
                           std::vector<std::string>* also_changed = nullptr) {
    SAMENSPEL_ASSIGN_OR_RETURN(std::string id, ParseName(T::kKind, name, "name"));
    for (int attempt = 1;; ++attempt) {
      SAMENSPEL_ASSIGN_OR_RETURN(StoredRecord rec, store_->Get(T::kKind, id));
      SAMENSPEL_ASSIGN_OR_RETURN(R current, Decode<R>(rec));
      bool changed_meanwhile = false;
      absl::StatusOr<int64_t> deleted =
          DeleteRecord(current, rec, etag, changed_meanwhile, also_changed);
      if (changed_meanwhile) {
        if (attempt < options_.max_write_attempts) {
          WaitBeforeRetry(attempt);
          continue;
        }
        deleted = ChangedOnEveryTry(current.name(), attempt);
      }
      if (!deleted.ok()) {
        return WithOwner(deleted.status(), current.name(), T::Owner(current));
      }
      absl::StatusOr<R> presented = Present(caller_, std::move(rec));
      if (presented.ok()) presented->set_revision(*deleted);
      return presented;
    }
  }

  // One try of Delete (see ModifyRecord); the feed revision of the delete
  // (the last of its commit: it also covers what OnDelete added).
  absl::StatusOr<int64_t> DeleteRecord(const R& current, const StoredRecord& rec,
                                       absl::string_view etag, bool& changed_meanwhile,
                                       std::vector<std::string>* also_changed) {
    SAMENSPEL_RETURN_IF_ERROR(CheckWrite(caller_, T::kKind, T::Owner(current), ""));
    if (!etag.empty() && !Registry::EtagMatches(etag, current.etag())) {
      return EtagMismatchError(current.name());
    }
    CommitRequest req;
    req.commit_time = options_.clock();
    Mutation m;
    m.op = Mutation::Op::kDelete;
    m.kind = T::kKind;
    m.id = rec.id;
    m.expected_revision = rec.revision;
    req.mutations.push_back(std::move(m));
    SAMENSPEL_RETURN_IF_ERROR(T::OnDelete(store_, current, req));
    absl::StatusOr<CommitResult> committed = store_->Commit(req);
    changed_meanwhile = absl::IsAborted(committed.status());
    if (!committed.ok()) return committed.status();
    if constexpr (std::is_same_v<R, v1::TaskTeam>) {
      NoteMembersChanged(&current, v1::TaskTeam(), also_changed);
    }
    if (also_changed != nullptr) {
      for (size_t i = 1; i < req.mutations.size(); ++i) {
        const Mutation& other = req.mutations[i];
        also_changed->push_back(ResourceName(other.kind, other.id));
        for (const IndexEntry& x : other.indexes) {
          if (x.field == "owner" || x.field == "organisation") {
            also_changed->push_back(ResourceName(Kind::kOrganisation, x.value));
          }
        }
      }
    }
    return committed->revisions.empty() ? int64_t{0} : committed->revisions.back();
  }

  // Of the records' stored bytes, at most this much and one record more in
  // a page: 2 MiB, half of gRPC's default receive limit (a record is at
  // most 1 MiB or so).
  static constexpr size_t kMaxPageBytes = size_t{2} << 20;

  // One page of resources with every entry of `filters`; the first filter is
  // served by a store index, the rest are checked on the records.
  template <typename Response>
  absl::StatusOr<Response> List(
      int page_size_in, absl::string_view token, std::vector<IndexEntry> filters,
      google::protobuf::RepeatedPtrField<R>* (Response::*out)()) {
    Response response;
    SAMENSPEL_RETURN_IF_ERROR(
        ListInto(page_size_in, token, std::move(filters), out, &response));
    return response;
  }

  // The same into `response` (empty; its items are parsed in place, on the
  // response's arena if it has one).
  template <typename Response>
  absl::Status ListInto(int page_size_in, absl::string_view token,
                        std::vector<IndexEntry> filters,
                        google::protobuf::RepeatedPtrField<R>* (Response::*out)(),
                        Response* response) {
    if (page_size_in < 0) return InvalidField("page_size", "must not be negative");
    const int page_size = page_size_in == 0
                              ? options_.default_page_size
                              : std::min(page_size_in, options_.max_page_size);
    std::string filtered;
    for (const IndexEntry& f : filters) {
      absl::StrAppend(&filtered, f.field, "=", absl::CEscape(f.value), ";");
    }
    // A token is for its collection and filters. (One from a registry before
    // collections were part of it is taken with its filters alone.)
    const std::string fingerprint = absl::StrCat(KindCollection(T::kKind), ":", filtered);
    absl::StatusOr<int64_t> decoded = DecodePositionToken(token, fingerprint);
    if (!decoded.ok()) {
      absl::StatusOr<int64_t> old = DecodePositionToken(token, filtered);
      if (old.ok()) decoded = old;
    }
    SAMENSPEL_RETURN_IF_ERROR(decoded.status());
    int64_t after = *decoded;
    // Several filters: listed by the index that holds fewest records, the
    // others checked record by record. (By the first, a reader's ListExperts
    // of a large organisation and a theme no one has read 21,000 records a
    // call, bios and all, for an empty page: a review slowed every other
    // caller's lists from 1 to 360 ms with 16 such calls.) Positions order
    // every index alike, so a page token goes on with any of them.
    // (A count that fails leaves the order as it is: the list itself says
    // what is wrong, as it would have; one of 0 ends the counting.)
    if (filters.size() > 1) {
      int64_t fewest = -1;
      for (size_t i = 0; i < filters.size() && fewest != 0; ++i) {
        absl::StatusOr<int64_t> n = store_->CountIndexed(T::kKind, filters[i]);
        if (!n.ok()) break;
        if (fewest < 0 || *n < fewest) {
          fewest = *n;
          std::swap(filters[0], filters[i]);
        }
      }
    }
    ListRequest list;
    list.kind = T::kKind;
    if (!filters.empty()) list.index = filters.front();
    const std::vector<IndexEntry> rest(filters.begin() + (filters.empty() ? 0 : 1),
                                       filters.end());
    int64_t revision = -1;
    int scanned = 0;
    bool done = false;
    // A page ends at about kMaxPageBytes too, as AIP-158 allows (fewer
    // than page_size, with a token): records within every limit made a
    // page of 1,000 experts 72 MB, over every client's receive limit (an
    // integration review: a new matching replica could not load, an
    // export wrote nothing; 300 experts passed gRPC's default 4 MiB).
    size_t bytes = 0;
    bool full = false;
    auto* items = (response->*out)();
    while (items->size() < page_size && !full) {
      list.after_position = after;
      list.limit = rest.empty() ? page_size - items->size() : std::max(page_size, 100);
      SAMENSPEL_ASSIGN_OR_RETURN(ListResult page, store_->List(list));
      if (revision < 0) revision = page.revision;
      size_t used = 0;
      for (const StoredRecord& rec : page.records) {
        if (items->size() == page_size) break;
        ++used;
        after = rec.position;
        R* r = items->Add();
        SAMENSPEL_RETURN_IF_ERROR(DecodeInto(rec, r));
        bool match = true;
        if (!rest.empty()) {
          const std::vector<IndexEntry> own = T::Indexes(*r);
          for (const IndexEntry& f : rest) {
            match = match && std::find(own.begin(), own.end(), f) != own.end();
          }
        }
        if (match) {
          Redact(*r);
          bytes += rec.data.size();
          if (bytes >= kMaxPageBytes) {
            full = true;
            break;
          }
        } else {
          items->RemoveLast();
        }
      }
      if (!page.more && used == page.records.size()) {
        done = true;
        break;
      }
      // Bound the work of one call when a post-filter rejects most records;
      // the caller continues with the token.
      scanned += used;
      if (scanned >= 20 * page_size + 1000) break;
    }
    response->set_revision(revision);
    if (!done) response->set_next_page_token(EncodePositionToken(fingerprint, after));
    return absl::OkStatus();
  }

 private:
  // Clears the personal fields the caller may not see (experts only).
  void Redact(R& r) const { RedactAs(caller_, r); }
  static void RedactAs(const v1::Principal& caller, R& r) {
    if constexpr (std::is_same_v<R, v1::Expert>) RedactFor(caller, r);
  }
  // A stored record as `caller` may see it.
  static absl::StatusOr<R> Present(const v1::Principal& caller,
                                   absl::StatusOr<StoredRecord> rec) {
    SAMENSPEL_RETURN_IF_ERROR(rec.status());
    SAMENSPEL_ASSIGN_OR_RETURN(R r, Decode<R>(*rec));
    RedactAs(caller, r);
    return r;
  }

  // Present's result, serialized: the stored bytes rearranged when they
  // pass ScanWire (the personal fields left out as Redact would, the etag
  // and revision put where protobuf's serializer puts them), else parsed
  // and serialized.
  static absl::StatusOr<Registry::WireResource> PresentWire(
      const v1::Principal& caller, absl::StatusOr<StoredRecord> rec) {
    SAMENSPEL_RETURN_IF_ERROR(rec.status());
    Registry::WireResource out;
    const absl::string_view data = rec->data;
    const std::optional<WireFields> fields = ScanWire(*R::descriptor(), data);
    if (!fields.has_value()) {
      SAMENSPEL_ASSIGN_OR_RETURN(R r, Present(caller, *std::move(rec)));
      out.bytes = r.SerializeAsString();
      out.name = r.name();
      if constexpr (std::is_same_v<R, v1::Expert>) {
        out.organisation = r.organisation();
        out.personal_data = !r.email().empty() || !r.bio().empty();
      }
      return out;
    }
    auto value = [data](const WireField& f) {
      return data.substr(f.value_begin, f.value_end - f.value_begin);
    };
    bool withhold = false;  // the expert's email and bio
    if constexpr (std::is_same_v<R, v1::Expert>) {
      absl::string_view organisation;
      bool share = false;
      for (const WireField& f : *fields) {
        if (f.number == R::kOrganisationFieldNumber) organisation = value(f);
        if (f.number == R::kShareContactDetailsFieldNumber) share = f.varint != 0;
      }
      withhold = !MaySeePersonalData(caller, organisation, share);
    }
    out.bytes.reserve(data.size() + 32);
    size_t copied = 0;  // data before it is in out.bytes or left out
    bool stamped = false;
    auto copy_to = [&](size_t at) {
      out.bytes.append(data.data() + copied, at - copied);
    };
    auto skip = [&](const WireField& f) {
      copy_to(f.begin);
      copied = f.end;
    };
    auto stamp = [&](size_t at) {
      copy_to(at);
      copied = at;
      AppendWireString(R::kEtagFieldNumber, Registry::Etag(rec->revision), out.bytes);
      if (rec->revision != 0) {
        AppendWireVarint(R::kRevisionFieldNumber, static_cast<uint64_t>(rec->revision),
                         out.bytes);
      }
      stamped = true;
    };
    for (const WireField& f : *fields) {
      // The store's own (never stored: see MakeMutation) would be overridden.
      if (f.number == R::kEtagFieldNumber || f.number == R::kRevisionFieldNumber) {
        skip(f);
        continue;
      }
      if (!stamped && f.number > R::kRevisionFieldNumber) stamp(f.begin);
      if (f.number == R::kNameFieldNumber) out.name = std::string(value(f));
      if constexpr (std::is_same_v<R, v1::Expert>) {
        if (f.number == R::kOrganisationFieldNumber) {
          out.organisation = std::string(value(f));
        }
        if (f.number == R::kEmailFieldNumber || f.number == R::kBioFieldNumber) {
          if (withhold) {
            skip(f);
            continue;
          }
          if (f.value_end > f.value_begin) out.personal_data = true;
        }
      }
    }
    if (!stamped) stamp(data.size());
    copy_to(data.size());
    return out;
  }

  Store* store_;
  const RegistryOptions& options_;
  const v1::Principal& caller_;
  Reads reads_;
  int retries_ = 0;                                   // see RetryAfterChangedRead
  std::vector<std::string>* also_changed_ = nullptr;  // see AlsoChanged
};

Registry::Registry(Store* store, RegistryOptions options)
    : store_(store),
      options_(std::move(options)),
      organisations_(std::make_unique<OrganisationCache>()) {}

Registry::~Registry() = default;

std::string Registry::Etag(int64_t revision) {
  return absl::StrCat("\"", revision, "\"");
}

bool Registry::EtagMatches(absl::string_view given, absl::string_view current) {
  if (given == current) return true;
  // Without its quotes, as a shell leaves `--etag "555"`.
  return current.size() == given.size() + 2 && current.front() == '"' &&
         current.back() == '"' && current.substr(1, given.size()) == given;
}

namespace {

std::vector<IndexEntry> Filters(
    std::initializer_list<std::pair<absl::string_view, std::string>> named) {
  std::vector<IndexEntry> out;
  for (const auto& [field, value] : named) {
    if (!value.empty()) out.push_back({std::string(field), value});
  }
  return out;
}

absl::StatusOr<std::string> OptionalRef(Kind kind, absl::string_view name,
                                        absl::string_view field) {
  if (name.empty()) return std::string();
  return ParseName(kind, name, field);
}

// A list filter on an enum field: "" for none (0); INVALID_ARGUMENT for a
// value the enum does not have, which would match nothing.
absl::StatusOr<std::string> EnumFilter(int value,
                                       const google::protobuf::EnumDescriptor* d,
                                       const char* field) {
  if (value == 0) return std::string();
  if (d->FindValueByNumber(value) == nullptr) {
    return InvalidField(field, absl::StrCat("not a valid ", d->name(), " value"));
  }
  return absl::StrCat(value);
}

// A list filter on an organisation's layer (see EnumFilter).
absl::StatusOr<std::string> LayerFilter(int layer) {
  return EnumFilter(layer, ::samenspel::type::v1::GovernmentLayer_descriptor(), "layer");
}

// A list filter on a region code: "" for none; INVALID_ARGUMENT for a code
// no record can have (stored codes are validated, upper case).
absl::StatusOr<std::string> RegionFilter(const std::string& code, const char* field) {
  if (!code.empty() && !IsValidRegionCode(code)) {
    return InvalidField(field, std::string(kRegionCodeRule));
  }
  return code;
}

// A theme or skill filter, folded as the index keeps them.
absl::StatusOr<std::string> TermFilter(const std::string& term, const char* field) {
  // What no stored term can be matches nothing: refused, not an empty page
  // (an API review: "a\x01" listed nothing).
  FieldViolations v;
  ValidateTermFilter(term, field, v);
  SAMENSPEL_RETURN_IF_ERROR(v.ToStatus());
  std::string key = TermKey(term);
  // Only characters the fold drops (a soft hyphen, combining marks): it was
  // an empty filter, and every record was listed (a review).
  if (key.empty() && !term.empty()) {
    return InvalidField(field, "holds no letter, digit or other visible character");
  }
  return key;
}

absl::StatusOr<std::string> OinFilter(const std::string& oin) {
  if (!oin.empty() &&
      (oin.size() != 20 || !std::all_of(oin.begin(), oin.end(), absl::ascii_isdigit))) {
    return InvalidField("oin", "must be 20 digits (Organisatie-identificatienummer)");
  }
  return oin;
}

}  // namespace

// --- Organisations ---

absl::StatusOr<v1::Organisation> Registry::CreateOrganisation(
    const v1::CreateOrganisationRequest& r, const v1::Principal& caller) {
  absl::StatusOr<v1::Organisation> created =
      ResourceOps<v1::Organisation>(*this, caller)
          .Create(r.organisation(), r.organisation_id(), r.request_id());
  // Whatever the outcome (one that is not known may have happened).
  OrganisationChanged(ResourceName(Kind::kOrganisation, r.organisation_id()));
  // The commit checks the OIN (a precondition) before the id: an
  // organisation created again with its own OIN is one that exists, as for
  // any other create (an import run again counts it as skipped; it failed on
  // "another organisation already has OIN", a civil servant's review found).
  if (absl::IsFailedPrecondition(created.status()) && !r.organisation_id().empty() &&
      store_->Get(Kind::kOrganisation, r.organisation_id()).ok()) {
    return AlreadyExistsError(ResourceName(Kind::kOrganisation, r.organisation_id()));
  }
  return created;
}
void Registry::OrganisationChanged(const std::string& name) const {
  if (options_.organisation_changed) options_.organisation_changed(name);
}
absl::StatusOr<v1::Organisation> Registry::GetOrganisation(
    const v1::GetOrganisationRequest& r, const v1::Principal& caller) {
  return ResourceOps<v1::Organisation>(*this, caller).Get(r.name(), "name");
}
void Registry::GetOrganisationAsync(const v1::GetOrganisationRequest& r,
                                    const v1::Principal& caller, WireDone done) {
  ResourceOps<v1::Organisation>(*this, caller)
      .GetWireAsync(r.name(), "name", std::move(done));
}
absl::StatusOr<v1::ListOrganisationsResponse> Registry::ListOrganisations(
    const v1::ListOrganisationsRequest& r, const v1::Principal& caller) {
  SAMENSPEL_ASSIGN_OR_RETURN(std::string layer, LayerFilter(r.layer()));
  SAMENSPEL_ASSIGN_OR_RETURN(std::string region,
                             RegionFilter(r.region_code(), "region_code"));
  SAMENSPEL_ASSIGN_OR_RETURN(std::string oin, OinFilter(r.oin()));
  auto filters = (Filters({{"oin", oin}, {"layer", layer}, {"region", region}}));
  return ResourceOps<v1::Organisation>(*this, caller)
      .List<v1::ListOrganisationsResponse>(
          r.page_size(), r.page_token(), std::move(filters),
          &v1::ListOrganisationsResponse::mutable_organisations);
}
absl::StatusOr<v1::Organisation> Registry::UpdateOrganisation(
    const v1::UpdateOrganisationRequest& r, const v1::Principal& caller) {
  absl::StatusOr<v1::Organisation> updated =
      ResourceOps<v1::Organisation>(*this, caller)
          .Update(r.organisation(), r.update_mask());
  OrganisationChanged(r.organisation().name());
  return updated;
}
absl::StatusOr<v1::Organisation> Registry::DeleteOrganisation(
    const v1::DeleteOrganisationRequest& r, const v1::Principal& caller,
    std::vector<std::string>* also_changed) {
  absl::StatusOr<v1::Organisation> deleted =
      ResourceOps<v1::Organisation>(*this, caller)
          .Delete(r.name(), r.etag(), also_changed);
  OrganisationChanged(r.name());
  if (absl::IsFailedPrecondition(deleted.status())) {
    // The store names the first thing in the way; the caller is told all of
    // them, with a few names each, to clear them in one round.
    return EverythingInTheWay(r.name(), deleted.status());
  }
  return deleted;
}

absl::Status Registry::EverythingInTheWay(absl::string_view name,
                                          absl::Status first) const {
  const std::string id = IdOf(name);
  google::rpc::PreconditionFailure failure;
  std::vector<std::string> parts;
  for (const auto& b : Traits<v1::Organisation>::kBlockers) {
    ListRequest list;
    list.kind = b.kind;
    list.index = IndexEntry{std::string(b.index), id};
    list.limit = 3;
    absl::StatusOr<ListResult> page = store_->List(list);
    if (!page.ok()) return first;
    if (page->records.empty()) continue;
    std::vector<std::string> names;
    for (const StoredRecord& rec : page->records) {
      names.push_back(ResourceName(b.kind, rec.id));
    }
    if (page->more) names.push_back("...");
    const std::string description =
        absl::StrCat(b.what, " (", absl::StrJoin(names, ", "), "); ", b.fix);
    auto* v = failure.add_violations();
    v->set_type("STATE");
    v->set_subject(absl::StrCat(KindCollection(b.kind), " with ", b.index, "=", id));
    v->set_description(description);
    parts.push_back(description);
  }
  if (parts.empty()) return first;
  absl::Status status = absl::FailedPreconditionError(
      absl::StrCat(name, " cannot be deleted: ", absl::StrJoin(parts, "; and ")));
  AttachDetail(status, failure);
  return WithReason(std::move(status), "FAILED_PRECONDITION");
}

// --- Experts ---

absl::StatusOr<v1::Expert> Registry::CreateExpert(const v1::CreateExpertRequest& r,
                                                  const v1::Principal& caller) {
  return ResourceOps<v1::Expert>(*this, caller)
      .Create(r.expert(), r.expert_id(), r.request_id());
}
absl::StatusOr<v1::Expert> Registry::GetExpert(const v1::GetExpertRequest& r,
                                               const v1::Principal& caller) {
  return ResourceOps<v1::Expert>(*this, caller).Get(r.name(), "name");
}
void Registry::GetExpertAsync(const v1::GetExpertRequest& r, const v1::Principal& caller,
                              WireDone done) {
  ResourceOps<v1::Expert>(*this, caller).GetWireAsync(r.name(), "name", std::move(done));
}
namespace {

// The state of one Registry::CreateExpertAsync: the principal, which
// ResourceOps refers to, lives as long as it (a base constructed first).
struct PrincipalHolder {
  v1::Principal principal;
};
struct CreateExpertOps : PrincipalHolder, ResourceOps<v1::Expert> {
  CreateExpertOps(const Registry& registry, const v1::Principal& caller)
      : PrincipalHolder{caller}, ResourceOps(registry, principal, true) {}
};

}  // namespace

void Registry::CreateExpertAsync(const v1::CreateExpertRequest& r,
                                 const v1::Principal& caller, Done<v1::Expert> done,
                                 std::function<bool()> abandoned) {
  StartCreateExpert(std::make_shared<CreateExpertOps>(*this, caller), r, std::move(done),
                    std::move(abandoned));
}

void Registry::StartCreateExpert(std::shared_ptr<ResourceOps<v1::Expert>> ops,
                                 const v1::CreateExpertRequest& r, Done<v1::Expert> done,
                                 std::function<bool()> abandoned) {
  // After an organisation changed since it was read: again, reading it from
  // the store.
  auto retry = [this, ops, &r, abandoned](Done<v1::Expert> done) mutable {
    StartCreateExpert(std::move(ops), r, std::move(done), std::move(abandoned));
  };
  // Traits<v1::Expert>::Prepare reads the organisation: from the registry's
  // cache when it is there (no wait), else read ahead (also when validation
  // then rejects the request, which wastes only the read).
  // `abandoned` is asked by the store just before the commit is sent.
  std::string org_id = IdOf(r.expert().organisation());
  if (ops->reads().FromCache(org_id).has_value()) {
    return ResourceOps<v1::Expert>::CreateAsync(std::move(ops), r.expert(), r.expert_id(),
                                                r.request_id(), std::move(abandoned),
                                                std::move(done), std::move(retry));
  }
  store_->GetAsync(
      Kind::kOrganisation, org_id,
      [ops, org_id, &r, done = std::move(done), abandoned = std::move(abandoned),
       retry = std::move(retry)](absl::StatusOr<StoredRecord> org) mutable {
        ops->reads().Seed(org_id, std::move(org));
        ResourceOps<v1::Expert>::CreateAsync(std::move(ops), r.expert(), r.expert_id(),
                                             r.request_id(), std::move(abandoned),
                                             std::move(done), std::move(retry));
      });
}
absl::StatusOr<v1::ListExpertsResponse> Registry::ListExperts(
    const v1::ListExpertsRequest& r, const v1::Principal& caller) {
  v1::ListExpertsResponse response;
  SAMENSPEL_RETURN_IF_ERROR(ListExpertsInto(r, caller, &response));
  return response;
}
absl::Status Registry::ListExpertsInto(const v1::ListExpertsRequest& r,
                                       const v1::Principal& caller,
                                       v1::ListExpertsResponse* response) {
  SAMENSPEL_ASSIGN_OR_RETURN(
      std::string org,
      OptionalRef(Kind::kOrganisation, r.organisation(), "organisation"));
  SAMENSPEL_ASSIGN_OR_RETURN(std::string layer, LayerFilter(r.layer()));
  SAMENSPEL_ASSIGN_OR_RETURN(std::string region,
                             RegionFilter(r.region_code(), "region_code"));
  SAMENSPEL_ASSIGN_OR_RETURN(std::string skill, TermFilter(r.skill(), "skill"));
  SAMENSPEL_ASSIGN_OR_RETURN(std::string theme, TermFilter(r.theme(), "theme"));
  auto filters = (Filters({{"organisation", org},
                           {"skill", skill},
                           {"theme", theme},
                           {"region", region},
                           {"layer", layer}}));
  return ResourceOps<v1::Expert>(*this, caller)
      .ListInto(r.page_size(), r.page_token(), std::move(filters),
                &v1::ListExpertsResponse::mutable_experts, response);
}
absl::StatusOr<v1::Expert> Registry::UpdateExpert(const v1::UpdateExpertRequest& r,
                                                  const v1::Principal& caller) {
  return ResourceOps<v1::Expert>(*this, caller).Update(r.expert(), r.update_mask());
}
absl::StatusOr<v1::Expert> Registry::DeleteExpert(
    const v1::DeleteExpertRequest& r, const v1::Principal& caller,
    std::vector<std::string>* also_changed) {
  return ResourceOps<v1::Expert>(*this, caller).Delete(r.name(), r.etag(), also_changed);
}

namespace {

// The answer to a batch holds every expert it creates: one that would not
// fit gRPC's default receive limit of 4 MiB (Python's, Java's and Go's
// clients keep it unless told otherwise) would be lost after the batch was
// written, and its retries too, so such a batch is refused before anything
// is written (an API review: a 4,141,780-byte batch of 1,000 experts was
// created and answered with 4,196,890 bytes, which grpcio refused).
// `response` holds the experts as they would be stored, without their
// revision and etag, which add at most kRevisionAndEtagBytes each.
absl::Status CheckBatchResponseSize(const v1::BatchCreateExpertsResponse& response) {
  constexpr size_t kMaxResponseBytes = size_t{4} << 20;
  // The revision (tag and varint: at most 11 bytes), the etag (tag, length
  // and at most 21 characters: a quoted int64), and a longer length prefix.
  constexpr size_t kRevisionAndEtagBytes = 11 + 24 + 2;
  const size_t bytes =
      response.ByteSizeLong() +
      kRevisionAndEtagBytes * static_cast<size_t>(response.experts_size());
  if (bytes <= kMaxResponseBytes) return absl::OkStatus();
  const size_t fits = std::max<size_t>(
      1, kMaxResponseBytes * static_cast<size_t>(response.experts_size()) / bytes);
  absl::Status status = absl::ResourceExhaustedError(absl::StrCat(
      "the answer to this batch would be about ", bytes,
      " bytes, over the 4 MiB (4194304 bytes) that gRPC clients accept by default: send "
      "it in smaller batches (at most about ",
      fits, " experts like these each); nothing was created"));
  return WithReason(std::move(status), "BATCH_RESPONSE_TOO_LARGE");
}

}  // namespace

absl::StatusOr<v1::BatchCreateExpertsResponse> Registry::BatchCreateExperts(
    const v1::BatchCreateExpertsRequest& r, const v1::Principal& caller) {
  if (r.requests_size() == 0) return InvalidField("requests", "at least one expert");
  if (r.requests_size() > options_.max_batch_size) {
    return InvalidField("requests",
                        absl::StrCat("at most ", options_.max_batch_size, " per call"));
  }
  ResourceOps<v1::Expert> ops(*this, caller);
  // Once more when an organisation read for the batch changed before its
  // commit (see RetryAfterChangedRead), reading it again.
  for (;;) {
    CommitRequest req;
    req.commit_time = options_.clock();
    v1::BatchCreateExpertsResponse response;
    FieldViolations v;
    std::set<std::string> ids;
    std::vector<std::string> request_ids;
    std::set<std::string> seen_request_ids;
    // The batch is retried as a whole: by the request ids of all its items
    // together, so every item has one or none has.
    const bool with_request_ids = !r.requests(0).request_id().empty();
    std::vector<std::string> fingerprints;
    bool request_ids_ok = true;
    // Whether an item is invalid in itself, or two share an id (as
    // ResourceOps::ProbeFailure's invalid_alone).
    bool invalid_alone = false;
    for (int i = 0; i < r.requests_size(); ++i) {
      const auto& item = r.requests(i);
      if (with_request_ids)
        fingerprints.push_back(CreateFingerprint(item.expert(), item.expert_id()));
      const std::string prefix = absl::StrCat("requests[", i, "]");
      if (absl::Status s = CheckRequestId(item.request_id(), prefix + ".request_id");
          !s.ok()) {
        v.Add(prefix + ".request_id", std::string(s.message()));
        request_ids_ok = false;
      } else if (item.request_id().empty() == with_request_ids) {
        v.Add(prefix + ".request_id",
              "give a request_id on every item of the batch or on none "
              "(a retry is recognised by all of them together)");
        request_ids_ok = false;
      } else if (with_request_ids && !seen_request_ids.insert(item.request_id()).second) {
        v.Add(prefix + ".request_id",
              "the same request_id appears earlier in this batch");
        request_ids_ok = false;
      }
      request_ids.push_back(item.request_id());
      absl::StatusOr<v1::Expert> e =
          ops.PrepareCreate(item.expert(), item.expert_id(), prefix + ".expert",
                            prefix + ".expert_id", req);
      if (absl::IsInvalidArgument(e.status())) {
        // Gather every bad item's fields, so an import can report them all.
        v.AddFrom(e.status());
        if (ops.InvalidAlone(item.expert(), item.expert_id())) invalid_alone = true;
        continue;
      }
      SAMENSPEL_RETURN_IF_ERROR(e.status());
      if (!ids.insert(e->name()).second) {
        invalid_alone = true;
        v.Add(prefix + ".expert_id", "the same id appears earlier in this batch");
      }
      *response.add_experts() = *std::move(e);
    }
    const bool idempotent =
        std::none_of(request_ids.begin(), request_ids.end(),
                     [](const std::string& id) { return id.empty(); });
    if (idempotent) {
      req.request_id = absl::StrCat("experts/batch/", caller.subject(), "/",
                                    Sha256Hex(absl::StrJoin(request_ids, "\n")));
      std::vector<std::string> names;
      for (const auto& e : response.experts()) names.push_back(IdOf(e.name()));
      req.request_result = absl::StrJoin(names, "\n");
      req.request_fingerprint =
          Sha256Hex(absl::StrJoin(fingerprints, "\n")).substr(0, 32);
    }
    absl::Status refused = v.ToStatus();
    if (refused.ok()) refused = CheckBatchResponseSize(response);
    absl::StatusOr<CommitResult> committed;
    if (!refused.ok()) {
      // The batch may be the retry of one that was done, before an
      // organisation it names was deleted, or by a registry that did not
      // check the answer's size (a review: told "nothing was created", its
      // client would send it again under new request_ids): then it is
      // answered as a retry (as a single create is, ReplayOr), by its
      // request_ids alone.
      if (!idempotent || !request_ids_ok) return refused;
      CommitRequest probe;
      probe.commit_time = req.commit_time;
      probe.replay_only = true;
      probe.request_id = req.request_id;
      probe.request_fingerprint = req.request_fingerprint;
      committed = store_->Commit(probe);
      if (absl::IsNotFound(committed.status()) || (!committed.ok() && invalid_alone)) {
        return refused;
      }
      if (committed.ok() && !committed->replayed) return refused;
    } else {
      committed = store_->Commit(req);
      if (ops.RetryAfterChangedRead(committed.status())) continue;
    }
    SAMENSPEL_ASSIGN_OR_RETURN(CommitResult result, std::move(committed));
    if (result.replayed) {
      if (!SameRequest(req.request_fingerprint, result.request_fingerprint)) {
        const std::vector<absl::string_view> ids =
            absl::StrSplit(result.request_result, '\n');
        return RequestIdReused(
            "requests", "these request_ids (all of them together) were",
            absl::StrCat(ids.size(), " expert", ids.size() == 1 ? "" : "s", " (",
                         ResourceName(Kind::kExpert, ids.front()),
                         ids.size() == 1 ? ")" : ", ...)"),
            ResourceName(Kind::kExpert, ids.front()));
      }
      response.clear_experts();
      // Experts of the first batch deleted since: which, by their place in
      // the request. (Sending the whole batch again under new request ids
      // would create the others twice, or fail on their ids.)
      google::rpc::PreconditionFailure deleted;
      int index = 0;
      for (absl::string_view id : absl::StrSplit(result.request_result, '\n')) {
        const std::string name = ResourceName(Kind::kExpert, id);
        absl::StatusOr<v1::Expert> got = ops.Get(name, "name");
        if (absl::IsNotFound(got.status())) {
          auto* v = deleted.add_violations();
          v->set_type("REQUEST_ID");
          v->set_subject(absl::StrCat("requests[", index, "].request_id"));
          v->set_description(
              absl::StrCat("created ", name, ", which has been deleted since"));
        } else {
          SAMENSPEL_RETURN_IF_ERROR(got.status());
          *response.add_experts() = *std::move(got);
        }
        ++index;
      }
      if (deleted.violations_size() > 0) {
        std::vector<std::string> what;
        for (const auto& v : deleted.violations()) {
          what.push_back(absl::StrCat(v.subject(), " ", v.description()));
        }
        absl::Status status = absl::FailedPreconditionError(absl::StrCat(
            "this batch was created before, and since then: ", absl::StrJoin(what, "; "),
            ". To create those again, send them in a batch of their own with new "
            "request_ids (the others exist)"));
        AttachDetail(status, deleted);
        return WithReason(std::move(status), "CREATED_RESOURCE_DELETED");
      }
      return response;
    }
    for (int i = 0; i < response.experts_size(); ++i) {
      response.mutable_experts(i)->set_revision(result.revisions[i]);
      response.mutable_experts(i)->set_etag(Etag(result.revisions[i]));
    }
    return response;
  }
}

// --- Teams ---

absl::StatusOr<v1::TaskTeam> Registry::CreateTeam(
    const v1::CreateTeamRequest& r, const v1::Principal& caller,
    std::vector<std::string>* also_changed) {
  return ResourceOps<v1::TaskTeam>(*this, caller)
      .AlsoChanged(also_changed)
      .Create(r.team(), r.team_id(), r.request_id());
}
absl::StatusOr<v1::TaskTeam> Registry::GetTeam(const v1::GetTeamRequest& r,
                                               const v1::Principal& caller) {
  return ResourceOps<v1::TaskTeam>(*this, caller).Get(r.name(), "name");
}
void Registry::GetTeamAsync(const v1::GetTeamRequest& r, const v1::Principal& caller,
                            WireDone done) {
  ResourceOps<v1::TaskTeam>(*this, caller)
      .GetWireAsync(r.name(), "name", std::move(done));
}
absl::StatusOr<v1::ListTeamsResponse> Registry::ListTeams(const v1::ListTeamsRequest& r,
                                                          const v1::Principal& caller) {
  SAMENSPEL_ASSIGN_OR_RETURN(
      std::string owner,
      OptionalRef(Kind::kOrganisation, r.owner_organisation(), "owner_organisation"));
  SAMENSPEL_ASSIGN_OR_RETURN(std::string member,
                             OptionalRef(Kind::kExpert, r.member(), "member"));
  SAMENSPEL_ASSIGN_OR_RETURN(
      std::string state,
      EnumFilter(r.state(), v1::TaskTeam::State_descriptor(), "state"));
  SAMENSPEL_ASSIGN_OR_RETURN(std::string theme, TermFilter(r.theme(), "theme"));
  auto filters = (Filters(
      {{"member", member}, {"owner", owner}, {"theme", theme}, {"state", state}}));
  return ResourceOps<v1::TaskTeam>(*this, caller)
      .List<v1::ListTeamsResponse>(r.page_size(), r.page_token(), std::move(filters),
                                   &v1::ListTeamsResponse::mutable_teams);
}
absl::StatusOr<v1::TaskTeam> Registry::UpdateTeam(
    const v1::UpdateTeamRequest& r, const v1::Principal& caller,
    std::vector<std::string>* also_changed) {
  return ResourceOps<v1::TaskTeam>(*this, caller)
      .AlsoChanged(also_changed)
      .Update(r.team(), r.update_mask());
}
absl::StatusOr<v1::TaskTeam> Registry::DeleteTeam(
    const v1::DeleteTeamRequest& r, const v1::Principal& caller,
    std::vector<std::string>* also_changed) {
  return ResourceOps<v1::TaskTeam>(*this, caller)
      .Delete(r.name(), r.etag(), also_changed);
}

absl::StatusOr<v1::TaskTeam> Registry::AddTeamMember(
    const v1::AddTeamMemberRequest& r, const v1::Principal& caller,
    std::vector<std::string>* also_changed) {
  FieldViolations v;
  ValidateTeamMember(r.member(), "member", v);
  if (!v.empty() && !v.Names("member.expert")) {
    // Whether the expert exists too, so the caller can fix everything at once.
    const Precondition exists =
        Precondition::Exists(Kind::kExpert, IdOf(r.member().expert()), "member.expert");
    if (absl::IsNotFound(store_->Get(exists.kind, exists.id).status())) {
      v.AddFrom(exists.FailureStatus());
    }
  }
  SAMENSPEL_RETURN_IF_ERROR(v.ToStatus());
  std::string added;  // the new member's field in the team
  return ResourceOps<v1::TaskTeam>(*this, caller)
      .AlsoChanged(also_changed)
      .Modify(
          r.team(), "team", r.etag(),
          [&](v1::TaskTeam& team) -> absl::Status {
            for (const auto& m : team.members()) {
              if (m.expert() == r.member().expert()) {
                return WithReason(
                    absl::AlreadyExistsError(absl::StrCat(
                        r.member().expert(), " is already a member of ", team.name())),
                    "ALREADY_MEMBER");
              }
            }
            added = absl::StrCat("team.members[", team.members_size(), "].expert");
            *team.add_members() = r.member();
            return absl::OkStatus();
          },
          // An expert that does not exist is the request's member.expert.
          [&](const std::string& field) {
            return field == added ? std::string("member.expert") : field;
          });
}

absl::StatusOr<v1::TaskTeam> Registry::RemoveTeamMember(
    const v1::RemoveTeamMemberRequest& r, const v1::Principal& caller,
    std::vector<std::string>* also_changed) {
  SAMENSPEL_RETURN_IF_ERROR(ParseName(Kind::kExpert, r.expert(), "expert").status());
  return ResourceOps<v1::TaskTeam>(*this, caller)
      .AlsoChanged(also_changed)
      .Modify(r.team(), "team", r.etag(), [&](v1::TaskTeam& team) -> absl::Status {
        auto* members = team.mutable_members();
        for (int i = 0; i < members->size(); ++i) {
          if (members->Get(i).expert() == r.expert()) {
            members->DeleteSubrange(i, 1);
            return absl::OkStatus();
          }
        }
        return WithReason(absl::NotFoundError(absl::StrCat(
                              r.expert(), " is not a member of ", team.name())),
                          "NOT_A_MEMBER");
      });
}

// --- Challenges ---

absl::StatusOr<v1::Challenge> Registry::CreateChallenge(
    const v1::CreateChallengeRequest& r, const v1::Principal& caller) {
  return ResourceOps<v1::Challenge>(*this, caller)
      .Create(r.challenge(), r.challenge_id(), r.request_id());
}
absl::StatusOr<v1::Challenge> Registry::GetChallenge(const v1::GetChallengeRequest& r,
                                                     const v1::Principal& caller) {
  return ResourceOps<v1::Challenge>(*this, caller).Get(r.name(), "name");
}
void Registry::GetChallengeAsync(const v1::GetChallengeRequest& r,
                                 const v1::Principal& caller, WireDone done) {
  ResourceOps<v1::Challenge>(*this, caller)
      .GetWireAsync(r.name(), "name", std::move(done));
}
absl::StatusOr<v1::ListChallengesResponse> Registry::ListChallenges(
    const v1::ListChallengesRequest& r, const v1::Principal& caller) {
  SAMENSPEL_ASSIGN_OR_RETURN(
      std::string owner,
      OptionalRef(Kind::kOrganisation, r.owner_organisation(), "owner_organisation"));
  SAMENSPEL_ASSIGN_OR_RETURN(
      std::string state,
      EnumFilter(r.state(), v1::Challenge::State_descriptor(), "state"));
  SAMENSPEL_ASSIGN_OR_RETURN(std::string theme, TermFilter(r.theme(), "theme"));
  auto filters = (Filters({{"owner", owner}, {"theme", theme}, {"state", state}}));
  return ResourceOps<v1::Challenge>(*this, caller)
      .List<v1::ListChallengesResponse>(r.page_size(), r.page_token(), std::move(filters),
                                        &v1::ListChallengesResponse::mutable_challenges);
}
absl::StatusOr<v1::Challenge> Registry::UpdateChallenge(
    const v1::UpdateChallengeRequest& r, const v1::Principal& caller) {
  return ResourceOps<v1::Challenge>(*this, caller).Update(r.challenge(), r.update_mask());
}
absl::StatusOr<v1::Challenge> Registry::DeleteChallenge(
    const v1::DeleteChallengeRequest& r, const v1::Principal& caller,
    std::vector<std::string>* also_changed) {
  return ResourceOps<v1::Challenge>(*this, caller)
      .Delete(r.name(), r.etag(), also_changed);
}

// --- Change feed ---

bool Registry::RedactFor(const v1::Principal& caller, v1::Change& change) {
  if (!change.has_expert()) return false;
  v1::Expert& expert = *change.mutable_expert();
  // A feed entry is the expert as they were then: share_contact_details
  // withdrawn since must hold for it too. So other organisations get contact
  // details from GetExpert (the current record and consent) only, never from
  // the feed.
  if (!IsAdmin(caller) &&
      (caller.organisation().empty() || caller.organisation() != expert.organisation())) {
    expert.clear_email();
    expert.clear_bio();
  }
  return !expert.email().empty() || !expert.bio().empty();
}

absl::StatusOr<v1::Change> Registry::ToChange(const StoredChange& c) {
  v1::Change change;
  change.set_revision(c.revision);
  change.set_name(ResourceName(c.kind, c.id));
  change.set_type(static_cast<v1::Change::Type>(c.type));
  *change.mutable_commit_time() = ToProto(c.commit_time);
  if (c.type == ChangeType::kDeleted || c.type == ChangeType::kRedacted) return change;
  StoredRecord rec{c.kind, c.id, c.data, c.revision};
  switch (c.kind) {
    case Kind::kOrganisation: {
      SAMENSPEL_ASSIGN_OR_RETURN(*change.mutable_organisation(),
                                 Decode<v1::Organisation>(rec));
      break;
    }
    case Kind::kExpert: {
      SAMENSPEL_ASSIGN_OR_RETURN(*change.mutable_expert(), Decode<v1::Expert>(rec));
      break;
    }
    case Kind::kTeam: {
      SAMENSPEL_ASSIGN_OR_RETURN(*change.mutable_team(), Decode<v1::TaskTeam>(rec));
      break;
    }
    case Kind::kChallenge: {
      SAMENSPEL_ASSIGN_OR_RETURN(*change.mutable_challenge(), Decode<v1::Challenge>(rec));
      break;
    }
  }
  return change;
}

}  // namespace samenspel::registry
