#include "registry-service/core/registry.h"

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry-service/core/access_policy.h"
#include "registry-service/core/memory_store.h"
#include "registry-service/core/validation.h"
#include "tests/support/status_details.h"

namespace samenspel::registry {
namespace {

using ::samenspel::test_support::BadFields;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest() : registry_(&store_, Options()) {}

  RegistryOptions Options() {
    RegistryOptions o;
    o.clock = [this] { return now_; };
    return o;
  }

  v1::Organisation MakeOrg(const std::string& id, type::v1::GovernmentLayer layer) {
    v1::CreateOrganisationRequest req;
    req.set_organisation_id(id);
    req.mutable_organisation()->set_display_name("Org " + id);
    req.mutable_organisation()->set_layer(layer);
    auto org = registry_.CreateOrganisation(req);
    EXPECT_TRUE(org.ok()) << org.status();
    return *org;
  }

  v1::CreateExpertRequest ExpertRequest(const std::string& id, const std::string& org) {
    v1::CreateExpertRequest req;
    req.set_expert_id(id);
    auto* e = req.mutable_expert();
    e->set_display_name("Expert " + id);
    e->set_organisation("organisations/" + org);
    auto* s = e->add_skills();
    s->set_name("Woningbouw");
    s->set_level(3);
    e->add_themes("Wonen");
    e->add_region_codes("GM0363");
    return req;
  }

  v1::Expert MakeExpert(const std::string& id, const std::string& org) {
    auto e = registry_.CreateExpert(ExpertRequest(id, org));
    EXPECT_TRUE(e.ok()) << e.status();
    return *e;
  }

  v1::TaskTeam MakeTeam(const std::string& id, const std::string& org,
                        std::vector<std::string> members) {
    v1::CreateTeamRequest req;
    req.set_team_id(id);
    req.mutable_team()->set_display_name("Team " + id);
    req.mutable_team()->set_owner_organisation("organisations/" + org);
    for (const auto& m : members)
      req.mutable_team()->add_members()->set_expert("experts/" + m);
    auto t = registry_.CreateTeam(req);
    EXPECT_TRUE(t.ok()) << t.status();
    return *t;
  }

  absl::Time now_ = absl::FromUnixSeconds(1790000000);
  MemoryStore store_;
  Registry registry_;
};

TEST_F(RegistryTest, CreateSetsServerOwnedFields) {
  v1::CreateOrganisationRequest req;
  req.set_organisation_id("bzk");
  auto* o = req.mutable_organisation();
  o->set_display_name("Ministerie van BZK");
  o->set_layer(type::v1::GOVERNMENT_LAYER_NATIONAL);
  o->set_name("organisations/ignored");
  o->set_etag("forged");
  o->set_revision(999);
  auto org = registry_.CreateOrganisation(req);
  ASSERT_TRUE(org.ok()) << org.status();
  EXPECT_EQ(org->name(), "organisations/bzk");
  EXPECT_EQ(org->revision(), 1);
  EXPECT_EQ(org->etag(), Registry::Etag(1));
  EXPECT_EQ(org->create_time().seconds(), 1790000000);
  EXPECT_EQ(org->update_time().seconds(), 1790000000);

  v1::GetOrganisationRequest get;
  get.set_name("organisations/bzk");
  auto again = registry_.GetOrganisation(get);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->SerializeAsString(), org->SerializeAsString());
}

TEST_F(RegistryTest, GeneratedIdsAreValidAndDistinct) {
  v1::CreateOrganisationRequest req;
  req.mutable_organisation()->set_display_name("Gemeente Zwolle");
  req.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  auto a = registry_.CreateOrganisation(req);
  auto b = registry_.CreateOrganisation(req);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->name(), b->name());
}

TEST_F(RegistryTest, DuplicateIdIsAlreadyExists) {
  MakeOrg("bzk", type::v1::GOVERNMENT_LAYER_NATIONAL);
  v1::CreateOrganisationRequest req;
  req.set_organisation_id("bzk");
  req.mutable_organisation()->set_display_name("again");
  req.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_NATIONAL);
  EXPECT_EQ(registry_.CreateOrganisation(req).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(RegistryTest, InvalidIdAndNameAreInvalidArgument) {
  v1::CreateOrganisationRequest req;
  req.set_organisation_id("Not_Valid");
  req.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_NATIONAL);
  auto s = registry_.CreateOrganisation(req).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(s), ElementsAre("organisation_id", "organisation.display_name"));
  v1::GetExpertRequest get;
  get.set_name("teams/x");
  EXPECT_THAT(BadFields(registry_.GetExpert(get).status()), ElementsAre("name"));
}

TEST_F(RegistryTest, RequestIdMakesCreateIdempotent) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  auto req = ExpertRequest("", "gm0363");
  req.set_request_id("9f1c2d4e-import-line-7");
  auto first = registry_.CreateExpert(req);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = registry_.CreateExpert(req);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->name(), second->name());
  EXPECT_EQ(*store_.CurrentRevision(), 2);  // org + one expert
}

// A store where another writer updates an expert just before each of the
// next `overtakes` commits of an update: the update's precondition fails.
class OvertakingStore : public MemoryStore {
 public:
  int overtakes = 0;
  absl::StatusOr<CommitResult> Commit(const CommitRequest& request) override {
    if (overtakes > 0 && !request.mutations.empty() &&
        request.mutations.back().op == Mutation::Op::kUpdate) {
      --overtakes;
      CommitRequest other;
      Mutation m = request.mutations.back();
      m.expected_revision = 0;  // unconditional
      other.mutations.push_back(m);
      other.commit_time = request.commit_time;
      EXPECT_TRUE(MemoryStore::Commit(other).ok());
    }
    return MemoryStore::Commit(request);
  }
};

// An update (or delete) without etag that another writer overtakes is tried
// again; when it is overtaken on every try, ABORTED says so (reason
// CONCURRENT_WRITES), not that an etag the caller never sent mismatched.
TEST(RegistryRetryTest, AWriteWithoutEtagOvertakenOnEveryTrySaysSo) {
  OvertakingStore store;
  RegistryOptions options;
  options.max_write_attempts = 3;
  Registry registry(&store, options);
  v1::CreateOrganisationRequest org;
  org.set_organisation_id("gm0363");
  org.mutable_organisation()->set_display_name("Amsterdam");
  org.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  ASSERT_TRUE(registry.CreateOrganisation(org).ok());
  v1::UpdateOrganisationRequest update;
  update.mutable_organisation()->set_name("organisations/gm0363");
  update.mutable_organisation()->set_display_name("Gemeente Amsterdam");
  store.overtakes = 2;  // the third try gets through
  auto updated = registry.UpdateOrganisation(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Gemeente Amsterdam");

  store.overtakes = 3;
  update.mutable_organisation()->set_display_name("Amsterdam");
  absl::Status s = registry.UpdateOrganisation(update).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
  EXPECT_EQ(ReasonOf(s), "CONCURRENT_WRITES") << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("each of the 3 tries"));
  // With an etag, a mismatch is one.
  update.mutable_organisation()->set_etag(updated->etag());
  store.overtakes = 0;
  EXPECT_EQ(ReasonOf(registry.UpdateOrganisation(update).status()), "ETAG_MISMATCH");
}

// A store where an expert is deleted (with the registry, so they leave their
// teams) just before the next commit of a team update.
class MemberDeletingStore : public MemoryStore {
 public:
  Registry* registry = nullptr;
  std::string delete_before_team_write;
  absl::StatusOr<CommitResult> Commit(const CommitRequest& request) override {
    if (!delete_before_team_write.empty() && !request.mutations.empty() &&
        request.mutations.back().kind == Kind::kTeam &&
        request.mutations.back().op == Mutation::Op::kUpdate) {
      v1::DeleteExpertRequest del;
      del.set_name(std::exchange(delete_before_team_write, ""));
      EXPECT_TRUE(registry->DeleteExpert(del).ok());
    }
    return MemoryStore::Commit(request);
  }
};

// A team write while one of its members is deleted is tried again on the
// team as it is now, not refused INVALID_ARGUMENT about a member the caller
// never named (a fault review: 7 of 40 AddTeamMember and 4 of 40 UpdateTeam
// calls, with members deleted through another replica).
TEST(RegistryRetryTest, ATeamWriteWhileAMemberIsDeletedIsTriedAgain) {
  MemberDeletingStore store;
  Registry registry(&store, RegistryOptions());
  store.registry = &registry;
  v1::CreateOrganisationRequest org;
  org.set_organisation_id("gm0363");
  org.mutable_organisation()->set_display_name("Amsterdam");
  org.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  ASSERT_TRUE(registry.CreateOrganisation(org).ok());
  for (const char* id : {"old", "new", "other"}) {
    v1::CreateExpertRequest e;
    e.set_expert_id(id);
    e.mutable_expert()->set_display_name(id);
    e.mutable_expert()->set_organisation("organisations/gm0363");
    ASSERT_TRUE(registry.CreateExpert(e).ok());
  }
  v1::CreateTeamRequest team;
  team.set_team_id("t");
  team.mutable_team()->set_display_name("Team");
  team.mutable_team()->set_owner_organisation("organisations/gm0363");
  team.mutable_team()->add_members()->set_expert("experts/old");
  ASSERT_TRUE(registry.CreateTeam(team).ok());

  store.delete_before_team_write = "experts/old";
  v1::AddTeamMemberRequest add;
  add.set_team("teams/t");
  add.mutable_member()->set_expert("experts/new");
  auto added = registry.AddTeamMember(add);
  ASSERT_TRUE(added.ok()) << added.status();
  ASSERT_EQ(added->members_size(), 1);
  EXPECT_EQ(added->members(0).expert(), "experts/new");

  store.delete_before_team_write = "experts/new";
  v1::UpdateTeamRequest update;
  update.mutable_team()->set_name("teams/t");
  update.mutable_team()->set_display_name("Team 2");
  update.mutable_update_mask()->add_paths("display_name");
  auto updated = registry.UpdateTeam(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Team 2");
  EXPECT_EQ(updated->members_size(), 0);
  // A member the caller names that does not exist is still theirs to fix.
  add.mutable_member()->set_expert("experts/nobody");
  const absl::Status missing = registry.AddTeamMember(add).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument) << missing;
}

// A request_id the same caller used for another request: INVALID_ARGUMENT
// (reason REQUEST_ID_REUSED) naming what the first created, and nothing
// created; the first request itself still replays, also when it comes
// back with what the registry ignores on input (a resource read back).
// A retried create whose organisation has been deleted since (with the
// expert) is answered as a retry, also by a registry replica that never read
// the organisation: the expert it created has been deleted since
// (FAILED_PRECONDITION). It was INVALID_ARGUMENT ("the organisation does not
// exist"): the check of the request came before its request_id was looked up.
TEST_F(RegistryTest, ARetryOutlivingItsOrganisationIsAnsweredAsARetry) {
  MakeOrg("tmp", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  auto req = ExpertRequest("kees", "tmp");
  req.set_request_id("line-3");
  ASSERT_TRUE(registry_.CreateExpert(req).ok());
  v1::DeleteExpertRequest del_expert;
  del_expert.set_name("experts/kees");
  ASSERT_TRUE(registry_.DeleteExpert(del_expert).ok());
  v1::DeleteOrganisationRequest del_org;
  del_org.set_name("organisations/tmp");
  ASSERT_TRUE(registry_.DeleteOrganisation(del_org).ok());

  Registry replica(&store_, Options());  // has read nothing
  auto deleted_since = [](const absl::Status& status) {
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_EQ(ReasonOf(status), "CREATED_RESOURCE_DELETED") << status;
  };
  deleted_since(replica.CreateExpert(req).status());
  absl::Status async = absl::UnknownError("not answered");
  replica.CreateExpertAsync(req, SystemPrincipal(),
                            [&](absl::StatusOr<v1::Expert> e) { async = e.status(); },
                            {});
  deleted_since(async);
  // Another request under that request_id: REQUEST_ID_REUSED, as ever.
  auto other = req;
  other.mutable_expert()->set_display_name("Someone else");
  const absl::Status reused = replica.CreateExpert(other).status();
  EXPECT_EQ(ReasonOf(reused), "REQUEST_ID_REUSED");
  // What it created, for a client to read without parsing the message.
  EXPECT_THAT(ErrorMetadata(reused, "resource"), testing::StartsWith("experts/"))
      << reused;
  // A request_id never used: the organisation is missing, as before.
  auto fresh = req;
  fresh.set_request_id("line-4");
  const absl::Status missing = replica.CreateExpert(fresh).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument) << missing;
  EXPECT_THAT(BadFields(missing), ElementsAre("expert.organisation"));
}

