#include "registry-service/server/audit_events.h"

#include <string>
#include <vector>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"
#include "samenspel/registry/v1/registry_service.pb.h"

namespace samenspel::registry {
namespace {

using ::testing::ElementsAre;

v1::Expert Expert(const std::string& name, const std::string& org, bool personal) {
  v1::Expert e;
  e.set_name(name);
  e.set_organisation(org);
  e.set_etag("1");
  if (personal) e.set_email(name.substr(name.find('/') + 1) + "@example.nl");
  return e;
}

TEST(AuditEventForTest, AReadListsEachResourceAndOrganisationOnceInTheOrderSeen) {
  v1::ListExpertsResponse page;
  *page.add_experts() = Expert("experts/a", "organisations/o1", true);
  *page.add_experts() =
      Expert("experts/b", "organisations/o2", false);  // no personal data
  *page.add_experts() = Expert("experts/c", "organisations/o1", true);
  *page.add_experts() = Expert("experts/a", "organisations/o1", true);  // listed again
  *page.add_experts() = Expert("experts/d", "organisations/o3", true);
  grpc::CallbackServerContext context;
  v1::Principal who;
  who.set_subject("tester");
  const std::optional<v1::AuditEvent> event =
      AuditEventFor(context, "RegistryService", "ListExperts", who,
                    v1::ListExpertsRequest(), &page, absl::OkStatus());
  ASSERT_TRUE(event.has_value());
  EXPECT_TRUE(event->personal_data());
  // A read records the resources whose personal data it returned.
  EXPECT_THAT(event->resources(), ElementsAre("experts/a", "experts/c", "experts/d"));
  EXPECT_THAT(event->organisations(),
              ElementsAre("organisations/o1", "organisations/o3"));
  EXPECT_EQ(event->method(), "RegistryService/ListExperts");
}

// A Get answered in wire form has no response message to look into: its
// event, from the resource's name and organisation, is the one AuditEventFor
// finds in the expert.
TEST(AuditEventForTest, AGetInWireFormIsRecordedAsItsResponseWouldBe) {
  grpc::CallbackServerContext context;
  v1::Principal who;
  who.set_subject("tester");
  who.set_organisation("organisations/o1");
  who.set_role(v1::ROLE_READER);
  v1::GetExpertRequest request;
  request.set_name("experts/a");
  const v1::Expert expert = Expert("experts/a", "organisations/o1", true);
  std::optional<v1::AuditEvent> expected = AuditEventFor(
      context, "RegistryService", "GetExpert", who, request, &expert, absl::OkStatus());
  ASSERT_TRUE(expected.has_value());
  v1::AuditEvent event =
      PersonalReadEventFor(context, "RegistryService", "GetExpert", who, "experts/a",
                           "organisations/o1", absl::OkStatus());
  expected->clear_time();
  event.clear_time();
  EXPECT_EQ(event.SerializeAsString(), expected->SerializeAsString())
      << event.DebugString() << " against " << expected->DebugString();
}

TEST(AuditEventForTest, AReadWithoutPersonalDataIsNotRecorded) {
  v1::ListExpertsResponse page;
  *page.add_experts() = Expert("experts/b", "organisations/o2", false);
  grpc::CallbackServerContext context;
  EXPECT_FALSE(AuditEventFor(context, "RegistryService", "ListExperts", v1::Principal(),
                             v1::ListExpertsRequest(), &page, absl::OkStatus())
                   .has_value());
}

TEST(AuditEventForTest, AWriteNamesItsTargetOnceAlsoWhenItFailed) {
  v1::DeleteExpertRequest request;
  request.set_name("experts/a");
  grpc::CallbackServerContext context;
  const std::optional<v1::AuditEvent> event =
      AuditEventFor(context, "RegistryService", "DeleteExpert", v1::Principal(), request,
                    nullptr, absl::NotFoundError("no such expert"));
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ElementsAre("experts/a"));
  EXPECT_EQ(event->code(), "NOT_FOUND");
}

// personal_data is what the response held: a refused create of an expert
// with an email returned it to no one; the created expert, returned, did.
TEST(AuditEventForTest, ARefusedWriteReturnedNoPersonalData) {
  v1::CreateExpertRequest request;
  request.set_expert_id("a");
  *request.mutable_expert() = Expert("", "organisations/o1", true);
  request.mutable_expert()->set_email("a@example.nl");
  grpc::CallbackServerContext context;
  std::optional<v1::AuditEvent> event =
      AuditEventFor(context, "RegistryService", "CreateExpert", v1::Principal(), request,
                    nullptr, absl::PermissionDeniedError("not yours"));
  ASSERT_TRUE(event.has_value());
  EXPECT_FALSE(event->personal_data());
  EXPECT_THAT(event->resources(), ElementsAre("experts/a"));
  const v1::Expert created = Expert("experts/a", "organisations/o1", true);
  event = AuditEventFor(context, "RegistryService", "CreateExpert", v1::Principal(),
                        request, &created, absl::OkStatus());
  ASSERT_TRUE(event.has_value());
  EXPECT_TRUE(event->personal_data());
}

// A team write names the experts it puts on or takes off the team (an
// editor booking another organisation's expert shows in that expert's
// audit trail), not the members it leaves as they are; a delete names what
// else it changed (the teams a deleted expert left, and their owners).
TEST(AuditEventForTest, ATeamWriteNamesTheExpertsItConcerns) {
  grpc::CallbackServerContext context;
  v1::TaskTeam team;
  team.set_name("teams/t");
  team.set_owner_organisation("organisations/o1");
  team.set_etag("2");
  team.add_members()->set_expert("experts/kept");
  team.add_members()->set_expert("experts/b");

  v1::AddTeamMemberRequest add;
  add.set_team("teams/t");
  add.mutable_member()->set_expert("experts/b");
  std::optional<v1::AuditEvent> event =
      AuditEventFor(context, "RegistryService", "AddTeamMember", v1::Principal(), add,
                    &team, absl::OkStatus());
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ElementsAre("teams/t", "experts/b"));
  EXPECT_THAT(event->organisations(), ElementsAre("organisations/o1"));
  // Refused too.
  event = AuditEventFor(context, "RegistryService", "AddTeamMember", v1::Principal(), add,
                        nullptr, absl::FailedPreconditionError("no consent"));
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ElementsAre("experts/b", "teams/t"));

  v1::RemoveTeamMemberRequest remove;
  remove.set_team("teams/t");
  remove.set_expert("experts/gone");
  event = AuditEventFor(context, "RegistryService", "RemoveTeamMember", v1::Principal(),
                        remove, &team, absl::OkStatus());
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ElementsAre("teams/t", "experts/gone"));

  v1::UpdateTeamRequest update;
  *update.mutable_team() = team;
  update.mutable_update_mask()->add_paths("state");
  event = AuditEventFor(context, "RegistryService", "UpdateTeam", v1::Principal(), update,
                        &team, absl::OkStatus());
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ElementsAre("teams/t"));
  update.mutable_update_mask()->add_paths("members");
  event = AuditEventFor(context, "RegistryService", "UpdateTeam", v1::Principal(), update,
                        &team, absl::OkStatus());
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ElementsAre("teams/t", "experts/kept", "experts/b"));

  v1::CreateTeamRequest create;
  create.set_team_id("t");
  *create.mutable_team() = team;
  event = AuditEventFor(context, "RegistryService", "CreateTeam", v1::Principal(), create,
                        nullptr, absl::PermissionDeniedError("not yours"));
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ElementsAre("teams/t", "experts/kept", "experts/b"));

  // A deleted team names the members it had.
  v1::DeleteTeamRequest del_team;
  del_team.set_name("teams/t");
  event = AuditEventFor(context, "RegistryService", "DeleteTeam", v1::Principal(),
                        del_team, &team, absl::OkStatus());
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ElementsAre("teams/t", "experts/kept", "experts/b"));

  v1::DeleteExpertRequest del;
  del.set_name("experts/b");
  const v1::Expert deleted = Expert("experts/b", "organisations/o2", false);
  const std::vector<std::string> also = {"teams/t", "organisations/o1"};
  event = AuditEventFor(context, "RegistryService", "DeleteExpert", v1::Principal(), del,
                        &deleted, absl::OkStatus(), also);
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ElementsAre("experts/b", "teams/t"));
  EXPECT_THAT(event->organisations(),
              ElementsAre("organisations/o2", "organisations/o1"));
}

