#include "registry-service/server/audit_events.h"

#include <string>

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

}  // namespace
}  // namespace samenspel::registry