// The same for a batch: retried after its organisation was deleted (with its
// experts), it is answered as a retry. It was INVALID_ARGUMENT for each item.
TEST_F(RegistryTest, ABatchRetryOutlivingItsOrganisationIsAnsweredAsARetry) {
  MakeOrg("tmp", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::BatchCreateExpertsRequest batch;
  for (const char* id : {"bert", "carla"}) {
    *batch.add_requests() = ExpertRequest(id, "tmp");
    batch.mutable_requests()->rbegin()->set_request_id(absl::StrCat("batch-", id));
  }
  ASSERT_TRUE(registry_.BatchCreateExperts(batch).ok());
  v1::DeleteExpertRequest del_expert;
  for (const char* name : {"experts/bert", "experts/carla"}) {
    del_expert.set_name(name);
    ASSERT_TRUE(registry_.DeleteExpert(del_expert).ok());
  }
  v1::DeleteOrganisationRequest del_org;
  del_org.set_name("organisations/tmp");
  ASSERT_TRUE(registry_.DeleteOrganisation(del_org).ok());

  Registry replica(&store_, Options());  // has read nothing
  const absl::Status retried = replica.BatchCreateExperts(batch).status();
  EXPECT_EQ(retried.code(), absl::StatusCode::kFailedPrecondition) << retried;
  EXPECT_EQ(ReasonOf(retried), "CREATED_RESOURCE_DELETED") << retried;
  EXPECT_THAT(std::string(retried.message()),
              HasSubstr("requests[0].request_id created experts/bert"));
  // Another batch under those request_ids: REQUEST_ID_REUSED.
  auto other = batch;
  other.mutable_requests(1)->mutable_expert()->set_display_name("Someone else");
  EXPECT_EQ(ReasonOf(replica.BatchCreateExperts(other).status()), "REQUEST_ID_REUSED");
  // New request_ids: the organisation is missing, for each item.
  auto fresh = batch;
  fresh.mutable_requests(0)->set_request_id("batch-bert/2");
  fresh.mutable_requests(1)->set_request_id("batch-carla/2");
  const absl::Status missing = replica.BatchCreateExperts(fresh).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument) << missing;
  EXPECT_THAT(BadFields(missing), ElementsAre("requests[0].expert.organisation",
                                              "requests[1].expert.organisation"));
}

// A store whose request_id lookups fail (as when Redis does not answer).
class ProbeFailingStore : public MemoryStore {
 public:
  absl::StatusOr<CommitResult> Commit(const CommitRequest& request) override {
    if (request.replay_only) return absl::UnavailableError("redis did not answer");
    return MemoryStore::Commit(request);
  }
};

// A create that cannot be planned, whose request_id could not be looked up,
// may still be the retry of one that was done: UNAVAILABLE (a retry tells),
// not INVALID_ARGUMENT, which tells an importer to give up on it.
TEST_F(RegistryTest, ACreateWhoseRetryCannotBeLookedUpIsUnavailable) {
  ProbeFailingStore store;
  Registry registry(&store, Options());
  auto req = ExpertRequest("kees", "nowhere");
  req.set_request_id("line-9");
  EXPECT_EQ(registry.CreateExpert(req).status().code(), absl::StatusCode::kUnavailable);
  absl::Status async = absl::UnknownError("not answered");
  registry.CreateExpertAsync(req, SystemPrincipal(),
                             [&](absl::StatusOr<v1::Expert> e) { async = e.status(); },
                             {});
  EXPECT_EQ(async.code(), absl::StatusCode::kUnavailable) << async;
  v1::BatchCreateExpertsRequest batch;
  *batch.add_requests() = req;
  EXPECT_EQ(registry.BatchCreateExperts(batch).status().code(),
            absl::StatusCode::kUnavailable);
  // Without a request_id there is nothing to look up: the organisation is
  // missing.
  req.clear_request_id();
  const absl::Status missing = registry.CreateExpert(req).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument) << missing;
  EXPECT_THAT(BadFields(missing), ElementsAre("expert.organisation"));
}

// But a create invalid in itself could never have been done: its fields,
// also when its request_id cannot be looked up (a fault review: during a
// Redis outage a level of 9 got REDIS_TIMED_OUT, "may have been applied").
TEST_F(RegistryTest, ACreateInvalidInItselfIsToldItsFieldsWhenItsRetryCannotBeLookedUp) {
  ProbeFailingStore store;
  Registry registry(&store, Options());
  v1::CreateOrganisationRequest org;
  org.set_organisation_id("gm0363");
  org.mutable_organisation()->set_display_name("Amsterdam");
  org.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  ASSERT_TRUE(registry.CreateOrganisation(org).ok());
  auto req = ExpertRequest("kees", "nowhere");
  req.set_request_id("line-9");
  req.mutable_expert()->mutable_skills(0)->set_level(9);
  auto expect_fields = [](const absl::Status& status, std::vector<std::string> fields) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(BadFields(status), testing::IsSupersetOf(fields)) << status;
  };
  expect_fields(registry.CreateExpert(req).status(), {"expert.skills[0].level"});
  absl::Status async = absl::UnknownError("not answered");
  registry.CreateExpertAsync(req, SystemPrincipal(),
                             [&](absl::StatusOr<v1::Expert> e) { async = e.status(); },
                             {});
  expect_fields(async, {"expert.skills[0].level"});
  v1::BatchCreateExpertsRequest batch;
  *batch.add_requests() = req;
  expect_fields(registry.BatchCreateExperts(batch).status(),
                {"requests[0].expert.skills[0].level"});
  // Two items with one id: no batch could have been done with them.
  auto first = ExpertRequest("kees", "gm0363");
  first.set_request_id("line-1");
  auto second = first;
  second.set_request_id("line-2");
  v1::BatchCreateExpertsRequest twice;
  *twice.add_requests() = first;
  *twice.add_requests() = second;
  expect_fields(registry.BatchCreateExperts(twice).status(), {"requests[1].expert_id"});
}

TEST_F(RegistryTest, ARequestIdReusedForAnotherRequestIsRefused) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  auto first_req = ExpertRequest("", "gm0363");
  first_req.set_request_id("line-7");
  auto first = registry_.CreateExpert(first_req);
  ASSERT_TRUE(first.ok()) << first.status();
  auto check = [&](const absl::Status& status) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_EQ(ReasonOf(status), "REQUEST_ID_REUSED") << status;
    EXPECT_THAT(BadFields(status), ElementsAre("request_id"));
    EXPECT_THAT(std::string(status.message()), HasSubstr(first->name()));
  };
  auto other = ExpertRequest("", "gm0363");
  other.mutable_expert()->set_display_name("Someone else");
  other.set_request_id("line-7");
  check(registry_.CreateExpert(other).status());
  absl::Status async = absl::UnknownError("not answered");
  registry_.CreateExpertAsync(other, SystemPrincipal(),
                              [&](absl::StatusOr<v1::Expert> e) { async = e.status(); },
                              {});
  check(async);
  // An id where the first had none is another request too.
  auto with_id = first_req;
  with_id.set_expert_id("anna");
  check(registry_.CreateExpert(with_id).status());
  EXPECT_EQ(*store_.CurrentRevision(), 2);  // org + the first expert

  auto read_back = first_req;
  *read_back.mutable_expert() = *first;  // name, etag, revision, times, layer
  read_back.mutable_expert()
      ->GetReflection()
      ->MutableUnknownFields(read_back.mutable_expert())
      ->AddVarint(999, 1);
  auto replayed = registry_.CreateExpert(read_back);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->SerializeAsString(), first->SerializeAsString());

  // Another caller's request id of the same spelling is its own.
  v1::Principal admin;
  admin.set_subject("another-admin");
  admin.set_role(v1::ROLE_ADMIN);
  auto theirs = registry_.CreateExpert(other, admin);
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_NE(theirs->name(), first->name());

  // A batch: the same request_ids with another item are another batch.
  v1::BatchCreateExpertsRequest batch;
  for (const char* id : {"bert", "carla"}) {
    *batch.add_requests() = ExpertRequest(id, "gm0363");
    batch.mutable_requests()->rbegin()->set_request_id(absl::StrCat("batch-", id));
  }
  ASSERT_TRUE(registry_.BatchCreateExperts(batch).ok());
  auto changed = batch;
  changed.mutable_requests(1)->mutable_expert()->add_themes("Klimaatadaptatie");
  absl::Status batch_status = registry_.BatchCreateExperts(changed).status();
  EXPECT_EQ(batch_status.code(), absl::StatusCode::kInvalidArgument) << batch_status;
  EXPECT_EQ(ReasonOf(batch_status), "REQUEST_ID_REUSED");
  EXPECT_THAT(BadFields(batch_status), ElementsAre("requests"));
  EXPECT_THAT(std::string(batch_status.message()),
              HasSubstr("2 experts (experts/bert, ...)"));
  auto batch_again = registry_.BatchCreateExperts(batch);
  ASSERT_TRUE(batch_again.ok()) << batch_again.status();
  EXPECT_EQ(batch_again->experts_size(), 2);
}

// A team (or challenge) created without a state is stored with its default
// one: the same request sent again as read back, state and all, replays.
TEST_F(RegistryTest, ARequestIdReplaysATeamResentWithItsDefaultState) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::CreateTeamRequest req;
  req.set_request_id("team-line-1");
  req.mutable_team()->set_display_name("Woondeal");
  req.mutable_team()->set_owner_organisation("organisations/gm0363");
  auto first = registry_.CreateTeam(req);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->state(), v1::TaskTeam::FORMING);
  *req.mutable_team() = *first;
  auto again = registry_.CreateTeam(req);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->name(), first->name());
  req.mutable_team()->set_state(v1::TaskTeam::ACTIVE);
  EXPECT_EQ(ReasonOf(registry_.CreateTeam(req).status()), "REQUEST_ID_REUSED");
}

// A request id stored by a registry before fingerprints (its result only
// the created id) is taken as a retry, as it was then.
TEST_F(RegistryTest, ARequestIdStoredWithoutFingerprintReplays) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  CommitRequest old;
  old.request_id =
      absl::StrCat("experts/create/", SystemPrincipal().subject(), "/line-1");
  old.request_result = "anna";
  old.commit_time = now_;
  auto stored = store_.Commit(old);
  ASSERT_TRUE(stored.ok()) << stored.status();
  auto req = ExpertRequest("", "gm0363");
  req.mutable_expert()->set_display_name("Not what created anna");
  req.set_request_id("line-1");
  auto replayed = registry_.CreateExpert(req);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->name(), "experts/anna");
}

// A request id replayed after the resource it created was deleted: why
// nothing is created (FAILED_PRECONDITION, reason CREATED_RESOURCE_DELETED),
// not a NOT_FOUND that reads as if the create found something missing. The
// same from the asynchronous create and from a replayed batch.
TEST_F(RegistryTest, ARequestIdWhoseResourceWasDeletedSaysSo) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  auto req = ExpertRequest("anna", "gm0363");
  req.set_request_id("import-line-7");
  ASSERT_TRUE(registry_.CreateExpert(req).ok());
  v1::DeleteExpertRequest del;
  del.set_name("experts/anna");
  ASSERT_TRUE(registry_.DeleteExpert(del).ok());
  auto check = [](const absl::Status& status, const std::string& name = "experts/anna") {
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_EQ(ReasonOf(status), "CREATED_RESOURCE_DELETED") << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(name));
    EXPECT_THAT(std::string(status.message()), HasSubstr("another request_id"));
  };
  check(registry_.CreateExpert(req).status());
  absl::Status async = absl::UnknownError("not answered");
  registry_.CreateExpertAsync(req, SystemPrincipal(),
                              [&](absl::StatusOr<v1::Expert> e) { async = e.status(); },
                              {});
  check(async);
  // Another request id creates it again.
  req.set_request_id("import-line-7/2");
  ASSERT_TRUE(registry_.CreateExpert(req).ok());

  v1::BatchCreateExpertsRequest batch;
  for (const char* id : {"bert", "carla"}) {
    *batch.add_requests() = ExpertRequest(id, "gm0363");
    batch.mutable_requests()->rbegin()->set_request_id(absl::StrCat("batch-", id));
  }
  ASSERT_TRUE(registry_.BatchCreateExperts(batch).ok());
  del.set_name("experts/carla");
  ASSERT_TRUE(registry_.DeleteExpert(del).ok());
  // A batch names the items deleted since, and tells to send only those
  // again (the whole batch under new request ids would create bert twice).
  absl::Status batch_status = registry_.BatchCreateExperts(batch).status();
  EXPECT_EQ(batch_status.code(), absl::StatusCode::kFailedPrecondition) << batch_status;
  EXPECT_EQ(ReasonOf(batch_status), "CREATED_RESOURCE_DELETED");
  EXPECT_THAT(std::string(batch_status.message()),
              HasSubstr("requests[1].request_id created experts/carla"));
  EXPECT_THAT(std::string(batch_status.message()), HasSubstr("in a batch of their own"));
  EXPECT_THAT(std::string(batch_status.message()),
              testing::Not(HasSubstr("experts/bert")));
}

