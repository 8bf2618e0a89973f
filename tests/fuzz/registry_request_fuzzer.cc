// Fuzzes the registry's request handling: field validation
// (registry-service/core/validation.h) and the whole create / update / delete
// / list path of Registry over a MemoryStore (references, field masks, etags,
// idempotent creates, paging).
//
// Input: see registry_request.h (a selector byte, then a serialized request
// of that type), run against a fresh store holding the fixture.
// Invariants:
//  - a request is rejected only with a client error (INVALID_ARGUMENT,
//    NOT_FOUND, ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION), and then the
//    store is exactly as before;
//  - a create whose resource fails validation is rejected;
//  - what a write returns passes validation, has a new revision and its etag,
//    and is what a Get returns;
//  - repeating a successful write: a create with a request_id returns the
//    first result and writes nothing; a write with an etag (now stale) is
//    ABORTED; an update without one gives the same content again; adding or
//    removing the same team member again is ALREADY_EXISTS or NOT_FOUND; a
//    delete is NOT_FOUND;
//  - the store stays consistent after every request: every record decodes,
//    passes validation and is named by its id; every reference exists; every
//    expert has its organisation's layer; every team and challenge has a state;
//  - a List, paged to its end from the first page, returns every record that
//    matches its filters, in the store's list order (creation), once.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "registry-service/core/memory_store.h"
#include "registry-service/core/names.h"
#include "registry-service/core/registry.h"
#include "registry-service/core/validation.h"
#include "samenspel/registry/v1/registry_service.pb.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/registry_request.h"

namespace samenspel::registry::fuzz {
namespace {

using google::protobuf::util::MessageDifferencer;

// Everything a Store holds: (kind, id) -> (data, revision), and its revision.
struct Snapshot {
  int64_t revision = 0;
  std::map<std::pair<Kind, std::string>, std::pair<std::string, int64_t>> records;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

// Per resource type: its kind, its validation and its Get.
template <typename R>
struct Resource;

template <>
struct Resource<v1::Organisation> {
  static constexpr Kind kKind = Kind::kOrganisation;
  static void Validate(const v1::Organisation& r, FieldViolations& v) {
    ValidateOrganisation(r, "organisation", v);
  }
  static absl::StatusOr<v1::Organisation> Get(Registry& registry,
                                              const std::string& name) {
    v1::GetOrganisationRequest get;
    get.set_name(name);
    return registry.GetOrganisation(get);
  }
};

template <>
struct Resource<v1::Expert> {
  static constexpr Kind kKind = Kind::kExpert;
  static void Validate(const v1::Expert& r, FieldViolations& v) {
    ValidateExpert(r, "expert", v);
  }
  static absl::StatusOr<v1::Expert> Get(Registry& registry, const std::string& name) {
    v1::GetExpertRequest get;
    get.set_name(name);
    return registry.GetExpert(get);
  }
};

template <>
struct Resource<v1::TaskTeam> {
  static constexpr Kind kKind = Kind::kTeam;
  static void Validate(const v1::TaskTeam& r, FieldViolations& v) {
    ValidateTeam(r, "team", v);
  }
  static absl::StatusOr<v1::TaskTeam> Get(Registry& registry, const std::string& name) {
    v1::GetTeamRequest get;
    get.set_name(name);
    return registry.GetTeam(get);
  }
};

template <>
struct Resource<v1::Challenge> {
  static constexpr Kind kKind = Kind::kChallenge;
  static void Validate(const v1::Challenge& r, FieldViolations& v) {
    ValidateChallenge(r, "challenge", v);
  }
  static absl::StatusOr<v1::Challenge> Get(Registry& registry, const std::string& name) {
    v1::GetChallengeRequest get;
    get.set_name(name);
    return registry.GetChallenge(get);
  }
};

template <typename R>
bool IsValid(const R& r) {
  FieldViolations v;
  Resource<R>::Validate(r, v);
  return v.empty();
}

bool IsClientError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

bool EqualsIgnoringCase(absl::string_view a, absl::string_view b) {
  return absl::AsciiStrToLower(a) == absl::AsciiStrToLower(b);
}

template <typename Strings>
bool ContainsIgnoringCase(const Strings& values, absl::string_view wanted) {
  return std::any_of(values.begin(), values.end(), [&](const std::string& value) {
    return EqualsIgnoringCase(value, wanted);
  });
}

template <typename Strings>
bool Contains(const Strings& values, absl::string_view wanted) {
  return std::find(values.begin(), values.end(), wanted) != values.end();
}

// A fresh MemoryStore with the fixture, a Registry over it, and the checks.
class World {
 public:
  World() : registry_(&store_, Options()) { AddFixture(); }