// A refused create names what it asked for: the resource by the id it
// asked for, and its organisation; for a batch, every item's.
TEST(AuditEventForTest, ARefusedCreateNamesTheResourcesAndOrganisationsItAskedFor) {
  grpc::CallbackServerContext context;
  v1::CreateExpertRequest one;
  one.set_expert_id("b2");
  one.mutable_expert()->set_organisation("organisations/utrecht");
  std::optional<v1::AuditEvent> event =
      AuditEventFor(context, "RegistryService", "CreateExpert", v1::Principal(), one,
                    nullptr, absl::PermissionDeniedError("not yours"));
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ElementsAre("experts/b2"));
  EXPECT_THAT(event->organisations(), ElementsAre("organisations/utrecht"));

  v1::BatchCreateExpertsRequest batch;
  *batch.add_requests() = one;
  v1::CreateExpertRequest two;
  two.mutable_expert()->set_organisation("organisations/gm0344");  // no id
  *batch.add_requests() = two;
  event = AuditEventFor(context, "RegistryService", "BatchCreateExperts", v1::Principal(),
                        batch, nullptr, absl::PermissionDeniedError("not yours"));
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ElementsAre("experts/b2"));
  EXPECT_THAT(event->organisations(),
              ElementsAre("organisations/utrecht", "organisations/gm0344"));
}