TEST_F(RegistryTest, ExpertNeedsExistingOrganisationAndGetsItsLayer) {
  auto missing = registry_.CreateExpert(ExpertRequest("anna", "nowhere")).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(missing), ElementsAre("expert.organisation"));
  MakeOrg("pv27", type::v1::GOVERNMENT_LAYER_PROVINCIAL);
  v1::Expert e = MakeExpert("anna", "pv27");
  EXPECT_EQ(e.layer(), type::v1::GOVERNMENT_LAYER_PROVINCIAL);
}

TEST_F(RegistryTest, CreateExpertAsyncAnswersAsCreateExpertDoes) {
  auto create_async = [&](const v1::CreateExpertRequest& req,
                          std::function<bool()> abandoned = {}) {
    absl::StatusOr<v1::Expert> result = absl::UnknownError("not answered");
    bool answered = false;
    // MemoryStore answers on this thread, before CreateExpertAsync returns.
    registry_.CreateExpertAsync(
        req, SystemPrincipal(),
        [&](absl::StatusOr<v1::Expert> e) {
          EXPECT_FALSE(answered);
          answered = true;
          result = std::move(e);
        },
        std::move(abandoned));
    EXPECT_TRUE(answered);
    return result;
  };
  // Validation and the organisation's existence, with field detail.
  auto missing = create_async(ExpertRequest("anna", "nowhere")).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(missing), ElementsAre("expert.organisation"));
  v1::CreateExpertRequest bad = ExpertRequest("Anna!", "nowhere");
  bad.mutable_expert()->clear_display_name();
  EXPECT_THAT(BadFields(create_async(bad).status()),
              ElementsAre("expert_id", "expert.display_name", "expert.organisation"));

  MakeOrg("pv27", type::v1::GOVERNMENT_LAYER_PROVINCIAL);
  v1::CreateExpertRequest req = ExpertRequest("anna", "pv27");
  req.set_request_id("import-line-1");
  absl::StatusOr<v1::Expert> e = create_async(req);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->name(), "experts/anna");
  EXPECT_EQ(e->layer(), type::v1::GOVERNMENT_LAYER_PROVINCIAL);
  EXPECT_EQ(e->revision(), 2);
  EXPECT_EQ(e->etag(), Registry::Etag(2));
  EXPECT_EQ(e->create_time().seconds(), 1790000000);
  v1::GetExpertRequest get;
  get.set_name("experts/anna");
  absl::StatusOr<v1::Expert> stored = registry_.GetExpert(get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->SerializeAsString(), e->SerializeAsString());
  // The same request again replays: the first expert, nothing new.
  absl::StatusOr<v1::Expert> replayed = create_async(req);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->SerializeAsString(), e->SerializeAsString());
  EXPECT_EQ(create_async(ExpertRequest("anna", "pv27")).status().code(),
            absl::StatusCode::kAlreadyExists);
  // A caller that gave up, with its organisation in the cache (pv27) and
  // while it was read (gm0363, not read before): nothing written.
  EXPECT_EQ(
      create_async(ExpertRequest("bert", "pv27"), [] { return true; }).status().code(),
      absl::StatusCode::kCancelled);
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  int asked = 0;
  EXPECT_EQ(create_async(ExpertRequest("bert", "gm0363"), [&] { return ++asked > 0; })
                .status()
                .code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(asked, 1);
  get.set_name("experts/bert");
  EXPECT_EQ(registry_.GetExpert(get).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_.CurrentRevision(), 3);  // the two organisations and anna
}

// A MemoryStore that counts its reads of organisations.
class CountingStore : public MemoryStore {
 public:
  absl::StatusOr<StoredRecord> Get(Kind kind, absl::string_view id) override {
    if (kind == Kind::kOrganisation) ++organisation_reads;
    return MemoryStore::Get(kind, id);
  }
  int organisation_reads = 0;
};

TEST_F(RegistryTest, CreateExpertAsyncRereadsAnOrganisationThatChangedSinceCached) {
  CountingStore store;
  Registry registry(&store, Options());
  Registry other(&store, Options());  // another registry on the same store
  auto create_async = [&](const v1::CreateExpertRequest& req) {
    absl::StatusOr<v1::Expert> result = absl::UnknownError("not answered");
    registry.CreateExpertAsync(req, SystemPrincipal(), [&](absl::StatusOr<v1::Expert> e) {
      result = std::move(e);
    });
    return result;
  };
  v1::CreateOrganisationRequest org;
  org.set_organisation_id("ggd");
  org.mutable_organisation()->set_display_name("GGD");
  org.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  ASSERT_TRUE(registry.CreateOrganisation(org).ok());
  const int reads_before = store.organisation_reads;
  ASSERT_TRUE(create_async(ExpertRequest("anna", "ggd")).ok());  // caches ggd
  ASSERT_TRUE(create_async(ExpertRequest("anke", "ggd")).ok());  // from the cache
  EXPECT_EQ(store.organisation_reads, reads_before + 1);
  // The other registry changes the layer; the cache still holds the old one.
  // The next create must not copy it.
  v1::UpdateOrganisationRequest update;
  update.mutable_organisation()->set_name("organisations/ggd");
  update.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_REGIONAL);
  update.mutable_update_mask()->add_paths("layer");
  ASSERT_TRUE(other.UpdateOrganisation(update).ok());
  const int reads_after_update = store.organisation_reads;
  absl::StatusOr<v1::Expert> bert = create_async(ExpertRequest("bert", "ggd"));
  ASSERT_TRUE(bert.ok()) << bert.status();
  EXPECT_EQ(bert->layer(), type::v1::GOVERNMENT_LAYER_REGIONAL);
  EXPECT_EQ(store.organisation_reads, reads_after_update + 1);  // the retry's read
  // That read refreshed the cache: the next create reads nothing.
  absl::StatusOr<v1::Expert> carla = create_async(ExpertRequest("carla", "ggd"));
  ASSERT_TRUE(carla.ok()) << carla.status();
  EXPECT_EQ(carla->layer(), type::v1::GOVERNMENT_LAYER_REGIONAL);
  EXPECT_EQ(store.organisation_reads, reads_after_update + 1);

  // An organisation deleted since it was cached: the create fails as for
  // one never seen.
  org.set_organisation_id("pv27");
  org.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_PROVINCIAL);
  ASSERT_TRUE(registry.CreateOrganisation(org).ok());
  v1::CreateExpertRequest invalid = ExpertRequest("dirk", "pv27");
  invalid.mutable_expert()->clear_display_name();  // read pv27, then rejected
  EXPECT_EQ(create_async(invalid).status().code(), absl::StatusCode::kInvalidArgument);
  v1::DeleteOrganisationRequest del;
  del.set_name("organisations/pv27");
  ASSERT_TRUE(other.DeleteOrganisation(del).ok());
  absl::Status gone = create_async(ExpertRequest("dirk", "pv27")).status();
  EXPECT_EQ(gone.code(), absl::StatusCode::kInvalidArgument) << gone;
  EXPECT_THAT(BadFields(gone), ElementsAre("expert.organisation"));
}

// A store on which `meanwhile` runs just before the first commit that
// creates an expert: the window between a create's read of the expert's
// organisation and its commit.
class ChangeBeforeCommitStore : public MemoryStore {
 public:
  absl::StatusOr<CommitResult> Commit(const CommitRequest& request) override {
    const bool creates_expert = std::any_of(
        request.mutations.begin(), request.mutations.end(), [](const auto& m) {
          return m.op == Mutation::Op::kCreate && m.kind == Kind::kExpert;
        });
    if (creates_expert && meanwhile) std::exchange(meanwhile, nullptr)();
    return MemoryStore::Commit(request);
  }
  std::function<void()> meanwhile;
};

TEST_F(RegistryTest, AnOrganisationChangedBetweenReadAndCommitIsReadAgain) {
  ChangeBeforeCommitStore store;
  Registry registry(&store, Options());
  Registry other(&store, Options());  // another registry on the same store
  v1::CreateOrganisationRequest org;
  org.set_organisation_id("ggd");
  org.mutable_organisation()->set_display_name("GGD");
  org.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  ASSERT_TRUE(registry.CreateOrganisation(org).ok());
  type::v1::GovernmentLayer layer = type::v1::GOVERNMENT_LAYER_MUNICIPAL;
  // The other registry moves the organisation to the next layer.
  auto change_layer = [&] {
    layer = layer == type::v1::GOVERNMENT_LAYER_REGIONAL
                ? type::v1::GOVERNMENT_LAYER_MUNICIPAL
                : type::v1::GOVERNMENT_LAYER_REGIONAL;
    v1::UpdateOrganisationRequest update;
    update.mutable_organisation()->set_name("organisations/ggd");
    update.mutable_organisation()->set_layer(layer);
    update.mutable_update_mask()->add_paths("layer");
    ASSERT_TRUE(other.UpdateOrganisation(update).ok());
  };
  auto create_async = [&](const v1::CreateExpertRequest& req) {
    absl::StatusOr<v1::Expert> result = absl::UnknownError("not answered");
    registry.CreateExpertAsync(req, SystemPrincipal(), [&](absl::StatusOr<v1::Expert> e) {
      result = std::move(e);
    });
    return result;
  };
  auto stored_layer = [&](const std::string& id) {
    v1::GetExpertRequest get;
    get.set_name("experts/" + id);
    absl::StatusOr<v1::Expert> e = registry.GetExpert(get, SystemPrincipal());
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? e->layer() : type::v1::GOVERNMENT_LAYER_UNSPECIFIED;
  };

  // Each way of creating an expert copies the layer the organisation has
  // when the expert is written, not the one it had when it was read.
  store.meanwhile = change_layer;
  absl::StatusOr<v1::Expert> anna = registry.CreateExpert(ExpertRequest("anna", "ggd"));
  ASSERT_TRUE(anna.ok()) << anna.status();
  EXPECT_EQ(anna->layer(), layer);
  EXPECT_EQ(stored_layer("anna"), layer);

  store.meanwhile = change_layer;  // the organisation is in the cache now
  absl::StatusOr<v1::Expert> bert = create_async(ExpertRequest("bert", "ggd"));
  ASSERT_TRUE(bert.ok()) << bert.status();
  EXPECT_EQ(bert->layer(), layer);
  EXPECT_EQ(stored_layer("bert"), layer);

  store.meanwhile = change_layer;
  v1::BatchCreateExpertsRequest batch;
  *batch.add_requests() = ExpertRequest("carla", "ggd");
  *batch.add_requests() = ExpertRequest("dirk", "ggd");
  absl::StatusOr<v1::BatchCreateExpertsResponse> created =
      registry.BatchCreateExperts(batch, SystemPrincipal());
  ASSERT_TRUE(created.ok()) << created.status();
  for (const v1::Expert& e : created->experts()) EXPECT_EQ(e.layer(), layer) << e.name();
  EXPECT_EQ(stored_layer("carla"), layer);
  EXPECT_EQ(stored_layer("dirk"), layer);

  // Deleted meanwhile: as for an organisation that never existed.
  v1::CreateOrganisationRequest gone_org = org;
  gone_org.set_organisation_id("gone");
  ASSERT_TRUE(registry.CreateOrganisation(gone_org).ok());
  store.meanwhile = [&] {
    v1::DeleteOrganisationRequest del;
    del.set_name("organisations/gone");
    ASSERT_TRUE(other.DeleteOrganisation(del).ok());
  };
  absl::Status gone = registry.CreateExpert(ExpertRequest("erik", "gone")).status();
  EXPECT_EQ(gone.code(), absl::StatusCode::kInvalidArgument) << gone;
  EXPECT_THAT(BadFields(gone), ElementsAre("expert.organisation"));
}

TEST_F(RegistryTest, UpdateWithMaskChangesOnlyMaskedFields) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::Expert e = MakeExpert("anna", "gm0363");
  now_ += absl::Minutes(5);
  v1::UpdateExpertRequest req;
  req.mutable_expert()->set_name("experts/anna");
  req.mutable_expert()->set_job_title("Programmamanager wonen");
  req.mutable_expert()->set_display_name("ignored, not in mask");
  req.mutable_expert()->set_layer(type::v1::GOVERNMENT_LAYER_NATIONAL);  // output only
  req.mutable_update_mask()->add_paths("job_title");
  req.mutable_update_mask()->add_paths("layer");
  auto updated = registry_.UpdateExpert(req);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->job_title(), "Programmamanager wonen");
  EXPECT_EQ(updated->display_name(), e.display_name());
  EXPECT_EQ(updated->layer(), type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  EXPECT_EQ(updated->create_time().seconds(), e.create_time().seconds());
  EXPECT_EQ(updated->update_time().seconds(), e.update_time().seconds() + 300);
  EXPECT_GT(updated->revision(), e.revision());
}