  Registry& registry() { return registry_; }

  Snapshot Take() {
    Snapshot s;
    absl::StatusOr<int64_t> revision = store_.CurrentRevision();
    FUZZ_CHECK(revision.ok());
    s.revision = *revision;
    for (Kind kind : kAllKinds) {
      ListRequest list;
      list.kind = kind;
      list.limit = 1 << 20;
      absl::StatusOr<ListResult> page = store_.List(list);
      FUZZ_CHECK(page.ok() && !page->more);
      for (const StoredRecord& rec : page->records) {
        s.records[{kind, rec.id}] = {rec.data, rec.revision};
      }
    }
    return s;
  }

  // A rejected request: a client error, and nothing written.
  void CheckRejected(const absl::Status& status, const Snapshot& before) {
    FUZZ_CHECK(IsClientError(status));
    FUZZ_CHECK(Take() == before);
  }

  // What a successful write returned.
  template <typename R>
  void CheckWritten(const R& r, const Snapshot& before) {
    FUZZ_CHECK(IsValid(r));
    FUZZ_CHECK(r.revision() > before.revision &&
               r.etag() == Registry::Etag(r.revision()));
    absl::StatusOr<R> stored = Resource<R>::Get(registry_, r.name());
    FUZZ_CHECK(stored.ok() && MessageDifferencer::Equals(*stored, r));
  }

  // Runs a write that changes one resource. On success checks what it
  // returned, then repeats it: with an etag (now stale) that is ABORTED;
  // without, it fails with `repeat_code`, or when that is OK it succeeds with
  // the same content (updates are idempotent).
  // (`Extra`: the team writes' also_changed, given as null.)
  template <typename R, typename Request, typename... Extra>
  void CheckModify(const Request& request, absl::string_view etag,
                   absl::StatusOr<R> (Registry::*write)(const Request&,
                                                        const v1::Principal&, Extra...),
                   absl::StatusCode repeat_code) {
    const Snapshot before = Take();
    absl::StatusOr<R> written =
        (registry_.*write)(request, SystemPrincipal(), Extra{}...);
    if (!written.ok()) return CheckRejected(written.status(), before);
    CheckWritten(*written, before);
    const Snapshot after = Take();
    absl::StatusOr<R> again = (registry_.*write)(request, SystemPrincipal(), Extra{}...);
    if (!etag.empty()) repeat_code = absl::StatusCode::kAborted;
    if (repeat_code != absl::StatusCode::kOk) {
      FUZZ_CHECK(again.status().code() == repeat_code);
      return CheckRejected(again.status(), after);
    }
    FUZZ_CHECK(again.ok());
    CheckWritten(*again, after);
    R first = *written;
    for (R* r : {&first, &*again}) {
      r->clear_revision();
      r->clear_etag();
    }
    FUZZ_CHECK(MessageDifferencer::Equals(first, *again));
  }

  // A create: rejected when `input` fails validation; a repeat with the same
  // request_id returns the first result and writes nothing.
  template <typename R, typename Request, typename... Extra>
  void CheckCreate(const Request& request, const R& input, const std::string& id,
                   const std::string& request_id,
                   absl::StatusOr<R> (Registry::*create)(const Request&,
                                                         const v1::Principal&,
                                                         Extra...)) {
    const Snapshot before = Take();
    absl::StatusOr<R> created =
        (registry_.*create)(request, SystemPrincipal(), Extra{}...);
    if (!IsValid(input)) FUZZ_CHECK(absl::IsInvalidArgument(created.status()));
    if (!created.ok()) return CheckRejected(created.status(), before);
    if (!id.empty()) FUZZ_CHECK(created->name() == ResourceName(Resource<R>::kKind, id));
    CheckWritten(*created, before);
    // Without a request_id a repeat makes a second resource or fails.
    if (request_id.empty()) return;
    const Snapshot after = Take();
    absl::StatusOr<R> again = (registry_.*create)(request, SystemPrincipal(), Extra{}...);
    FUZZ_CHECK(again.ok() && MessageDifferencer::Equals(*again, *created));
    FUZZ_CHECK(Take() == after);
  }