// A refused request is unchecked input: an unauthenticated batch of 1,000
// names of 3,500 bytes each made a 3.5 MB event (a security review wrote
// 18 MB into Redis in 5 calls without credentials). Texts that are not
// resource names are not recorded, and a refused call records its first 20
// names; both are counted.
TEST(AuditEventForTest, ARefusedRequestRecordsItsFirstNamesOnly) {
  grpc::CallbackServerContext context;
  v1::Principal nobody;
  nobody.set_subject("unauthenticated");
  const absl::Status refused = absl::UnauthenticatedError("no credentials");

  v1::BatchCreateExpertsRequest junk;
  for (int i = 0; i < 1000; ++i) {
    v1::Expert* e = junk.add_requests()->mutable_expert();
    e->set_name("experts/" + std::string(3500, 'z'));
    e->set_organisation("organisations/" + std::string(100, 'o'));
  }
  std::optional<v1::AuditEvent> event = AuditEventFor(
      context, "RegistryService", "BatchCreateExperts", nobody, junk, nullptr, refused);
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(event->resources(), ::testing::IsEmpty());
  EXPECT_THAT(event->organisations(), ::testing::IsEmpty());
  EXPECT_EQ(event->names_omitted(), 2000);
  EXPECT_EQ(event->code(), "UNAUTHENTICATED");
  EXPECT_LT(event->ByteSizeLong(), 200u);

  v1::BatchCreateExpertsRequest batch;
  for (int i = 0; i < 50; ++i) {
    v1::CreateExpertRequest* r = batch.add_requests();
    r->set_expert_id("e" + std::to_string(i));
    r->mutable_expert()->set_organisation("organisations/o" + std::to_string(i % 2));
  }
  event = AuditEventFor(context, "RegistryService", "BatchCreateExperts", nobody, batch,
                        nullptr, refused);
  ASSERT_TRUE(event.has_value());
  ASSERT_EQ(event->resources_size(), 20);
  EXPECT_EQ(event->resources(0), "experts/e0");
  EXPECT_THAT(event->organisations(),
              ElementsAre("organisations/o0", "organisations/o1"));
  EXPECT_EQ(event->names_omitted(), 30);

  // Allowed, the same batch records every name: they were checked.
  v1::BatchCreateExpertsResponse created;
  for (int i = 0; i < 50; ++i) {
    *created.add_experts() = Expert("experts/e" + std::to_string(i),
                                    "organisations/o" + std::to_string(i % 2), false);
  }
  v1::Principal admin;
  admin.set_subject("admin");
  event = AuditEventFor(context, "RegistryService", "BatchCreateExperts", admin, batch,
                        &created, absl::OkStatus());
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->resources_size(), 50);
  EXPECT_EQ(event->names_omitted(), 0);
}

// A refusal names the principal over its rate limit (it said
// "unauthenticated"), and a call whose credentials could not be checked is
// "unverified".
TEST(AuditEventForTest, ARefusalNamesThePrincipalItKnows) {
  EXPECT_EQ(RefusedPrincipal(RateLimitedError("accessTokens/t1", 0.5)).subject(),
            "accessTokens/t1");
  EXPECT_EQ(RefusedPrincipal(absl::UnavailableError("redis down")).subject(),
            "unverified");
  EXPECT_EQ(RefusedPrincipal(absl::UnauthenticatedError("no token")).subject(),
            "unauthenticated");
}

}  // namespace
}  // namespace samenspel::registry