TEST_F(RegistryTest, UpdateRejectsUnknownMaskPathsAndInvalidResults) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  v1::UpdateExpertRequest req;
  req.mutable_expert()->set_name("experts/anna");
  req.mutable_update_mask()->add_paths("shoe_size");
  EXPECT_THAT(BadFields(registry_.UpdateExpert(req).status()),
              ElementsAre("update_mask.paths[0]"));
  req.mutable_update_mask()->set_paths(0, "display_name");
  EXPECT_THAT(BadFields(registry_.UpdateExpert(req).status()),
              ElementsAre("expert.display_name"));
}

// AIP-134: without a mask, only the fields the request's resource sets
// change; an expert's skills, themes and regions stay.
TEST_F(RegistryTest, UpdateWithoutMaskChangesOnlyTheFieldsSent) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::Expert e = MakeExpert("anna", "gm0363");
  v1::UpdateExpertRequest req;
  req.mutable_expert()->set_name("experts/anna");
  req.mutable_expert()->set_display_name("Anna de Vries");
  req.mutable_expert()->set_revision(12345);  // output only: ignored
  auto updated = registry_.UpdateExpert(req);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Anna de Vries");
  EXPECT_EQ(updated->organisation(), "organisations/gm0363");
  ASSERT_EQ(updated->skills_size(), 1);
  EXPECT_EQ(updated->skills(0).name(), "Woningbouw");
  EXPECT_THAT(updated->themes(), ElementsAre("Wonen"));
  EXPECT_THAT(updated->region_codes(), ElementsAre("GM0363"));
  EXPECT_EQ(updated->layer(), type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  EXPECT_GT(updated->revision(), e.revision());
  EXPECT_NE(updated->revision(), 12345);
}

// "*" replaces every field the caller may set: what the request leaves out
// is cleared; a state it leaves out is refused (it is no value to store).
TEST_F(RegistryTest, UpdateWithStarReplacesTheWholeResource) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  v1::UpdateExpertRequest req;
  req.mutable_expert()->set_name("experts/anna");
  req.mutable_expert()->set_display_name("Anna de Vries");
  req.mutable_expert()->set_organisation("organisations/gm0363");
  req.mutable_update_mask()->add_paths("*");
  auto updated = registry_.UpdateExpert(req);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Anna de Vries");
  EXPECT_EQ(updated->skills_size(), 0);
  EXPECT_EQ(updated->themes_size(), 0);
  EXPECT_EQ(updated->layer(), type::v1::GOVERNMENT_LAYER_MUNICIPAL);  // derived again

  v1::TaskTeam team = MakeTeam("t1", "gm0363", {});
  v1::UpdateTeamRequest active;
  active.mutable_team()->set_name(team.name());
  active.mutable_team()->set_state(v1::TaskTeam::ACTIVE);
  active.mutable_team()->set_lessons_learned("Vroeg de uitvoering erbij halen.");
  ASSERT_TRUE(registry_.UpdateTeam(active).ok());
  v1::UpdateTeamRequest replace;
  replace.mutable_team()->set_name(team.name());
  replace.mutable_team()->set_display_name("Team t1, nieuw");
  replace.mutable_team()->set_owner_organisation("organisations/gm0363");
  replace.mutable_update_mask()->add_paths("*");
  EXPECT_THAT(BadFields(registry_.UpdateTeam(replace).status()),
              ElementsAre("team.state"));
  replace.mutable_team()->set_state(v1::TaskTeam::COMPLETED);
  auto replaced = registry_.UpdateTeam(replace);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->state(), v1::TaskTeam::COMPLETED);
  EXPECT_EQ(replaced->display_name(), "Team t1, nieuw");
  EXPECT_EQ(replaced->lessons_learned(), "");

  // "*" with other paths is no mask anyone means.
  req.mutable_update_mask()->add_paths("job_title");
  EXPECT_THAT(BadFields(registry_.UpdateExpert(req).status()),
              ElementsAre("update_mask.paths[0]"));
}

// An unset enum the mask names is reported with everything else wrong with
// the result, not alone (an API review: "*" on an empty organisation named
// only its layer; once that was set, its display name).
TEST_F(RegistryTest, UpdateReportsAnUnsetEnumTogetherWithTheOtherBadFields) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  v1::UpdateOrganisationRequest empty;
  empty.mutable_organisation()->set_name("organisations/gm0363");
  empty.mutable_update_mask()->add_paths("*");
  EXPECT_THAT(BadFields(registry_.UpdateOrganisation(empty).status()),
              UnorderedElementsAre("organisation.layer", "organisation.display_name"));

  v1::TaskTeam team = MakeTeam("t1", "gm0363", {});
  v1::UpdateTeamRequest req;
  req.mutable_team()->set_name(team.name());
  v1::TeamMember* m = req.mutable_team()->add_members();
  m->set_expert("experts/anna");
  m->set_hours_per_week(-3);
  req.mutable_update_mask()->add_paths("state");
  req.mutable_update_mask()->add_paths("members");
  EXPECT_THAT(BadFields(registry_.UpdateTeam(req).status()),
              UnorderedElementsAre("team.state", "team.members[0].hours_per_week"));
  // An editor naming the layer without a value is told that, not that only
  // admins change the layer (which it did not ask for).
  const v1::Principal editor =
      MakePrincipal("editor", "organisations/gm0363", v1::ROLE_EDITOR);
  v1::UpdateOrganisationRequest layer;
  layer.mutable_organisation()->set_name("organisations/gm0363");
  layer.mutable_organisation()->set_display_name("Gemeente Amsterdam");
  layer.mutable_update_mask()->add_paths("display_name");
  layer.mutable_update_mask()->add_paths("layer");
  absl::Status unset_layer = registry_.UpdateOrganisation(layer, editor).status();
  EXPECT_EQ(unset_layer.code(), absl::StatusCode::kInvalidArgument) << unset_layer;
  EXPECT_THAT(BadFields(unset_layer), ElementsAre("organisation.layer"));
  // A bad path is refused before anything is read, with the unset enum.
  req.mutable_update_mask()->add_paths("shoe_size");
  EXPECT_THAT(BadFields(registry_.UpdateTeam(req).status()),
              UnorderedElementsAre("update_mask.paths[2]", "team.state"));
  v1::GetTeamRequest get;
  get.set_name(team.name());
  EXPECT_EQ(registry_.GetTeam(get)->revision(), team.revision());
}

// An update that would change nothing is refused, not written (it made a
// revision, a feed entry, and other holders' etags stale).
TEST_F(RegistryTest, UpdateThatChangesNoFieldIsRefused) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::Expert e = MakeExpert("anna", "gm0363");
  v1::UpdateExpertRequest nothing;
  nothing.mutable_expert()->set_name("experts/anna");
  nothing.mutable_expert()->set_etag(e.etag());
  EXPECT_THAT(BadFields(registry_.UpdateExpert(nothing).status()),
              ElementsAre("update_mask"));
  nothing.mutable_update_mask()->add_paths("create_time");
  nothing.mutable_update_mask()->add_paths("layer");
  EXPECT_THAT(BadFields(registry_.UpdateExpert(nothing).status()),
              ElementsAre("update_mask"));
  v1::GetExpertRequest get;
  get.set_name("experts/anna");
  EXPECT_EQ(registry_.GetExpert(get)->revision(), e.revision());
}

TEST_F(RegistryTest, UpdateRefusesEmptyAndMalformedMaskPaths) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::Expert e = MakeExpert("anna", "gm0363");
  for (const char* path : {"", ".", "display_name.", ".display_name", "skills..name"}) {
    v1::UpdateExpertRequest req;
    req.mutable_expert()->set_name("experts/anna");
    req.mutable_expert()->set_display_name("Anna de Vries");
    req.mutable_update_mask()->add_paths("display_name");
    req.mutable_update_mask()->add_paths(path);
    absl::Status status = registry_.UpdateExpert(req).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << "'" << path << "'";
    EXPECT_THAT(BadFields(status), ElementsAre("update_mask.paths[1]")) << path;
  }
  v1::GetExpertRequest get;
  get.set_name("experts/anna");
  EXPECT_EQ(registry_.GetExpert(get)->revision(), e.revision());  // nothing written
}

// A state named in the mask must come with a value: STATE_UNSPECIFIED would
// silently become FORMING (a team) or OPEN (a challenge).
TEST_F(RegistryTest, UpdateRefusesANamedStateWithoutAValue) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::TaskTeam team = MakeTeam("t1", "gm0363", {});
  v1::UpdateTeamRequest active;
  active.mutable_team()->set_name(team.name());
  active.mutable_team()->set_state(v1::TaskTeam::COMPLETED);
  active.mutable_update_mask()->add_paths("state");
  auto completed = registry_.UpdateTeam(active);
  ASSERT_TRUE(completed.ok()) << completed.status();

  v1::UpdateTeamRequest unset;
  unset.mutable_team()->set_name(team.name());
  unset.mutable_team()->set_display_name("Team t1, nieuw");
  unset.mutable_update_mask()->add_paths("display_name");
  unset.mutable_update_mask()->add_paths("state");
  absl::Status status = registry_.UpdateTeam(unset).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(BadFields(status), ElementsAre("team.state"));
  v1::GetTeamRequest get;
  get.set_name(team.name());
  auto now = registry_.GetTeam(get);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->state(), v1::TaskTeam::COMPLETED);
  EXPECT_EQ(now->revision(), completed->revision());

  v1::CreateChallengeRequest create;
  create.set_challenge_id("c1");
  create.mutable_challenge()->set_title("Woningbouw versnellen");
  create.mutable_challenge()->set_owner_organisation("organisations/gm0363");
  create.mutable_challenge()->set_team_size(3);
  create.mutable_challenge()->set_state(v1::Challenge::STAFFED);
  auto challenge = registry_.CreateChallenge(create);
  ASSERT_TRUE(challenge.ok()) << challenge.status();
  v1::UpdateChallengeRequest no_state;
  no_state.mutable_challenge()->set_name(challenge->name());
  no_state.mutable_update_mask()->add_paths("state");
  EXPECT_THAT(BadFields(registry_.UpdateChallenge(no_state).status()),
              ElementsAre("challenge.state"));
}

TEST_F(RegistryTest, StaleEtagIsAborted) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::Expert e = MakeExpert("anna", "gm0363");
  v1::UpdateExpertRequest req;
  *req.mutable_expert() = e;
  req.mutable_expert()->set_job_title("first");
  auto first = registry_.UpdateExpert(req);
  ASSERT_TRUE(first.ok()) << first.status();
  req.mutable_expert()->set_job_title("second, from a stale read");
  EXPECT_EQ(registry_.UpdateExpert(req).status().code(), absl::StatusCode::kAborted);
  v1::DeleteExpertRequest del;
  del.set_name(e.name());
  del.set_etag(e.etag());
  EXPECT_EQ(registry_.DeleteExpert(del).status().code(), absl::StatusCode::kAborted);
  del.set_etag(first->etag());
  EXPECT_TRUE(registry_.DeleteExpert(del).ok());
}

// An etag given without its double quotes (as a shell leaves --etag "3") is
// the same etag; a partly quoted or other one is not.
TEST_F(RegistryTest, AnEtagWithoutItsQuotesMatches) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::Expert e = MakeExpert("anna", "gm0363");
  ASSERT_EQ(e.etag(), "\"2\"");
  v1::UpdateExpertRequest req;
  *req.mutable_expert() = e;
  req.mutable_expert()->set_job_title("first");
  for (const char* wrong : {"\"2", "2\"", "'2'", "3", "\"\"2\"\""}) {
    req.mutable_expert()->set_etag(wrong);
    EXPECT_EQ(registry_.UpdateExpert(req).status().code(), absl::StatusCode::kAborted)
        << wrong;
  }
  req.mutable_expert()->set_etag("2");
  auto updated = registry_.UpdateExpert(req);
  ASSERT_TRUE(updated.ok()) << updated.status();
  v1::DeleteExpertRequest del;
  del.set_name(e.name());
  del.set_etag(absl::StrCat(updated->revision()));
  EXPECT_TRUE(registry_.DeleteExpert(del).ok());
}