  void CheckBatchCreate(const v1::BatchCreateExpertsRequest& request) {
    const Snapshot before = Take();
    absl::StatusOr<v1::BatchCreateExpertsResponse> created =
        registry_.BatchCreateExperts(request);
    bool idempotent = true;
    for (const v1::CreateExpertRequest& item : request.requests()) {
      if (!IsValid(item.expert())) FUZZ_CHECK(absl::IsInvalidArgument(created.status()));
      idempotent = idempotent && !item.request_id().empty();
    }
    if (!created.ok()) return CheckRejected(created.status(), before);
    FUZZ_CHECK(created->experts_size() == request.requests_size());
    for (const v1::Expert& e : created->experts()) CheckWritten(e, before);
    if (!idempotent) return;
    const Snapshot after = Take();
    absl::StatusOr<v1::BatchCreateExpertsResponse> again =
        registry_.BatchCreateExperts(request);
    FUZZ_CHECK(again.ok() && MessageDifferencer::Equals(*again, *created));
    FUZZ_CHECK(Take() == after);
  }

  template <typename R, typename Request>
  void CheckDelete(const Request& request,
                   absl::StatusOr<R> (Registry::*remove)(const Request&,
                                                         const v1::Principal&,
                                                         std::vector<std::string>*)) {
    const Snapshot before = Take();
    std::vector<std::string> also_changed;
    const absl::StatusOr<R> deleted =
        (registry_.*remove)(request, SystemPrincipal(), &also_changed);
    if (!deleted.ok()) return CheckRejected(deleted.status(), before);
    FUZZ_CHECK(deleted->name() == request.name());
    FUZZ_CHECK(Take().revision > before.revision);
    FUZZ_CHECK(absl::IsNotFound(Resource<R>::Get(registry_, request.name()).status()));
    // What else it changed are resource names (the teams a deleted expert
    // left, and their owners; the members a deleted team had, and their
    // organisations).
    for (const std::string& name : also_changed) {
      FUZZ_CHECK(absl::StartsWith(name, "teams/") ||
                 absl::StartsWith(name, "organisations/") ||
                 (std::is_same_v<R, v1::TaskTeam> && absl::StartsWith(name, "experts/")));
    }
    const Snapshot after = Take();
    const absl::Status again =
        (registry_.*remove)(request, SystemPrincipal(), nullptr).status();
    FUZZ_CHECK(absl::IsNotFound(again));
    CheckRejected(again, after);
  }

  // Pages through `request` from its first page with its filters and page
  // size; `matches` says which resources the filters select.
  template <typename R, typename Request, typename Response, typename Items,
            typename Matches>
  void CheckList(Request request,
                 absl::StatusOr<Response> (Registry::*list)(const Request&,
                                                            const v1::Principal&),
                 Items (Response::*items)() const, Matches matches) {
    const Snapshot before = Take();
    absl::StatusOr<Response> page = (registry_.*list)(request, SystemPrincipal());
    if (!page.ok()) return CheckRejected(page.status(), before);
    request.clear_page_token();
    std::vector<std::string> listed;
    for (int pages = 0;; ++pages) {
      FUZZ_CHECK(pages < 100);
      page = (registry_.*list)(request, SystemPrincipal());
      FUZZ_CHECK(page.ok() && page->revision() == before.revision);
      for (const R& r : ((*page).*items)()) {
        FUZZ_CHECK(matches(r));
        listed.push_back(r.name());
      }
      if (page->next_page_token().empty()) break;
      request.set_page_token(page->next_page_token());
    }
    // What matches, in the store's order.
    ListRequest all;
    all.kind = Resource<R>::kKind;
    all.limit = 1 << 20;
    const absl::StatusOr<ListResult> stored = store_.List(all);
    FUZZ_CHECK(stored.ok() && !stored->more);
    std::vector<std::string> expected;
    for (const StoredRecord& rec : stored->records) {
      const std::string name = ResourceName(rec.kind, rec.id);
      absl::StatusOr<R> r = Resource<R>::Get(registry_, name);
      FUZZ_CHECK(r.ok());
      if (matches(*r)) expected.push_back(name);
    }
    FUZZ_CHECK(listed == expected);
    FUZZ_CHECK(Take() == before);
  }