TEST_F(RegistryTest, DeletingOrganisationWithExpertsIsFailedPrecondition) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  v1::DeleteOrganisationRequest del;
  del.set_name("organisations/gm0363");
  auto s = registry_.DeleteOrganisation(del).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("still has experts (experts/anna)"));

  // Everything in the way is named at once, a few of each (it named the
  // first the store found, and the next only once that was gone).
  MakeExpert("bert", "gm0363");
  MakeExpert("carla", "gm0363");
  MakeExpert("daan", "gm0363");
  v1::CreateChallengeRequest challenge;
  challenge.set_challenge_id("c1");
  challenge.mutable_challenge()->set_title("Woningbouw versnellen");
  challenge.mutable_challenge()->set_owner_organisation("organisations/gm0363");
  ASSERT_TRUE(registry_.CreateChallenge(challenge).ok());
  s = registry_.DeleteOrganisation(del).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(
      std::string(s.message()),
      HasSubstr("organisations/gm0363 cannot be deleted: the organisation still has "
                "experts (experts/anna, experts/bert, experts/carla, ...); delete or "
                "move them first; and the organisation still owns challenges "
                "(challenges/c1); delete or transfer them first"));
  EXPECT_THAT(std::string(s.message()), testing::Not(HasSubstr("task teams")));
  for (const char* id : {"bert", "carla", "daan"}) {
    v1::DeleteExpertRequest d;
    d.set_name(absl::StrCat("experts/", id));
    ASSERT_TRUE(registry_.DeleteExpert(d).ok());
  }
  v1::DeleteChallengeRequest del_challenge;
  del_challenge.set_name("challenges/c1");
  ASSERT_TRUE(registry_.DeleteChallenge(del_challenge).ok());
  v1::DeleteExpertRequest del_expert;
  del_expert.set_name("experts/anna");
  ASSERT_TRUE(registry_.DeleteExpert(del_expert).ok());
  EXPECT_TRUE(registry_.DeleteOrganisation(del).ok());
  EXPECT_EQ(registry_.DeleteOrganisation(del).status().code(),
            absl::StatusCode::kNotFound);
}

// A delete answers the resource as it was, with the delete's own feed
// revision (the service sends it as trailing metadata), which covers the
// team changes the delete made too.
TEST_F(RegistryTest, DeleteAnswersTheRevisionOfTheDelete) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::Expert e = MakeExpert("anna", "gm0363");
  MakeTeam("t1", "gm0363", {"anna"});
  const int64_t before = *store_.CurrentRevision();
  v1::DeleteExpertRequest del;
  del.set_name("experts/anna");
  auto deleted = registry_.DeleteExpert(del);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->display_name(), e.display_name());
  EXPECT_EQ(deleted->revision(), *store_.CurrentRevision());
  EXPECT_EQ(deleted->revision(), before + 2);  // the expert, and the team it left
}

TEST_F(RegistryTest, DeletingExpertRemovesThemFromEveryTeam) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  MakeExpert("bram", "gm0363");
  MakeTeam("woondeal", "gm0363", {"anna", "bram"});
  MakeTeam("warmte", "gm0363", {"anna"});
  const int64_t before = *store_.CurrentRevision();
  v1::DeleteExpertRequest del;
  del.set_name("experts/anna");
  ASSERT_TRUE(registry_.DeleteExpert(del).ok());
  // One commit: the delete and both team updates.
  EXPECT_EQ(*store_.CurrentRevision(), before + 3);
  v1::GetTeamRequest get;
  get.set_name("teams/woondeal");
  auto team = registry_.GetTeam(get);
  ASSERT_TRUE(team.ok());
  ASSERT_THAT(team->members(), SizeIs(1));
  EXPECT_EQ(team->members(0).expert(), "experts/bram");
  get.set_name("teams/warmte");
  EXPECT_THAT(registry_.GetTeam(get)->members(), IsEmpty());
}

TEST_F(RegistryTest, TeamMembersMustExist) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  v1::CreateTeamRequest req;
  req.set_team_id("t");
  req.mutable_team()->set_display_name("T");
  req.mutable_team()->set_owner_organisation("organisations/gm0363");
  req.mutable_team()->add_members()->set_expert("experts/anna");
  req.mutable_team()->add_members()->set_expert("experts/ghost");
  auto s = registry_.CreateTeam(req).status();
  EXPECT_THAT(BadFields(s), ElementsAre("team.members[1].expert"));
}

// Issue #2: INVALID_ARGUMENT names each bad field, references that do not
// exist included, so a caller fixes everything in one round.
TEST_F(RegistryTest, EveryMissingReferenceIsNamedAtOnce) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  v1::CreateTeamRequest req;
  req.set_team_id("t");
  v1::TaskTeam& team = *req.mutable_team();
  team.set_display_name("T");
  team.set_owner_organisation("organisations/nergens");
  team.add_members()->set_expert("experts/ghost1");
  team.add_members()->set_expert("experts/anna");
  team.add_members()->set_expert("experts/ghost2");
  EXPECT_THAT(BadFields(registry_.CreateTeam(req).status()),
              ElementsAre("team.owner_organisation", "team.members[0].expert",
                          "team.members[2].expert"));
  // With a field error too.
  team.set_owner_organisation("organisations/gm0363");
  team.mutable_members(1)->set_hours_per_week(-2);
  EXPECT_THAT(BadFields(registry_.CreateTeam(req).status()),
              ElementsAre("team.members[1].hours_per_week", "team.members[0].expert",
                          "team.members[2].expert"));
  // A malformed name is named once, for its form.
  team.mutable_members(0)->set_expert("ghost1");
  EXPECT_THAT(
      BadFields(registry_.CreateTeam(req).status()),
      UnorderedElementsAre("team.members[0].expert", "team.members[1].hours_per_week",
                           "team.members[2].expert"));
  // An expert with a field error and an organisation that does not exist.
  v1::CreateExpertRequest expert;
  expert.mutable_expert()->set_display_name("");
  expert.mutable_expert()->set_organisation("organisations/nergens");
  EXPECT_THAT(BadFields(registry_.CreateExpert(expert).status()),
              UnorderedElementsAre("expert.display_name", "expert.organisation"));
  // An update and a new member likewise.
  team.mutable_members(0)->set_expert("experts/anna");
  team.mutable_members()->DeleteSubrange(1, 2);
  ASSERT_TRUE(registry_.CreateTeam(req).ok());
  v1::UpdateTeamRequest update;
  *update.mutable_team() = team;
  update.mutable_team()->set_name("teams/t");
  update.mutable_team()->set_display_name("");
  update.mutable_team()->add_members()->set_expert("experts/ghost");
  update.mutable_update_mask()->add_paths("display_name");
  update.mutable_update_mask()->add_paths("members");
  EXPECT_THAT(BadFields(registry_.UpdateTeam(update).status()),
              UnorderedElementsAre("team.display_name", "team.members[1].expert"));
  v1::AddTeamMemberRequest add;
  add.set_team("teams/t");
  add.mutable_member()->set_expert("experts/ghost");
  add.mutable_member()->set_hours_per_week(-1);
  EXPECT_THAT(BadFields(registry_.AddTeamMember(add).status()),
              UnorderedElementsAre("member.hours_per_week", "member.expert"));
}

// An editor may put another organisation's expert on its team only with
// the expert's consent to matching, and for at most their available hours
// (a security review's editor booked another organisation's experts, one
// without consent, at 168 h a week: matching then had them fully booked).
// Their own organisation and admins are not held to it.
TEST_F(RegistryTest, AnotherOrganisationsExpertJoinsATeamWithConsentAndWithinTheirHours) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeOrg("bzk", type::v1::GOVERNMENT_LAYER_NATIONAL);
  auto expert = [&](const std::string& id, const std::string& org, bool consent) {
    v1::CreateExpertRequest req = ExpertRequest(id, org);
    req.mutable_expert()->set_consent_to_matching(consent);
    req.mutable_expert()->set_available_hours_per_week(8);
    ASSERT_TRUE(registry_.CreateExpert(req).ok());
  };
  expert("anna", "gm0363", false);
  expert("bert", "gm0363", true);
  expert("eigen", "bzk", false);
  MakeTeam("t", "bzk", {});
  const v1::Principal editor =
      MakePrincipal("editor", "organisations/bzk", v1::ROLE_EDITOR);
  v1::AddTeamMemberRequest add;
  add.set_team("teams/t");
  add.mutable_member()->set_expert("experts/anna");
  add.mutable_member()->set_hours_per_week(4);
  const absl::Status no_consent = registry_.AddTeamMember(add, editor).status();
  EXPECT_EQ(no_consent.code(), absl::StatusCode::kFailedPrecondition) << no_consent;
  EXPECT_EQ(ReasonOf(no_consent), "NO_CONSENT");
  EXPECT_THAT(no_consent.message(), HasSubstr("experts/anna"));

  add.mutable_member()->set_expert("experts/bert");
  add.mutable_member()->set_hours_per_week(168);
  const absl::Status too_many = registry_.AddTeamMember(add, editor).status();
  EXPECT_EQ(too_many.code(), absl::StatusCode::kInvalidArgument) << too_many;
  EXPECT_THAT(BadFields(too_many), ElementsAre("member.hours_per_week"));
  EXPECT_THAT(too_many.message(), HasSubstr("at most 8"));
  add.mutable_member()->set_hours_per_week(8);
  auto added = registry_.AddTeamMember(add, editor);
  ASSERT_TRUE(added.ok()) << added.status();

  // Raising bert's hours through an update: the same limit; the team's own
  // organisation's expert, without consent and at any hours: theirs to say.
  v1::UpdateTeamRequest update;
  *update.mutable_team() = *added;
  update.mutable_team()->mutable_members(0)->set_hours_per_week(20);
  update.mutable_update_mask()->add_paths("members");
  EXPECT_THAT(BadFields(registry_.UpdateTeam(update, editor).status()),
              ElementsAre("team.members[0].hours_per_week"));
  update.mutable_team()->mutable_members(0)->set_hours_per_week(8);
  auto* own = update.mutable_team()->add_members();
  own->set_expert("experts/eigen");
  own->set_hours_per_week(30);
  EXPECT_TRUE(registry_.UpdateTeam(update, editor).ok());

  // While the team is ACTIVE, the limit is what other ACTIVE teams leave
  // free (as matching counts): an admin's active team takes 6 of bert's 8.
  v1::CreateTeamRequest busy;
  busy.set_team_id("busy");
  busy.mutable_team()->set_display_name("Busy");
  busy.mutable_team()->set_owner_organisation("organisations/gm0363");
  busy.mutable_team()->set_state(v1::TaskTeam::ACTIVE);
  auto* taken = busy.mutable_team()->add_members();
  taken->set_expert("experts/bert");
  taken->set_hours_per_week(6);
  ASSERT_TRUE(registry_.CreateTeam(busy).ok());
  // bert is on "t" at 8 h: turning it ACTIVE checks its members again.
  v1::GetTeamRequest get;
  get.set_name("teams/t");
  v1::UpdateTeamRequest activate;
  *activate.mutable_team() = *registry_.GetTeam(get);
  activate.mutable_team()->set_state(v1::TaskTeam::ACTIVE);
  activate.mutable_update_mask()->add_paths("state");
  const absl::Status over = registry_.UpdateTeam(activate, editor).status();
  EXPECT_THAT(BadFields(over), ElementsAre("team.members[0].hours_per_week")) << over;
  EXPECT_THAT(over.message(), HasSubstr("at most 2"));
  activate.mutable_team()->mutable_members(0)->set_hours_per_week(2);
  activate.mutable_update_mask()->add_paths("members");
  EXPECT_TRUE(registry_.UpdateTeam(activate, editor).ok());

  // A create is held to it too; an admin is not.
  v1::CreateTeamRequest create;
  create.set_team_id("t2");
  create.mutable_team()->set_display_name("Team 2");
  create.mutable_team()->set_owner_organisation("organisations/bzk");
  create.mutable_team()->add_members()->set_expert("experts/anna");
  EXPECT_EQ(registry_.CreateTeam(create, editor).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(registry_.CreateTeam(create).ok());
}