  // The store-wide invariants.
  void CheckConsistent() {
    const Snapshot s = Take();
    std::map<std::string, v1::Organisation> organisations;
    for (const auto& [key, value] : s.records) {
      const auto& [kind, id] = key;
      FUZZ_CHECK(IsValidId(id) && value.second > 0 && value.second <= s.revision);
      const std::string name = ResourceName(kind, id);
      switch (kind) {
        case Kind::kOrganisation:
          organisations[name] = Stored<v1::Organisation>(name, value.second);
          break;
        case Kind::kExpert: {
          const v1::Expert e = Stored<v1::Expert>(name, value.second);
          FUZZ_CHECK(organisations.contains(e.organisation()));
          FUZZ_CHECK(e.layer() == organisations[e.organisation()].layer());
          break;
        }
        case Kind::kTeam: {
          const v1::TaskTeam t = Stored<v1::TaskTeam>(name, value.second);
          FUZZ_CHECK(organisations.contains(t.owner_organisation()));
          FUZZ_CHECK(t.state() != v1::TaskTeam::STATE_UNSPECIFIED);
          for (const v1::TeamMember& m : t.members()) {
            FUZZ_CHECK(s.records.contains({Kind::kExpert, IdOf(m.expert())}));
          }
          break;
        }
        case Kind::kChallenge: {
          const v1::Challenge c = Stored<v1::Challenge>(name, value.second);
          FUZZ_CHECK(organisations.contains(c.owner_organisation()));
          FUZZ_CHECK(c.state() != v1::Challenge::STATE_UNSPECIFIED);
          break;
        }
      }
    }
  }

 private:
  static RegistryOptions Options() {
    RegistryOptions options;
    options.clock = [] { return absl::FromUnixSeconds(1767225600); };  // 2026-01-01
    return options;
  }

  static std::string IdOf(const std::string& name) {
    return name.substr(name.find('/') + 1);
  }

  // A stored resource, read through the registry: valid, named, with its etag.
  template <typename R>
  R Stored(const std::string& name, int64_t revision) {
    absl::StatusOr<R> r = Resource<R>::Get(registry_, name);
    FUZZ_CHECK(r.ok() && r->name() == name && r->revision() == revision);
    FUZZ_CHECK(r->etag() == Registry::Etag(revision) && IsValid(*r));
    return *std::move(r);
  }

  void AddFixture() {
    v1::CreateOrganisationRequest bzk;
    bzk.set_organisation_id(IdOf(kFixtureOrgBzk));
    bzk.mutable_organisation()->set_display_name("Ministerie van BZK");
    bzk.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_NATIONAL);
    bzk.mutable_organisation()->set_oin("00000001003214345000");
    bzk.mutable_organisation()->add_region_codes("NL");
    FUZZ_CHECK(registry_.CreateOrganisation(bzk).ok());

    v1::CreateOrganisationRequest amsterdam;
    amsterdam.set_organisation_id(IdOf(kFixtureOrgAmsterdam));
    amsterdam.mutable_organisation()->set_display_name("Gemeente Amsterdam");
    amsterdam.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
    amsterdam.mutable_organisation()->add_region_codes("GM0363");
    FUZZ_CHECK(registry_.CreateOrganisation(amsterdam).ok());

    v1::CreateExpertRequest anna;
    anna.set_expert_id(IdOf(kFixtureExpertAnna));
    v1::Expert* e = anna.mutable_expert();
    e->set_display_name("Anna de Vries");
    e->set_organisation(kFixtureOrgAmsterdam);
    e->set_job_title("Beleidsadviseur wonen");
    e->set_email("a.devries@amsterdam.nl");
    e->set_bio("Werkt aan de woningbouwopgave en de Wet maatschappelijke ondersteuning.");
    type::v1::Skill* skill = e->add_skills();
    skill->set_name("Woningbouw");
    skill->set_level(4);
    e->add_themes("wonen");
    e->add_region_codes("GM0363");
    e->add_perspectives(type::v1::PERSPECTIVE_POLICY);
    e->set_available_hours_per_week(8);
    FUZZ_CHECK(registry_.CreateExpert(anna).ok());

    v1::CreateExpertRequest jan;
    jan.set_expert_id(IdOf(kFixtureExpertJan));
    jan.mutable_expert()->set_display_name("Jan Jansen");
    jan.mutable_expert()->set_organisation(kFixtureOrgBzk);
    jan.mutable_expert()->add_themes("digitale overheid");
    FUZZ_CHECK(registry_.CreateExpert(jan).ok());

    v1::CreateTeamRequest team;
    team.set_team_id(IdOf(kFixtureTeam));
    v1::TaskTeam* t = team.mutable_team();
    t->set_display_name("Versnelling woningbouw");
    t->set_owner_organisation(kFixtureOrgBzk);
    t->add_themes("wonen");
    t->add_members()->set_expert(kFixtureExpertAnna);
    t->add_members()->set_expert(kFixtureExpertJan);
    FUZZ_CHECK(registry_.CreateTeam(team).ok());

    v1::CreateChallengeRequest challenge;
    challenge.set_challenge_id(IdOf(kFixtureChallenge));
    v1::Challenge* c = challenge.mutable_challenge();
    c->set_title("Warmtenet in Amsterdam-Noord");
    c->set_owner_organisation(kFixtureOrgAmsterdam);
    c->add_themes("energietransitie");
    c->add_region_codes("GM0363");
    FUZZ_CHECK(registry_.CreateChallenge(challenge).ok());
  }