// Theme and skill filters ignore case and accents, beyond ASCII too: a
// civil servant's "ÉÉN OVERHEID" finds "Één overheid", and "cooperatie" finds
// "Coöperatie" (precomposed or with a combining diaeresis).
TEST_F(RegistryTest, ThemeAndSkillFiltersIgnoreCaseAndAccents) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::CreateExpertRequest noor = ExpertRequest("noor", "gm0363");
  noor.mutable_expert()->add_themes("Één overheid");
  auto* skill = noor.mutable_expert()->add_skills();
  skill->set_name("Coo\xCC\x88peratie");  // o + U+0308
  skill->set_level(3);
  ASSERT_TRUE(registry_.CreateExpert(noor).ok());
  MakeExpert("piet", "gm0363");
  for (const char* theme : {"ÉÉN OVERHEID", "één overheid", "een overheid"}) {
    v1::ListExpertsRequest list;
    list.set_theme(theme);
    auto page = registry_.ListExperts(list);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->experts_size(), 1) << theme;
    EXPECT_EQ(page->experts(0).name(), "experts/noor");
    // Stored as given.
    EXPECT_THAT(page->experts(0).themes(), testing::Contains("Één overheid"));
  }
  for (const char* name : {"cooperatie", "Coöperatie", "COÖPERATIE"}) {
    v1::ListExpertsRequest list;
    list.set_skill(name);
    auto page = registry_.ListExperts(list);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->experts_size(), 1) << name;
    EXPECT_EQ(page->experts(0).name(), "experts/noor");
  }
  v1::ListExpertsRequest other;
  other.set_theme("een overheid!");
  auto page = registry_.ListExperts(other);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->experts_size(), 0);
}

// A record stored before layout 4 may hold themes that now count as
// duplicates (they differ only in case or accents): an update that leaves
// them as they are is not refused for them (a review: every update of such
// a record was, withdrawing consent too); one that changes them is, unless
// they are valid then.
TEST_F(RegistryTest, AnUpdateIsNotRefusedForWhatTheStoredRecordAlreadyBroke) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  v1::GetExpertRequest get;
  get.set_name("experts/anna");
  auto stored = registry_.GetExpert(get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  v1::Expert legacy = *stored;
  legacy.clear_etag();
  legacy.clear_revision();
  legacy.add_themes("Coöperatie");
  legacy.add_themes("COÖPERATIE");
  legacy.set_display_name("Anna \xE2\x80\xAE");  // a right-to-left override
  CommitRequest old;
  old.commit_time = now_;
  Mutation m;
  m.op = Mutation::Op::kUpdate;
  m.kind = Kind::kExpert;
  m.id = "anna";
  m.data = legacy.SerializeAsString();
  m.indexes = {{"organisation", "gm0363"}};
  old.mutations.push_back(m);
  ASSERT_TRUE(store_.Commit(old).ok());

  v1::UpdateExpertRequest update;
  update.mutable_expert()->set_name("experts/anna");
  update.mutable_expert()->set_consent_to_matching(false);
  update.mutable_update_mask()->add_paths("consent_to_matching");
  auto updated = registry_.UpdateExpert(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(updated->consent_to_matching());
  EXPECT_EQ(updated->themes_size(), legacy.themes_size());

  // A field the update changes must be valid as a whole: another name with
  // an override, themes with the old pair.
  v1::UpdateExpertRequest rename;
  rename.mutable_expert()->set_name("experts/anna");
  rename.mutable_expert()->set_display_name("Piet \xE2\x80\xAE");
  rename.mutable_update_mask()->add_paths("display_name");
  EXPECT_THAT(BadFields(registry_.UpdateExpert(rename).status()),
              ElementsAre("expert.display_name"));
  v1::UpdateExpertRequest fewer;
  fewer.mutable_expert()->set_name("experts/anna");
  fewer.mutable_expert()->add_themes("Coöperatie");
  fewer.mutable_expert()->add_themes("COÖPERATIE");
  fewer.mutable_update_mask()->add_paths("themes");
  EXPECT_THAT(BadFields(registry_.UpdateExpert(fewer).status()),
              ElementsAre("expert.themes[1]"));
  update.mutable_expert()->add_themes("wonen");
  update.mutable_expert()->add_themes("Coöperatie");
  update.mutable_expert()->add_themes("COÖPERATIE");
  update.mutable_expert()->add_themes("Wónen");
  update.mutable_update_mask()->add_paths("themes");
  const absl::Status refused = registry_.UpdateExpert(update).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_THAT(BadFields(refused), ElementsAre("expert.themes[2]", "expert.themes[3]"));
}

// A theme or skill filter of only characters the fold drops (a soft hyphen,
// a combining mark) listed everything; a theme of them is refused.
TEST_F(RegistryTest, TermsOfOnlyIgnoredCharactersAreRefused) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  for (const char* term : {"\xC2\xAD", "\xCC\x81", "\xE2\x80\x8D"}) {
    v1::ListExpertsRequest list;
    list.set_theme(term);
    EXPECT_THAT(BadFields(registry_.ListExperts(list).status()), ElementsAre("theme"));
    list.clear_theme();
    list.set_skill(term);
    EXPECT_THAT(BadFields(registry_.ListExperts(list).status()), ElementsAre("skill"));
    auto req = ExpertRequest("kees", "gm0363");
    req.mutable_expert()->add_themes(std::string("a") + term);  // fine
    req.mutable_expert()->add_themes(term);
    EXPECT_THAT(BadFields(registry_.CreateExpert(req).status()),
                ElementsAre("expert.themes[2]"));
  }
}

// A list with several filters goes by the index that holds fewest records:
// by the first (a large organisation), a theme one expert has took more than
// the scan budget of a call (1,020 records for a page of 1) and answered an
// empty page with a token to go on.
TEST_F(RegistryTest, AListWithSeveralFiltersGoesByTheNarrowestIndex) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  for (int i = 0; i < 1100; ++i) MakeExpert(absl::StrCat("e", i), "gm0363");
  v1::CreateExpertRequest water = ExpertRequest("waterman", "gm0363");
  water.mutable_expert()->add_themes("Water");
  ASSERT_TRUE(registry_.CreateExpert(water).ok());
  v1::ListExpertsRequest list;
  list.set_organisation("organisations/gm0363");
  list.set_theme("water");
  list.set_page_size(1);
  auto page = registry_.ListExperts(list);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->experts_size(), 1);
  EXPECT_EQ(page->experts(0).name(), "experts/waterman");
  EXPECT_TRUE(page->next_page_token().empty());
  // And a theme no one has: an empty page at once, nothing to go on with.
  list.set_theme("vuur");
  page = registry_.ListExperts(list);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->experts_size(), 0);
  EXPECT_TRUE(page->next_page_token().empty());
}

// A page ends at about 2 MiB of records, fewer than page_size, with a token
// to go on (AIP-158): 1,000 experts with long bios made a page over every
// client's receive limit (a new matching replica could not load at all).
TEST_F(RegistryTest, APageOfLargeRecordsEndsAtTwoMebibytes) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  for (int i = 0; i < 300; ++i) {
    v1::CreateExpertRequest req = ExpertRequest(absl::StrCat("e", i), "gm0363");
    req.mutable_expert()->set_bio(std::string(19000, 'a' + i % 26));
    ASSERT_TRUE(registry_.CreateExpert(req).ok());
  }
  v1::ListExpertsRequest list;
  list.set_page_size(1000);
  std::set<std::string> seen;
  int pages = 0;
  do {
    auto page = registry_.ListExperts(list);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    EXPECT_LE(page->ByteSizeLong(), size_t{2} << 20 | 64 << 10);
    EXPECT_GT(page->experts_size(), 0);
    for (const v1::Expert& e : page->experts()) EXPECT_TRUE(seen.insert(e.name()).second);
    list.set_page_token(page->next_page_token());
  } while (!list.page_token().empty());
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_EQ(pages, 3);  // 5.7 MB in pages of 2 MiB
}

// An editor's update_mask "*" replaces the fields an editor may set: the
// organisation's layer and OIN, which only admins change, stay as they are
// when left out (it was refused for the layer, and then for clearing the
// OIN); one given otherwise is refused as any change of them is.
TEST_F(RegistryTest, AnEditorsReplaceAllKeepsTheLayerAndOin) {
  v1::CreateOrganisationRequest create;
  create.set_organisation_id("oa");
  create.mutable_organisation()->set_display_name("Gemeente A");
  create.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  create.mutable_organisation()->set_oin("00000001002564440000");
  ASSERT_TRUE(registry_.CreateOrganisation(create).ok());
  const v1::Principal editor =
      MakePrincipal("editor", "organisations/oa", v1::ROLE_EDITOR);
  v1::UpdateOrganisationRequest update;
  update.mutable_organisation()->set_name("organisations/oa");
  update.mutable_organisation()->set_display_name("Gemeente A*");
  update.mutable_update_mask()->add_paths("*");
  auto updated = registry_.UpdateOrganisation(update, editor);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Gemeente A*");
  EXPECT_EQ(updated->layer(), type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  EXPECT_EQ(updated->oin(), "00000001002564440000");
  // Another OIN, or layer, is still the admins' to give.
  update.mutable_organisation()->set_oin("00000001003214345000");
  EXPECT_EQ(registry_.UpdateOrganisation(update, editor).status().code(),
            absl::StatusCode::kPermissionDenied);
  update.mutable_organisation()->clear_oin();
  update.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_PROVINCIAL);
  EXPECT_EQ(registry_.UpdateOrganisation(update, editor).status().code(),
            absl::StatusCode::kPermissionDenied);
  // An admin's "*" replaces them all, as before: the layer must be given.
  update.mutable_organisation()->clear_layer();
  const absl::Status admin = registry_.UpdateOrganisation(update).status();
  EXPECT_EQ(admin.code(), absl::StatusCode::kInvalidArgument) << admin;
  EXPECT_THAT(BadFields(admin), ElementsAre("organisation.layer"));
}

// An empty reference is said to be required, once: it was also said not to
// exist, naming an empty resource.
TEST_F(RegistryTest, AnEmptyReferenceIsRequiredOnce) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  v1::UpdateExpertRequest update;
  update.mutable_expert()->set_name("experts/anna");
  update.mutable_update_mask()->add_paths("organisation");
  const absl::Status s = registry_.UpdateExpert(update).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(BadFields(s), ElementsAre("expert.organisation")) << s;
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("does not exist"))) << s;
  // A reference to an organisation that does not exist still says so.
  update.mutable_expert()->set_organisation("organisations/nergens");
  const absl::Status missing = registry_.UpdateExpert(update).status();
  EXPECT_THAT(BadFields(missing), ElementsAre("expert.organisation")) << missing;
  EXPECT_THAT(std::string(missing.message()), HasSubstr("does not exist")) << missing;
}

TEST_F(RegistryTest, AddAndRemoveTeamMember) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  v1::TaskTeam team = MakeTeam("t", "gm0363", {});
  EXPECT_EQ(team.state(), v1::TaskTeam::FORMING);
  v1::AddTeamMemberRequest add;
  add.set_team("teams/t");
  add.mutable_member()->set_expert("experts/anna");
  add.mutable_member()->set_role("trekker");
  add.mutable_member()->set_hours_per_week(8);
  auto added = registry_.AddTeamMember(add);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_THAT(added->members(), SizeIs(1));
  EXPECT_EQ(registry_.AddTeamMember(add).status().code(),
            absl::StatusCode::kAlreadyExists);
  // The missing expert is named by the request's field, not the team's.
  add.mutable_member()->set_expert("experts/ghost");
  const absl::Status ghost = registry_.AddTeamMember(add).status();
  EXPECT_EQ(ghost.code(), absl::StatusCode::kInvalidArgument) << ghost;
  EXPECT_THAT(BadFields(ghost), ElementsAre("member.expert"));
  v1::RemoveTeamMemberRequest remove;
  remove.set_team("teams/t");
  remove.set_expert("experts/anna");
  remove.set_etag(team.etag());  // stale
  EXPECT_EQ(registry_.RemoveTeamMember(remove).status().code(),
            absl::StatusCode::kAborted);
  remove.set_etag(added->etag());
  auto removed = registry_.RemoveTeamMember(remove);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_THAT(removed->members(), IsEmpty());
  remove.clear_etag();
  EXPECT_EQ(registry_.RemoveTeamMember(remove).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RegistryTest, OrganisationLayerChangeRewritesExperts) {
  MakeOrg("ggd", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "ggd");
  v1::UpdateOrganisationRequest req;
  req.mutable_organisation()->set_name("organisations/ggd");
  req.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_REGIONAL);
  req.mutable_update_mask()->add_paths("layer");
  ASSERT_TRUE(registry_.UpdateOrganisation(req).ok());
  v1::GetExpertRequest get;
  get.set_name("experts/anna");
  EXPECT_EQ(registry_.GetExpert(get)->layer(), type::v1::GOVERNMENT_LAYER_REGIONAL);
}