  MemoryStore store_;
  Registry registry_;
};

// Parses `bytes` as a Request and calls check(request); false when they do
// not parse.
template <typename Request, typename Check>
bool With(absl::string_view bytes, Check check) {
  Request request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  check(request);
  return true;
}

// Runs one request of `kind`; false when `bytes` are not one.
bool Run(World& w, RequestKind kind, absl::string_view bytes) {
  using Code = absl::StatusCode;
  switch (kind) {
    case kCreateOrganisation:
      return With<v1::CreateOrganisationRequest>(bytes, [&](const auto& r) {
        w.CheckCreate(r, r.organisation(), r.organisation_id(), r.request_id(),
                      &Registry::CreateOrganisation);
      });
    case kUpdateOrganisation:
      return With<v1::UpdateOrganisationRequest>(bytes, [&](const auto& r) {
        w.CheckModify(r, r.organisation().etag(), &Registry::UpdateOrganisation,
                      Code::kOk);
      });
    case kDeleteOrganisation:
      return With<v1::DeleteOrganisationRequest>(bytes, [&](const auto& r) {
        w.CheckDelete<v1::Organisation>(r, &Registry::DeleteOrganisation);
      });
    case kListOrganisations:
      return With<v1::ListOrganisationsRequest>(bytes, [&](const auto& r) {
        w.CheckList<v1::Organisation>(
            r, &Registry::ListOrganisations,
            &v1::ListOrganisationsResponse::organisations,
            [&](const v1::Organisation& o) {
              return (r.layer() == 0 || o.layer() == r.layer()) &&
                     (r.oin().empty() || o.oin() == r.oin()) &&
                     (r.region_code().empty() ||
                      Contains(o.region_codes(), r.region_code()));
            });
      });
    case kCreateExpert:
      return With<v1::CreateExpertRequest>(bytes, [&](const auto& r) {
        w.CheckCreate(r, r.expert(), r.expert_id(), r.request_id(),
                      &Registry::CreateExpert);
      });
    case kUpdateExpert:
      return With<v1::UpdateExpertRequest>(bytes, [&](const auto& r) {
        w.CheckModify(r, r.expert().etag(), &Registry::UpdateExpert, Code::kOk);
      });
    case kDeleteExpert:
      return With<v1::DeleteExpertRequest>(bytes, [&](const auto& r) {
        w.CheckDelete<v1::Expert>(r, &Registry::DeleteExpert);
      });
    case kListExperts:
      return With<v1::ListExpertsRequest>(bytes, [&](const auto& r) {
        w.CheckList<v1::Expert>(
            r, &Registry::ListExperts, &v1::ListExpertsResponse::experts,
            [&](const v1::Expert& e) {
              return (r.organisation().empty() || e.organisation() == r.organisation()) &&
                     (r.skill().empty() ||
                      std::any_of(e.skills().begin(), e.skills().end(),
                                  [&](const type::v1::Skill& s) {
                                    return EqualsIgnoringCase(s.name(), r.skill());
                                  })) &&
                     (r.theme().empty() || ContainsIgnoringCase(e.themes(), r.theme())) &&
                     (r.region_code().empty() ||
                      Contains(e.region_codes(), r.region_code())) &&
                     (r.layer() == 0 || e.layer() == r.layer());
            });
      });
    case kBatchCreateExperts:
      return With<v1::BatchCreateExpertsRequest>(
          bytes, [&](const auto& r) { w.CheckBatchCreate(r); });
    case kCreateTeam:
      return With<v1::CreateTeamRequest>(bytes, [&](const auto& r) {
        w.CheckCreate(r, r.team(), r.team_id(), r.request_id(), &Registry::CreateTeam);
      });
    case kUpdateTeam:
      return With<v1::UpdateTeamRequest>(bytes, [&](const auto& r) {
        w.CheckModify(r, r.team().etag(), &Registry::UpdateTeam, Code::kOk);
      });
    case kDeleteTeam:
      return With<v1::DeleteTeamRequest>(bytes, [&](const auto& r) {
        w.CheckDelete<v1::TaskTeam>(r, &Registry::DeleteTeam);
      });
    case kListTeams:
      return With<v1::ListTeamsRequest>(bytes, [&](const auto& r) {
        w.CheckList<v1::TaskTeam>(
            r, &Registry::ListTeams, &v1::ListTeamsResponse::teams,
            [&](const v1::TaskTeam& t) {
              return (r.member().empty() ||
                      std::any_of(t.members().begin(), t.members().end(),
                                  [&](const v1::TeamMember& m) {
                                    return m.expert() == r.member();
                                  })) &&
                     (r.owner_organisation().empty() ||
                      t.owner_organisation() == r.owner_organisation()) &&
                     (r.theme().empty() || ContainsIgnoringCase(t.themes(), r.theme())) &&
                     (r.state() == 0 || t.state() == r.state());
            });
      });
    case kAddTeamMember:
      return With<v1::AddTeamMemberRequest>(bytes, [&](const auto& r) {
        w.CheckModify(r, r.etag(), &Registry::AddTeamMember, Code::kAlreadyExists);
      });
    case kRemoveTeamMember:
      return With<v1::RemoveTeamMemberRequest>(bytes, [&](const auto& r) {
        w.CheckModify(r, r.etag(), &Registry::RemoveTeamMember, Code::kNotFound);
      });
    case kCreateChallenge:
      return With<v1::CreateChallengeRequest>(bytes, [&](const auto& r) {
        w.CheckCreate(r, r.challenge(), r.challenge_id(), r.request_id(),
                      &Registry::CreateChallenge);
      });
    case kUpdateChallenge:
      return With<v1::UpdateChallengeRequest>(bytes, [&](const auto& r) {
        w.CheckModify(r, r.challenge().etag(), &Registry::UpdateChallenge, Code::kOk);
      });
    case kDeleteChallenge:
      return With<v1::DeleteChallengeRequest>(bytes, [&](const auto& r) {
        w.CheckDelete<v1::Challenge>(r, &Registry::DeleteChallenge);
      });
    case kListChallenges:
      return With<v1::ListChallengesRequest>(bytes, [&](const auto& r) {
        w.CheckList<v1::Challenge>(
            r, &Registry::ListChallenges, &v1::ListChallengesResponse::challenges,
            [&](const v1::Challenge& c) {
              return (r.owner_organisation().empty() ||
                      c.owner_organisation() == r.owner_organisation()) &&
                     (r.theme().empty() || ContainsIgnoringCase(c.themes(), r.theme())) &&
                     (r.state() == 0 || c.state() == r.state());
            });
      });
    case kRequestKinds:
      break;
  }
  return false;
}

}  // namespace
}  // namespace samenspel::registry::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Protobuf logs every string field that is not valid UTF-8; validation is
  // what must reject those, and the log would swamp the fuzzer's output.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace samenspel::registry::fuzz;
  if (size == 0) return -1;  // not worth keeping in the corpus
  World world;
  const auto kind = static_cast<RequestKind>(data[0] % kRequestKinds);
  const absl::string_view request(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (!Run(world, kind, request)) return -1;
  world.CheckConsistent();
  return 0;
}