TEST_F(RegistryTest, ListPagesThroughEverythingOnce) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeOrg("pv27", type::v1::GOVERNMENT_LAYER_PROVINCIAL);
  for (int i = 0; i < 23; ++i) {
    MakeExpert("e" + std::to_string(100 + i), i % 2 ? "gm0363" : "pv27");
  }
  std::set<std::string> seen;
  v1::ListExpertsRequest req;
  req.set_page_size(5);
  int pages = 0;
  do {
    auto page = registry_.ListExperts(req);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->experts_size(), 5);
    EXPECT_GT(page->revision(), 0);
    for (const auto& e : page->experts()) EXPECT_TRUE(seen.insert(e.name()).second);
    req.set_page_token(page->next_page_token());
    ++pages;
  } while (!req.page_token().empty());
  EXPECT_EQ(seen.size(), 23u);
  EXPECT_EQ(pages, 5);
}

TEST_F(RegistryTest, ListFiltersCombine) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeOrg("pv27", type::v1::GOVERNMENT_LAYER_PROVINCIAL);
  MakeExpert("anna", "gm0363");
  MakeExpert("bram", "pv27");
  auto req = ExpertRequest("cas", "pv27");
  req.mutable_expert()->mutable_skills(0)->set_name("warmtenetten");
  ASSERT_TRUE(registry_.CreateExpert(req).ok());

  v1::ListExpertsRequest list;
  list.set_skill("WONINGBOUW");
  list.set_layer(type::v1::GOVERNMENT_LAYER_PROVINCIAL);
  auto page = registry_.ListExperts(list);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->experts(), SizeIs(1));
  EXPECT_EQ(page->experts(0).name(), "experts/bram");
  EXPECT_TRUE(page->next_page_token().empty());

  list.Clear();
  list.set_organisation("organisations/pv27");
  list.set_page_size(1);
  page = registry_.ListExperts(list);
  ASSERT_TRUE(page.ok());
  // Changing filters mid-scan is an error, not a silently wrong page.
  list.set_page_token(page->next_page_token());
  list.set_organisation("organisations/gm0363");
  EXPECT_THAT(BadFields(registry_.ListExperts(list).status()), ElementsAre("page_token"));
  list.set_page_token("garbage!");
  EXPECT_THAT(BadFields(registry_.ListExperts(list).status()), ElementsAre("page_token"));
  list.clear_page_token();
  list.set_page_size(-1);
  EXPECT_THAT(BadFields(registry_.ListExperts(list).status()), ElementsAre("page_size"));

  // A page token is for its collection too.
  v1::ListTeamsRequest teams;
  teams.set_page_token(page->next_page_token());
  EXPECT_THAT(BadFields(registry_.ListTeams(teams).status()), ElementsAre("page_token"));
  // Filters no stored value could match are errors, as other bad filters are.
  list.Clear();
  list.set_theme(std::string(kMaxTermChars + 1, 'x'));
  EXPECT_THAT(BadFields(registry_.ListExperts(list).status()), ElementsAre("theme"));
  v1::ListOrganisationsRequest orgs;
  orgs.set_oin("12");
  EXPECT_THAT(BadFields(registry_.ListOrganisations(orgs).status()), ElementsAre("oin"));
}

// A Store that runs `before_commit` once, just before the next commit whose
// first mutation is of `kind`: another registry's write landing between a
// request's reads and its commit.
class InterleavingStore : public Store {
 public:
  absl::StatusOr<StoredRecord> Get(Kind kind, absl::string_view id) override {
    return store_.Get(kind, id);
  }
  absl::StatusOr<ListResult> List(const ListRequest& request) override {
    return store_.List(request);
  }
  absl::StatusOr<CommitResult> Commit(const CommitRequest& request) override {
    if (before_commit && std::any_of(request.mutations.begin(), request.mutations.end(),
                                     [&](const Mutation& m) { return m.kind == kind; })) {
      std::function<void()> run = std::move(before_commit);
      before_commit = nullptr;
      run();
    }
    return store_.Commit(request);
  }
  absl::StatusOr<std::vector<StoredChange>> ReadChanges(int64_t after_revision, int max,
                                                        absl::Duration wait) override {
    return store_.ReadChanges(after_revision, max, wait);
  }
  absl::StatusOr<int64_t> CurrentRevision() override { return store_.CurrentRevision(); }

  Kind kind = Kind::kOrganisation;
  std::function<void()> before_commit;

 private:
  MemoryStore store_;
};

v1::CreateOrganisationRequest Amsterdam() {
  v1::CreateOrganisationRequest org;
  org.set_organisation_id("gm0363");
  org.mutable_organisation()->set_display_name("Gemeente Amsterdam");
  org.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  return org;
}

TEST(RegistryRaceTest, ALayerChangeReachesAnExpertCreatedWhileItWasPrepared) {
  InterleavingStore store;
  Registry registry(&store, RegistryOptions{});
  ASSERT_TRUE(registry.CreateOrganisation(Amsterdam()).ok());
  auto expert = [](const std::string& id) {
    v1::CreateExpertRequest req;
    req.set_expert_id(id);
    req.mutable_expert()->set_display_name("Expert " + id);
    req.mutable_expert()->set_organisation("organisations/gm0363");
    return req;
  };
  ASSERT_TRUE(registry.CreateExpert(expert("anna")).ok());
  // The layer change has listed anna; bram is created before it commits
  // (his create reads the organisation as it still is).
  store.kind = Kind::kOrganisation;
  store.before_commit = [&] { ASSERT_TRUE(registry.CreateExpert(expert("bram")).ok()); };
  v1::UpdateOrganisationRequest update;
  update.mutable_organisation()->set_name("organisations/gm0363");
  update.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_REGIONAL);
  update.mutable_update_mask()->add_paths("layer");
  auto updated = registry.UpdateOrganisation(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  for (const char* name : {"experts/anna", "experts/bram"}) {
    v1::GetExpertRequest get;
    get.set_name(name);
    auto e = registry.GetExpert(get);
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(e->layer(), type::v1::GOVERNMENT_LAYER_REGIONAL) << name;
    // The revision the update answers with covers its experts' rewrites
    // (a MatchExperts with that min_revision sees their new layer).
    EXPECT_LT(e->revision(), updated->revision()) << name;
  }
}

TEST(RegistryRaceTest, DeletingAnExpertReachesATeamThatTookThemOnMeanwhile) {
  InterleavingStore store;
  Registry registry(&store, RegistryOptions{});
  ASSERT_TRUE(registry.CreateOrganisation(Amsterdam()).ok());
  v1::CreateExpertRequest anna;
  anna.set_expert_id("anna");
  anna.mutable_expert()->set_display_name("Anna");
  anna.mutable_expert()->set_organisation("organisations/gm0363");
  ASSERT_TRUE(registry.CreateExpert(anna).ok());
  v1::CreateTeamRequest team;
  team.set_team_id("woondeal");
  team.mutable_team()->set_display_name("Woondeal");
  team.mutable_team()->set_owner_organisation("organisations/gm0363");
  ASSERT_TRUE(registry.CreateTeam(team).ok());
  // The delete has listed anna's teams (none); the team takes her on before
  // the delete commits.
  store.kind = Kind::kExpert;
  store.before_commit = [&] {
    v1::AddTeamMemberRequest add;
    add.set_team("teams/woondeal");
    add.mutable_member()->set_expert("experts/anna");
    ASSERT_TRUE(registry.AddTeamMember(add).ok());
  };
  v1::DeleteExpertRequest del;
  del.set_name("experts/anna");
  ASSERT_TRUE(registry.DeleteExpert(del).ok());
  v1::GetTeamRequest get;
  get.set_name("teams/woondeal");
  auto t = registry.GetTeam(get);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->members(), IsEmpty());
  // And the team can still be changed (a member that no longer exists would
  // fail every later update).
  v1::UpdateTeamRequest rename;
  rename.mutable_team()->set_name("teams/woondeal");
  rename.mutable_team()->set_display_name("Woondeal 2");
  rename.mutable_update_mask()->add_paths("display_name");
  EXPECT_TRUE(registry.UpdateTeam(rename).ok());
}

// Another organisation's expert booked on two ACTIVE teams at once, or on an
// ACTIVE team while another team of theirs turns ACTIVE: each write read the
// other team as it was before, and together they booked more hours than the
// expert has (a concurrency review: 20 h of 10). The commit now needs the
// expert's teams as read, and the write that loses is tried again.
TEST(RegistryRaceTest, ConcurrentBookingsOfAnExpertStayWithinTheirHours) {
  InterleavingStore store;
  Registry registry(&store, RegistryOptions{});
  ASSERT_TRUE(registry.CreateOrganisation(Amsterdam()).ok());
  v1::CreateOrganisationRequest bzk;
  bzk.set_organisation_id("bzk");
  bzk.mutable_organisation()->set_display_name("BZK");
  bzk.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_NATIONAL);
  ASSERT_TRUE(registry.CreateOrganisation(bzk).ok());
  v1::CreateExpertRequest bert;
  bert.set_expert_id("bert");
  bert.mutable_expert()->set_display_name("Bert");
  bert.mutable_expert()->set_organisation("organisations/gm0363");
  bert.mutable_expert()->set_consent_to_matching(true);
  bert.mutable_expert()->set_available_hours_per_week(10);
  ASSERT_TRUE(registry.CreateExpert(bert).ok());
  auto team = [&](const std::string& id, v1::TaskTeam::State state) {
    v1::CreateTeamRequest req;
    req.set_team_id(id);
    req.mutable_team()->set_display_name(id);
    req.mutable_team()->set_owner_organisation("organisations/bzk");
    req.mutable_team()->set_state(state);
    ASSERT_TRUE(registry.CreateTeam(req).ok());
  };
  team("a", v1::TaskTeam::ACTIVE);
  team("b", v1::TaskTeam::ACTIVE);
  team("c", v1::TaskTeam::FORMING);
  v1::Principal editor;
  editor.set_subject("editor");
  editor.set_organisation("organisations/bzk");
  editor.set_role(v1::ROLE_EDITOR);
  auto add = [&](const std::string& team_id) {
    v1::AddTeamMemberRequest req;
    req.set_team("teams/" + team_id);
    req.mutable_member()->set_expert("experts/bert");
    req.mutable_member()->set_hours_per_week(10);
    return registry.AddTeamMember(req, editor).status();
  };

  // Two adds to ACTIVE teams: the one that commits second finds the first.
  store.kind = Kind::kTeam;
  store.before_commit = [&] { ASSERT_TRUE(add("b").ok()); };
  const absl::Status second = add("a");
  EXPECT_EQ(second.code(), absl::StatusCode::kInvalidArgument) << second;
  EXPECT_THAT(second.message(), HasSubstr("at most 0"));

  // Team c (FORMING) has bert; b lets him go; c turns ACTIVE while a takes
  // him on.
  ASSERT_TRUE(add("c").ok());
  v1::RemoveTeamMemberRequest remove;
  remove.set_team("teams/b");
  remove.set_expert("experts/bert");
  ASSERT_TRUE(registry.RemoveTeamMember(remove, editor).ok());
  store.before_commit = [&] {
    v1::UpdateTeamRequest activate;
    activate.mutable_team()->set_name("teams/c");
    activate.mutable_team()->set_state(v1::TaskTeam::ACTIVE);
    activate.mutable_update_mask()->add_paths("state");
    ASSERT_TRUE(registry.UpdateTeam(activate, editor).ok());
  };
  const absl::Status meanwhile = add("a");
  EXPECT_EQ(meanwhile.code(), absl::StatusCode::kInvalidArgument) << meanwhile;
}

// An expert's writes read its organisation (its layer is copied), and a
// change of the organisation meanwhile made them ABORTED: an update with a
// current etag at once, a create after one retry (a concurrency review: 31
// of 150 updates, 17 of 100 creates while the organisation's display name
// was edited). They are tried again; the etag still protects the expert.
TEST(RegistryRaceTest, AnOrganisationEditedMeanwhileDoesNotFailItsExpertsWrites) {
  InterleavingStore store;
  Registry registry(&store, RegistryOptions{});
  ASSERT_TRUE(registry.CreateOrganisation(Amsterdam()).ok());
  int renames = 0;
  std::function<void()> rename = [&] {
    v1::UpdateOrganisationRequest update;
    update.mutable_organisation()->set_name("organisations/gm0363");
    update.mutable_organisation()->set_display_name(
        absl::StrCat("Amsterdam ", ++renames));
    update.mutable_update_mask()->add_paths("display_name");
    ASSERT_TRUE(registry.UpdateOrganisation(update).ok());
  };
  // Before the expert's first and second commit.
  store.kind = Kind::kExpert;
  store.before_commit = [&] {
    store.before_commit = rename;
    rename();
  };
  v1::CreateExpertRequest create;
  create.set_expert_id("anna");
  create.mutable_expert()->set_display_name("Anna");
  create.mutable_expert()->set_organisation("organisations/gm0363");
  auto created = registry.CreateExpert(create);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(renames, 2);

  store.before_commit = rename;
  v1::UpdateExpertRequest update;
  update.mutable_expert()->set_name("experts/anna");
  update.mutable_expert()->set_job_title("Adviseur");
  update.mutable_expert()->set_etag(created->etag());
  update.mutable_update_mask()->add_paths("job_title");
  auto updated = registry.UpdateExpert(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(renames, 3);

  // The expert itself changed meanwhile: the etag is stale.
  store.before_commit = [&] {
    v1::UpdateExpertRequest other;
    other.mutable_expert()->set_name("experts/anna");
    other.mutable_expert()->set_job_title("Senior adviseur");
    other.mutable_update_mask()->add_paths("job_title");
    ASSERT_TRUE(registry.UpdateExpert(other).ok());
  };
  update.mutable_expert()->set_etag(updated->etag());
  const absl::Status stale = registry.UpdateExpert(update).status();
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted) << stale;
  EXPECT_EQ(ReasonOf(stale), "ETAG_MISMATCH") << stale;
}

TEST_F(RegistryTest, AnOinNamesOneOrganisationAndOnlyAdminsChangeIt) {
  constexpr char kOin[] = "00000001002220647000";
  constexpr char kOther[] = "00000001002220648000";
  v1::CreateOrganisationRequest a;
  a.set_organisation_id("gm0363");
  a.mutable_organisation()->set_display_name("Gemeente Amsterdam");
  a.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  a.mutable_organisation()->set_oin(kOin);
  ASSERT_TRUE(registry_.CreateOrganisation(a).ok());
  // The same organisation created again, with its OIN: it exists (what an
  // import run again counts as skipped), not "another organisation has it".
  EXPECT_EQ(registry_.CreateOrganisation(a).status().code(),
            absl::StatusCode::kAlreadyExists);
  // A second organisation with the same OIN: refused.
  v1::CreateOrganisationRequest b = a;
  b.set_organisation_id("gm0599");
  auto created = registry_.CreateOrganisation(b);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kFailedPrecondition)
      << created.status();
  b.mutable_organisation()->set_oin(kOther);
  ASSERT_TRUE(registry_.CreateOrganisation(b).ok());
  // Nor may an update take another organisation's OIN.
  v1::UpdateOrganisationRequest take;
  take.mutable_organisation()->set_name("organisations/gm0599");
  take.mutable_organisation()->set_oin(kOin);
  take.mutable_update_mask()->add_paths("oin");
  EXPECT_EQ(registry_.UpdateOrganisation(take).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // An editor of the organisation may change other fields, not its OIN.
  const v1::Principal editor =
      MakePrincipal("editor", "organisations/gm0599", v1::ROLE_EDITOR);
  v1::UpdateOrganisationRequest rename;
  rename.mutable_organisation()->set_name("organisations/gm0599");
  rename.mutable_organisation()->set_display_name("Gemeente Rotterdam");
  rename.mutable_update_mask()->add_paths("display_name");
  EXPECT_TRUE(registry_.UpdateOrganisation(rename, editor).ok());
  v1::UpdateOrganisationRequest change;
  change.mutable_organisation()->set_name("organisations/gm0599");
  change.mutable_organisation()->set_oin("00000001002220649000");
  change.mutable_update_mask()->add_paths("oin");
  EXPECT_EQ(registry_.UpdateOrganisation(change, editor).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Nor its layer, which its experts take (an integration review's editor
  // made a municipality NATIONAL); naming it unchanged is no change.
  v1::UpdateOrganisationRequest relayer;
  relayer.mutable_organisation()->set_name("organisations/gm0599");
  relayer.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_NATIONAL);
  relayer.mutable_update_mask()->add_paths("layer");
  const absl::Status denied = registry_.UpdateOrganisation(relayer, editor).status();
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied) << denied;
  EXPECT_THAT(denied.message(), HasSubstr("government layer (admins only"));
  relayer.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  EXPECT_TRUE(registry_.UpdateOrganisation(relayer, editor).ok());
  // An admin may; the organisation keeping its own OIN is no conflict.
  auto changed = registry_.UpdateOrganisation(change);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->oin(), "00000001002220649000");
  EXPECT_TRUE(registry_.UpdateOrganisation(rename).ok());
}

TEST_F(RegistryTest, ListFiltersThatNoRecordCanMatchAreInvalid) {
  // An unknown enum value or a malformed region code is a mistake, not an
  // empty result.
  v1::ListExpertsRequest experts;
  experts.set_layer(static_cast<type::v1::GovernmentLayer>(42));
  EXPECT_THAT(BadFields(registry_.ListExperts(experts).status()), ElementsAre("layer"));
  experts.Clear();
  experts.set_region_code("gm0363");  // codes are upper case
  EXPECT_THAT(BadFields(registry_.ListExperts(experts).status()),
              ElementsAre("region_code"));
  // A theme or skill no stored one can be: too long, or with a control
  // character (an API review: "a\x01" listed an empty page).
  experts.Clear();
  experts.set_theme("a\x01");
  experts.set_skill(std::string(101, 's'));
  EXPECT_THAT(BadFields(registry_.ListExperts(experts).status()), ElementsAre("skill"));
  experts.clear_skill();
  EXPECT_THAT(BadFields(registry_.ListExperts(experts).status()), ElementsAre("theme"));
  v1::ListOrganisationsRequest orgs;
  orgs.set_layer(static_cast<type::v1::GovernmentLayer>(42));
  EXPECT_THAT(BadFields(registry_.ListOrganisations(orgs).status()),
              ElementsAre("layer"));
  orgs.Clear();
  orgs.set_region_code("GM363");
  EXPECT_THAT(BadFields(registry_.ListOrganisations(orgs).status()),
              ElementsAre("region_code"));
  v1::ListTeamsRequest teams;
  teams.set_state(static_cast<v1::TaskTeam::State>(9));
  EXPECT_THAT(BadFields(registry_.ListTeams(teams).status()), ElementsAre("state"));
  v1::ListChallengesRequest challenges;
  challenges.set_state(static_cast<v1::Challenge::State>(9));
  EXPECT_THAT(BadFields(registry_.ListChallenges(challenges).status()),
              ElementsAre("state"));
  // Valid filters still list.
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  experts.Clear();
  experts.set_region_code("GM0363");
  experts.set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  auto page = registry_.ListExperts(experts);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->experts(), SizeIs(1));
}

TEST_F(RegistryTest, BatchCreateIsAllOrNothingAndReportsEveryBadItem) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::BatchCreateExpertsRequest batch;
  *batch.add_requests() = ExpertRequest("anna", "gm0363");
  *batch.add_requests() = ExpertRequest("bram", "nowhere");
  auto bad = ExpertRequest("cas", "gm0363");
  bad.mutable_expert()->set_email("nope");
  *batch.add_requests() = bad;
  auto s = registry_.BatchCreateExperts(batch).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(s),
              ElementsAre("requests[1].expert.organisation", "requests[2].expert.email"));
  EXPECT_EQ(*store_.CurrentRevision(), 1);

  batch.Clear();
  for (const char* id : {"anna", "bram", "cas"}) {
    auto item = ExpertRequest(id, "gm0363");
    item.set_request_id(std::string("line-") + id);
    *batch.add_requests() = item;
  }
  auto ok = registry_.BatchCreateExperts(batch);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_THAT(ok->experts(), SizeIs(3));
  EXPECT_EQ(ok->experts(2).revision(), 4);
  auto again = registry_.BatchCreateExperts(batch);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->experts(1).name(), "experts/bram");
  EXPECT_EQ(*store_.CurrentRevision(), 4);

  // Request ids on some items only, or one twice: the batch could not be
  // retried safely, so it is refused.
  batch.Clear();
  for (const char* id : {"dirk", "eva", "fien"})
    *batch.add_requests() = ExpertRequest(id, "gm0363");
  batch.mutable_requests(1)->set_request_id("line-eva");
  EXPECT_THAT(BadFields(registry_.BatchCreateExperts(batch).status()),
              ElementsAre("requests[1].request_id"));
  batch.mutable_requests(0)->set_request_id("line-dirk");
  batch.mutable_requests(2)->set_request_id("line-dirk");
  EXPECT_THAT(BadFields(registry_.BatchCreateExperts(batch).status()),
              ElementsAre("requests[2].request_id"));
  EXPECT_EQ(*store_.CurrentRevision(), 4);
}

// A batch whose answer would not fit gRPC's default 4 MiB receive limit is
// refused before anything is written (an API review: grpcio refused the
// answer to a batch that had been created, and to each retry of it).
TEST_F(RegistryTest, ABatchWhoseAnswerWouldNotFitFourMiBIsRefusedBeforeWriting) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  const int64_t before = *store_.CurrentRevision();
  auto batch_of = [this](int bio_chars) {
    v1::BatchCreateExpertsRequest batch;
    for (int i = 0; i < 1000; ++i) {
      auto item = ExpertRequest(absl::StrCat("e", bio_chars, "-", i), "gm0363");
      item.mutable_expert()->set_bio(std::string(bio_chars, 'x'));
      item.set_request_id(absl::StrCat("r", bio_chars, "-", i));
      *batch.add_requests() = item;
    }
    return batch;
  };
  const v1::BatchCreateExpertsRequest large = batch_of(4090);
  absl::Status s = registry_.BatchCreateExperts(large).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_EQ(ReasonOf(s), "BATCH_RESPONSE_TOO_LARGE") << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("nothing was created"));
  EXPECT_EQ(*store_.CurrentRevision(), before);
  // Just under: created, and its answer (revisions and etags in) fits.
  absl::StatusOr<v1::BatchCreateExpertsResponse> ok =
      registry_.BatchCreateExperts(batch_of(3950));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_LE(ok->ByteSizeLong(), size_t{4} << 20);
  EXPECT_GT(ok->ByteSizeLong(), (size_t{4} << 20) - 200000);
  EXPECT_EQ(*store_.CurrentRevision(), before + 1000);
}

TEST_F(RegistryTest, UnknownFieldsAreNotStored) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  v1::CreateExpertRequest req = ExpertRequest("anna", "gm0363");
  req.mutable_expert()
      ->GetReflection()
      ->MutableUnknownFields(req.mutable_expert())
      ->AddLengthDelimited(4242, std::string(100000, 'x'));
  absl::StatusOr<v1::Expert> created = registry_.CreateExpert(req);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->GetReflection()->GetUnknownFields(*created).field_count(), 0);
  v1::UpdateExpertRequest update;
  *update.mutable_expert() = *created;
  update.mutable_expert()
      ->GetReflection()
      ->MutableUnknownFields(update.mutable_expert())
      ->AddVarint(4243, 7);
  absl::StatusOr<v1::Expert> updated = registry_.UpdateExpert(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  v1::GetExpertRequest get;
  get.set_name("experts/anna");
  absl::StatusOr<v1::Expert> stored = registry_.GetExpert(get);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->GetReflection()->GetUnknownFields(*stored).field_count(), 0);
  EXPECT_LT(stored->ByteSizeLong(), 1000u);
}

TEST_F(RegistryTest, ChangesCarryTheResourceAfterTheChange) {
  MakeOrg("gm0363", type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  MakeExpert("anna", "gm0363");
  auto changes = store_.ReadChanges(0, 10, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok());
  ASSERT_THAT(*changes, SizeIs(2));
  auto created = Registry::ToChange((*changes)[1]);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->type(), v1::Change::CREATED);
  EXPECT_EQ(created->name(), "experts/anna");
  EXPECT_EQ(created->expert().revision(), 2);
  EXPECT_EQ(created->expert().layer(), type::v1::GOVERNMENT_LAYER_MUNICIPAL);

  // Deleting the expert erases that history (AVG): REDACTED, no resource.
  v1::DeleteExpertRequest del;
  del.set_name("experts/anna");
  ASSERT_TRUE(registry_.DeleteExpert(del).ok());
  changes = store_.ReadChanges(0, 10, absl::ZeroDuration());
  ASSERT_TRUE(changes.ok());
  ASSERT_THAT(*changes, SizeIs(3));
  auto redacted = Registry::ToChange((*changes)[1]);
  ASSERT_TRUE(redacted.ok());
  EXPECT_EQ(redacted->type(), v1::Change::REDACTED);
  EXPECT_EQ(redacted->name(), "experts/anna");
  EXPECT_EQ(redacted->resource_case(), v1::Change::RESOURCE_NOT_SET);
  auto deleted = Registry::ToChange((*changes)[2]);
  EXPECT_EQ(deleted->type(), v1::Change::DELETED);
  EXPECT_EQ(deleted->resource_case(), v1::Change::RESOURCE_NOT_SET);
}

}  // namespace
}  // namespace samenspel::registry
