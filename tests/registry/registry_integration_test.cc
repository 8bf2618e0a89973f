// The real samenspel-registry binary over a real redis-server, called over
// gRPC: every RPC, every error path, persistence, the change feed through two
// registry processes, and Redis outages.
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"
#include "tests/support/redis_server.h"
#include "tests/support/service_process.h"
#include "tests/support/status_details.h"
#include "tests/support/temp_dir.h"

namespace samenspel::registry {
namespace {

using ::samenspel::test_support::BadFields;
using test_support::RedisServer;
using test_support::RedisServerOptions;
using test_support::ServiceProcess;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using Stub = v1::RegistryService::Stub;
namespace type = ::samenspel::type::v1;

// Calls one unary RPC with a deadline; returns the response or the status.
template <typename Response, typename Request, typename Method>
absl::StatusOr<Response> Call(Stub& stub, Method method, const Request& request,
                              absl::Duration deadline = absl::Seconds(10)) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  Response response;
  grpc::Status s = (stub.*method)(&ctx, request, &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

std::string Reason(const absl::Status& s) { return ReasonOf(s); }

// One Redis (AOF on) and one registry per test.
class RegistryIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RedisServerOptions options;
    options.appendonly = true;
    options.appendfsync = "everysec";
    auto redis = RedisServer::Create(options);
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    registry_ = StartRegistry();
    ASSERT_NE(registry_, nullptr);
    stub_ = v1::RegistryService::NewStub(registry_->Channel());
  }

  std::unique_ptr<ServiceProcess> StartRegistry(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--insecure", "--redis=" + redis_->address()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto p = ServiceProcess::Start(SAMENSPEL_REGISTRY_BINARY, args);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) return nullptr;
    EXPECT_TRUE((*p)->WaitForHealth("SERVING", absl::Seconds(10)));
    return *std::move(p);
  }

  // A registry whose log goes to `log_path` (ServiceProcess's goes to the
  // test's), serving; its channel and health port in `*channel`, `*port`.
  std::unique_ptr<test_support::Subprocess> StartLoggedRegistry(
      const std::string& log_path, std::vector<std::string> extra,
      std::shared_ptr<grpc::Channel>* channel, int* port) {
    absl::StatusOr<int> free = test_support::FreePort();
    EXPECT_TRUE(free.ok()) << free.status();
    if (!free.ok()) return nullptr;
    *port = *free;
    const std::string address = absl::StrCat("127.0.0.1:", *port);
    std::vector<std::string> argv = {SAMENSPEL_REGISTRY_BINARY, "--insecure",
                                     "--listen=" + address,
                                     "--redis=" + redis_->address()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto registry = test_support::Subprocess::Start(argv, {.output_path = log_path});
    EXPECT_TRUE(registry.ok()) << registry.status();
    if (!registry.ok()) return nullptr;
    *channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    EXPECT_TRUE(test_support::WaitUntil(
        [&] { return test_support::CheckHealth(*port, *channel) == "SERVING"; },
        absl::Seconds(10)));
    return *std::move(registry);
  }

  v1::Organisation CreateOrg(const std::string& id, type::GovernmentLayer layer,
                             Stub* stub = nullptr) {
    v1::CreateOrganisationRequest req;
    req.set_organisation_id(id);
    req.mutable_organisation()->set_display_name("Organisatie " + id);
    req.mutable_organisation()->set_layer(layer);
    auto org =
        Call<v1::Organisation>(stub ? *stub : *stub_, &Stub::CreateOrganisation, req);
    EXPECT_TRUE(org.ok()) << org.status();
    return org.ok() ? *org : v1::Organisation();
  }

  static v1::CreateExpertRequest ExpertRequest(const std::string& id,
                                               const std::string& org) {
    v1::CreateExpertRequest req;
    req.set_expert_id(id);
    auto* e = req.mutable_expert();
    e->set_display_name("Expert " + id);
    e->set_organisation("organisations/" + org);
    e->set_email(id + "@example.nl");
    auto* s = e->add_skills();
    s->set_name("klimaatadaptatie");
    s->set_level(4);
    e->add_themes("water");
    e->add_perspectives(type::PERSPECTIVE_EXECUTION);
    e->set_available_hours_per_week(6);
    e->set_consent_to_matching(true);
    return req;
  }

  v1::Expert CreateExpert(const std::string& id, const std::string& org,
                          Stub* stub = nullptr) {
    auto e = Call<v1::Expert>(stub ? *stub : *stub_, &Stub::CreateExpert,
                              ExpertRequest(id, org));
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? *e : v1::Expert();
  }

  // Reads the feed after `after` until `count` changes came or 10 s passed.
  static std::vector<v1::Change> Watch(Stub& stub, int64_t after, size_t count) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::WatchChangesRequest req;
    req.set_after_revision(after);
    auto reader = stub.WatchChanges(&ctx, req);
    std::vector<v1::Change> out;
    v1::Change c;
    while (out.size() < count && reader->Read(&c)) out.push_back(c);
    ctx.TryCancel();
    reader->Finish();
    return out;
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<Stub> stub_;
};

TEST_F(RegistryIntegrationTest, EveryCrudMethodOverGrpc) {
  CreateOrg("pv26", type::GOVERNMENT_LAYER_PROVINCIAL);
  v1::GetOrganisationRequest get_org;
  get_org.set_name("organisations/pv26");
  auto org = Call<v1::Organisation>(*stub_, &Stub::GetOrganisation, get_org);
  ASSERT_TRUE(org.ok()) << org.status();
  v1::UpdateOrganisationRequest update_org;
  *update_org.mutable_organisation() = *org;
  update_org.mutable_organisation()->add_region_codes("PV26");
  update_org.mutable_update_mask()->add_paths("region_codes");
  ASSERT_TRUE(Call<v1::Organisation>(*stub_, &Stub::UpdateOrganisation, update_org).ok());
  v1::ListOrganisationsRequest list_orgs;
  list_orgs.set_region_code("PV26");
  auto orgs =
      Call<v1::ListOrganisationsResponse>(*stub_, &Stub::ListOrganisations, list_orgs);
  ASSERT_TRUE(orgs.ok()) << orgs.status();
  EXPECT_THAT(orgs->organisations(), SizeIs(1));

  v1::Expert anna = CreateExpert("anna", "pv26");
  EXPECT_EQ(anna.layer(), type::GOVERNMENT_LAYER_PROVINCIAL);
  v1::GetExpertRequest get_expert;
  get_expert.set_name("experts/anna");
  ASSERT_TRUE(Call<v1::Expert>(*stub_, &Stub::GetExpert, get_expert).ok());
  v1::UpdateExpertRequest update_expert;
  *update_expert.mutable_expert() = anna;
  update_expert.mutable_expert()->set_bio("Werkt aan de klimaatadaptatie van polders.");
  update_expert.mutable_update_mask()->add_paths("bio");
  auto anna2 = Call<v1::Expert>(*stub_, &Stub::UpdateExpert, update_expert);
  ASSERT_TRUE(anna2.ok()) << anna2.status();
  v1::ListExpertsRequest list_experts;
  list_experts.set_theme("Water");
  auto experts = Call<v1::ListExpertsResponse>(*stub_, &Stub::ListExperts, list_experts);
  ASSERT_TRUE(experts.ok());
  EXPECT_THAT(experts->experts(), SizeIs(1));

  v1::BatchCreateExpertsRequest batch;
  *batch.add_requests() = ExpertRequest("bram", "pv26");
  *batch.add_requests() = ExpertRequest("cas", "pv26");
  auto batch_resp =
      Call<v1::BatchCreateExpertsResponse>(*stub_, &Stub::BatchCreateExperts, batch);
  ASSERT_TRUE(batch_resp.ok()) << batch_resp.status();
  EXPECT_THAT(batch_resp->experts(), SizeIs(2));

  v1::CreateTeamRequest create_team;
  create_team.set_team_id("deltaplan");
  create_team.mutable_team()->set_display_name("Deltaplan ruimtelijke adaptatie");
  create_team.mutable_team()->set_owner_organisation("organisations/pv26");
  create_team.mutable_team()->add_members()->set_expert("experts/anna");
  auto team = Call<v1::TaskTeam>(*stub_, &Stub::CreateTeam, create_team);
  ASSERT_TRUE(team.ok()) << team.status();
  v1::AddTeamMemberRequest add;
  add.set_team("teams/deltaplan");
  add.mutable_member()->set_expert("experts/bram");
  add.set_etag(team->etag());
  auto team2 = Call<v1::TaskTeam>(*stub_, &Stub::AddTeamMember, add);
  ASSERT_TRUE(team2.ok()) << team2.status();
  EXPECT_THAT(team2->members(), SizeIs(2));
  v1::RemoveTeamMemberRequest remove;
  remove.set_team("teams/deltaplan");
  remove.set_expert("experts/anna");
  ASSERT_TRUE(Call<v1::TaskTeam>(*stub_, &Stub::RemoveTeamMember, remove).ok());
  v1::GetTeamRequest get_team;
  get_team.set_name("teams/deltaplan");
  ASSERT_TRUE(Call<v1::TaskTeam>(*stub_, &Stub::GetTeam, get_team).ok());
  v1::UpdateTeamRequest update_team;
  update_team.mutable_team()->set_name("teams/deltaplan");
  update_team.mutable_team()->set_state(v1::TaskTeam::ACTIVE);
  update_team.mutable_update_mask()->add_paths("state");
  ASSERT_TRUE(Call<v1::TaskTeam>(*stub_, &Stub::UpdateTeam, update_team).ok());
  v1::ListTeamsRequest list_teams;
  list_teams.set_member("experts/bram");
  list_teams.set_state(v1::TaskTeam::ACTIVE);
  auto teams = Call<v1::ListTeamsResponse>(*stub_, &Stub::ListTeams, list_teams);
  ASSERT_TRUE(teams.ok()) << teams.status();
  EXPECT_THAT(teams->teams(), SizeIs(1));

  v1::CreateChallengeRequest create_challenge;
  create_challenge.set_challenge_id("droogte");
  auto* c = create_challenge.mutable_challenge();
  c->set_title("Droogte en verzilting");
  c->set_owner_organisation("organisations/pv26");
  c->add_desired_layers(type::GOVERNMENT_LAYER_WATER_AUTHORITY);
  ASSERT_TRUE(Call<v1::Challenge>(*stub_, &Stub::CreateChallenge, create_challenge).ok());
  v1::GetChallengeRequest get_challenge;
  get_challenge.set_name("challenges/droogte");
  auto challenge = Call<v1::Challenge>(*stub_, &Stub::GetChallenge, get_challenge);
  ASSERT_TRUE(challenge.ok());
  EXPECT_EQ(challenge->state(), v1::Challenge::OPEN);
  v1::UpdateChallengeRequest update_challenge;
  *update_challenge.mutable_challenge() = *challenge;
  update_challenge.mutable_challenge()->set_state(v1::Challenge::STAFFED);
  ASSERT_TRUE(Call<v1::Challenge>(*stub_, &Stub::UpdateChallenge, update_challenge).ok());
  v1::ListChallengesRequest list_challenges;
  list_challenges.set_state(v1::Challenge::STAFFED);
  auto challenges =
      Call<v1::ListChallengesResponse>(*stub_, &Stub::ListChallenges, list_challenges);
  ASSERT_TRUE(challenges.ok());
  EXPECT_THAT(challenges->challenges(), SizeIs(1));

  v1::DeleteChallengeRequest del_challenge;
  del_challenge.set_name("challenges/droogte");
  EXPECT_TRUE(
      Call<google::protobuf::Empty>(*stub_, &Stub::DeleteChallenge, del_challenge).ok());
  v1::DeleteTeamRequest del_team;
  del_team.set_name("teams/deltaplan");
  EXPECT_TRUE(Call<google::protobuf::Empty>(*stub_, &Stub::DeleteTeam, del_team).ok());
  for (const char* id : {"anna", "bram", "cas"}) {
    v1::DeleteExpertRequest del;
    del.set_name(absl::StrCat("experts/", id));
    EXPECT_TRUE(Call<google::protobuf::Empty>(*stub_, &Stub::DeleteExpert, del).ok());
  }
  v1::DeleteOrganisationRequest del_org;
  del_org.set_name("organisations/pv26");
  EXPECT_TRUE(
      Call<google::protobuf::Empty>(*stub_, &Stub::DeleteOrganisation, del_org).ok());
  EXPECT_EQ(
      Call<v1::Organisation>(*stub_, &Stub::GetOrganisation, get_org).status().code(),
      absl::StatusCode::kNotFound);
}

TEST_F(RegistryIntegrationTest, ErrorPathsCarryCodesAndDetails) {
  CreateOrg("gm0344", type::GOVERNMENT_LAYER_MUNICIPAL);
  v1::Expert anna = CreateExpert("anna", "gm0344");

  // INVALID_ARGUMENT naming each bad field.
  auto bad = ExpertRequest("Bad Id", "gm0344");
  bad.mutable_expert()->set_email("anna-at-utrecht");
  bad.mutable_expert()->mutable_skills(0)->set_level(9);
  bad.mutable_expert()->add_region_codes("Utrecht");
  auto s = Call<v1::Expert>(*stub_, &Stub::CreateExpert, bad).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(s),
              ElementsAre("expert_id", "expert.email", "expert.skills[0].level",
                          "expert.region_codes[0]"));
  EXPECT_EQ(Reason(s), "INVALID_FIELD");
  // A reference that must exist.
  s = Call<v1::Expert>(*stub_, &Stub::CreateExpert, ExpertRequest("bob", "nowhere"))
          .status();
  EXPECT_THAT(BadFields(s), ElementsAre("expert.organisation"));
  // Every one of them, with the other bad fields (Redis stops at the first).
  v1::CreateTeamRequest team;
  team.mutable_team()->set_display_name("Woondeal");
  team.mutable_team()->set_owner_organisation("organisations/nowhere");
  team.mutable_team()->add_members()->set_expert("experts/nobody");
  team.mutable_team()->add_members()->set_expert(anna.name());
  team.mutable_team()->add_members()->set_expert("experts/noone");
  s = Call<v1::TaskTeam>(*stub_, &Stub::CreateTeam, team).status();
  EXPECT_THAT(BadFields(s),
              ElementsAre("team.owner_organisation", "team.members[0].expert",
                          "team.members[2].expert"));
  team.mutable_team()->mutable_members(1)->set_hours_per_week(-1);
  s = Call<v1::TaskTeam>(*stub_, &Stub::CreateTeam, team).status();
  EXPECT_THAT(BadFields(s),
              ElementsAre("team.members[1].hours_per_week", "team.owner_organisation",
                          "team.members[0].expert", "team.members[2].expert"));

  // ALREADY_EXISTS.
  s = Call<v1::Expert>(*stub_, &Stub::CreateExpert, ExpertRequest("anna", "gm0344"))
          .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);

  // NOT_FOUND.
  v1::GetExpertRequest get;
  get.set_name("experts/nobody");
  s = Call<v1::Expert>(*stub_, &Stub::GetExpert, get).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(s.GetPayload("type.googleapis.com/google.rpc.ResourceInfo").has_value());

  // ABORTED on a stale etag.
  v1::UpdateExpertRequest update;
  *update.mutable_expert() = anna;
  update.mutable_expert()->set_job_title("Adviseur");
  ASSERT_TRUE(Call<v1::Expert>(*stub_, &Stub::UpdateExpert, update).ok());
  s = Call<v1::Expert>(*stub_, &Stub::UpdateExpert, update).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Reason(s), "ETAG_MISMATCH");

  // FAILED_PRECONDITION: the organisation still has experts.
  v1::DeleteOrganisationRequest del_org;
  del_org.set_name("organisations/gm0344");
  s = Call<google::protobuf::Empty>(*stub_, &Stub::DeleteOrganisation, del_org).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("still has experts"));

  // request_id: a retried create returns the first result, creates nothing new.
  auto retry = ExpertRequest("", "gm0344");
  retry.mutable_expert()->set_email("retry@example.nl");
  retry.set_request_id("import-2026-11-28-line-12");
  auto first = Call<v1::Expert>(*stub_, &Stub::CreateExpert, retry);
  auto second = Call<v1::Expert>(*stub_, &Stub::CreateExpert, retry);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->name(), second->name());
  // The same request_id with another record (through Redis, where the
  // first result is kept): INVALID_ARGUMENT naming what it created.
  auto reused = retry;
  reused.mutable_expert()->set_email("someone.else@example.nl");
  s = Call<v1::Expert>(*stub_, &Stub::CreateExpert, reused).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(Reason(s), "REQUEST_ID_REUSED");
  EXPECT_THAT(BadFields(s), ElementsAre("request_id"));
  EXPECT_THAT(std::string(s.message()), HasSubstr(first->name()));
  v1::ListExpertsRequest list;
  auto all = Call<v1::ListExpertsResponse>(*stub_, &Stub::ListExperts, list);
  EXPECT_THAT(all->experts(), SizeIs(2));
}

// A request protobuf cannot parse is INVALID_ARGUMENT naming the field at
// fault (gRPC's own parsing answered a bare UNIMPLEMENTED): text in
// Latin-1 rather than UTF-8, as an older system might send it.
TEST_F(RegistryIntegrationTest, ARequestThatIsNotValidProtobufNamesTheField) {
  auto call = [&](const std::string& method, const std::string& bytes) {
    return FromGrpcStatus(test_support::RawCall(registry_->Channel(), method, bytes));
  };
  // The same length as the UTF-8 "een" with an e-acute, so the bytes only
  // differ in the text: "\xe9" is Latin-1.
  v1::CreateOrganisationRequest org;
  org.set_organisation_id("gm0363");
  org.mutable_organisation()->set_display_name("Gemeente #en");
  org.mutable_organisation()->set_layer(type::GOVERNMENT_LAYER_MUNICIPAL);
  std::string bytes = org.SerializeAsString();
  bytes[bytes.find('#')] = '\xe9';
  absl::Status bad =
      call("/samenspel.registry.v1.RegistryService/CreateOrganisation", bytes);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument) << bad;
  EXPECT_THAT(BadFields(bad), ElementsAre("organisation.display_name"));
  EXPECT_THAT(bad.message(), HasSubstr("UTF-8"));

  // Nested and repeated: the path names the element.
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL);
  v1::CreateExpertRequest expert = ExpertRequest("anna", "gm0363");
  expert.mutable_expert()->add_skills()->set_name("woningbouw");
  expert.mutable_expert()->add_skills()->set_name("co#rdinatie");
  bytes = expert.SerializeAsString();
  bytes[bytes.find('#')] = '\xf6';
  bad = call("/samenspel.registry.v1.RegistryService/CreateExpert", bytes);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument) << bad;
  const std::string skill =
      absl::StrCat("expert.skills[", expert.expert().skills_size() - 1, "].name");
  EXPECT_THAT(BadFields(bad), ElementsAre(skill));

  // Not protobuf at all: no field to name, but the same code.
  bad = call("/samenspel.registry.v1.RegistryService/GetExpert", "\xff\xff\xff\xff");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument) << bad;
  EXPECT_EQ(Reason(bad), "MALFORMED_REQUEST") << bad;
  // Nothing was written.
  v1::GetExpertRequest get;
  get.set_name("experts/anna");
  EXPECT_EQ(Call<v1::Expert>(*stub_, &Stub::GetExpert, get).status().code(),
            absl::StatusCode::kNotFound);
}

// A method the registry does not serve (a typo, a client built from a newer
// proto, reflection's v1 that grpcurl asks first, the matching service's
// port mistaken) is UNIMPLEMENTED, and the registry goes on: it aborted
// (gRPC released its own context for such calls through the registry's
// context allocator, which deleted it).
TEST_F(RegistryIntegrationTest, AnUnknownMethodIsUnimplementedAndTheRegistryGoesOn) {
  for (const char* method :
       {"/samenspel.registry.v1.RegistryService/GetExperts",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "/samenspel.matching.v1.MatchingService/MatchExperts", "/x.Y/Z"}) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(test_support::RawCall(registry_->Channel(), method).error_code(),
                grpc::StatusCode::UNIMPLEMENTED)
          << method;
    }
  }
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_TRUE(registry_->IsRunning());
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL);
  v1::GetOrganisationRequest get;
  get.set_name("organisations/gm0363");
  EXPECT_TRUE(Call<v1::Organisation>(*stub_, &Stub::GetOrganisation, get).status().ok());
}

TEST_F(RegistryIntegrationTest, OversizedRequestIsResourceExhausted) {
  auto small = StartRegistry({"--max_message_bytes=65536"});
  ASSERT_NE(small, nullptr);
  auto stub = v1::RegistryService::NewStub(small->Channel());
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL, stub.get());
  v1::BatchCreateExpertsRequest batch;
  for (int i = 0; i < 20; ++i) {
    auto item = ExpertRequest(absl::StrCat("e", i), "gm0363");
    item.mutable_expert()->set_bio(std::string(5000, 'x'));
    *batch.add_requests() = item;
  }
  auto s = Call<v1::BatchCreateExpertsResponse>(*stub, &Stub::BatchCreateExperts, batch)
               .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
}

TEST_F(RegistryIntegrationTest, WatchFromTrimmedRevisionIsOutOfRange) {
  auto short_feed = StartRegistry({"--feed_retention=5"});
  ASSERT_NE(short_feed, nullptr);
  auto stub = v1::RegistryService::NewStub(short_feed->Channel());
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL, stub.get());
  // Trimming is approximate (whole stream nodes of 100 entries): write enough.
  for (int i = 0; i < 300; ++i) CreateExpert(absl::StrCat("e", i), "gm0363", stub.get());
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::WatchChangesRequest req;
  req.set_after_revision(1);
  auto reader = stub->WatchChanges(&ctx, req);
  v1::Change c;
  EXPECT_FALSE(reader->Read(&c));
  const absl::Status trimmed = FromGrpcStatus(reader->Finish());
  EXPECT_EQ(trimmed.code(), absl::StatusCode::kOutOfRange) << trimmed;
  EXPECT_EQ(Reason(trimmed), "REVISION_NOT_RETAINED") << trimmed;
  // 0 is the start of the retained feed, whatever it is now.
  {
    grpc::ClientContext from_start;
    from_start.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    req.set_after_revision(0);
    auto retained = stub->WatchChanges(&from_start, req);
    ASSERT_TRUE(retained->Read(&c));
    EXPECT_GT(c.revision(), 1);
    int64_t last = c.revision();
    while (last < 301 && retained->Read(&c)) EXPECT_EQ(c.revision(), ++last);
    EXPECT_EQ(last, 301);
    from_start.TryCancel();
    retained->Finish();
  }
  // A consumer resyncs from List, which says which revision it is consistent with.
  v1::ListExpertsRequest list;
  list.set_page_size(1000);
  auto page = Call<v1::ListExpertsResponse>(*stub, &Stub::ListExperts, list);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->revision(), 301);
  EXPECT_THAT(Watch(*stub, page->revision(), 0), SizeIs(0));

  // A revision the registry never reached: another reason, the same resync.
  grpc::ClientContext ahead_ctx;
  ahead_ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  req.set_after_revision(page->revision() + 100);
  auto ahead_reader = stub->WatchChanges(&ahead_ctx, req);
  EXPECT_FALSE(ahead_reader->Read(&c));
  const absl::Status ahead = FromGrpcStatus(ahead_reader->Finish());
  EXPECT_EQ(ahead.code(), absl::StatusCode::kOutOfRange) << ahead;
  EXPECT_EQ(Reason(ahead), "REVISION_AHEAD") << ahead;
  EXPECT_EQ(ErrorMetadata(ahead, "revision"), "301") << ahead;
}

// A watcher that passes the commit time of the change it read last learns
// when that change is no longer the feed's (the restore itself is tested
// end to end in MatchingRewrittenFeedTest).
TEST_F(RegistryIntegrationTest, WatchFromAChangeThatIsNotTheFeedsIsOutOfRange) {
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL);
  CreateOrg("gm0344", type::GOVERNMENT_LAYER_MUNICIPAL);
  std::vector<v1::Change> both = Watch(*stub_, 0, 2);
  ASSERT_THAT(both, SizeIs(2));
  auto watch = [&](google::protobuf::Timestamp seen) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::WatchChangesRequest req;
    req.set_after_revision(1);
    *req.mutable_after_commit_time() = seen;
    auto reader = stub_->WatchChanges(&ctx, req);
    v1::Change c;
    absl::StatusOr<std::string> next = absl::UnknownError("");
    if (reader->Read(&c)) {
      next = c.name();
      ctx.TryCancel();
    }
    grpc::Status status = reader->Finish();
    return next.ok() ? next : FromGrpcStatus(status);
  };
  absl::StatusOr<std::string> resumed = watch(both[0].commit_time());
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(*resumed, "organisations/gm0344");
  google::protobuf::Timestamp other = both[0].commit_time();
  other.set_nanos((other.nanos() + 1000) % 1000000000);
  absl::StatusOr<std::string> rewritten = watch(other);
  EXPECT_EQ(rewritten.status().code(), absl::StatusCode::kOutOfRange)
      << rewritten.status();
  EXPECT_EQ(Reason(rewritten.status()), "FEED_REWRITTEN");
  // A time no Timestamp can hold is the caller's error, not a rewritten feed.
  other.set_nanos(-5);
  absl::StatusOr<std::string> invalid = watch(other);
  EXPECT_THAT(BadFields(invalid.status()), ElementsAre("after_commit_time"));
}

// Redis wiped under a running registry (FLUSHALL: no connection drops, no
// read fails) and new writes reusing the revisions a watcher has seen: the
// watch ends FEED_REWRITTEN, rather than going on with the changes after its
// revision and never delivering the ones before.
TEST_F(RegistryIntegrationTest, AWatcherLearnsThatRedisWasWiped) {
  for (const char* org : {"gm0001", "gm0002", "gm0003"}) {
    CreateOrg(org, type::GOVERNMENT_LAYER_MUNICIPAL);
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::WatchChangesRequest req;
  req.set_after_revision(3);
  auto reader = stub_->WatchChanges(&ctx, req);
  absl::SleepFor(absl::Milliseconds(300));  // the stream waits at the head
  ASSERT_TRUE(redis_->Command({"FLUSHALL"}).ok());
  for (const char* org : {"gm0004", "gm0005", "gm0006", "gm0007"}) {
    CreateOrg(org, type::GOVERNMENT_LAYER_MUNICIPAL);
  }
  v1::Change c;
  std::vector<std::string> delivered;
  while (reader->Read(&c)) delivered.push_back(c.name());
  const absl::Status ended = FromGrpcStatus(reader->Finish());
  EXPECT_THAT(delivered, ::testing::IsEmpty());
  EXPECT_EQ(ended.code(), absl::StatusCode::kOutOfRange) << ended;
  EXPECT_EQ(Reason(ended), "FEED_REWRITTEN") << ended;
  // A new watch from the start has the new changes.
  std::vector<v1::Change> all = Watch(*stub_, 0, 4);
  ASSERT_THAT(all, SizeIs(4));
  EXPECT_EQ(all[0].name(), "organisations/gm0004");
  EXPECT_EQ(all[3].name(), "organisations/gm0007");
}

TEST_F(RegistryIntegrationTest, DataSurvivesRegistryRestartAndRedisKill9) {
  CreateOrg("ws0155", type::GOVERNMENT_LAYER_WATER_AUTHORITY);
  for (int i = 0; i < 50; ++i) CreateExpert(absl::StrCat("e", i), "ws0155");
  ASSERT_TRUE(registry_->Stop().ok());
  ASSERT_TRUE(redis_->Kill().ok());  // kill -9: only the AOF remains
  ASSERT_TRUE(redis_->Start().ok());
  ASSERT_TRUE(registry_->Restart().ok());
  ASSERT_TRUE(registry_->WaitForHealth("SERVING", absl::Seconds(10)));
  stub_ = v1::RegistryService::NewStub(registry_->Channel());
  v1::ListExpertsRequest list;
  list.set_organisation("organisations/ws0155");
  list.set_page_size(100);
  auto page = Call<v1::ListExpertsResponse>(*stub_, &Stub::ListExperts, list);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->experts(), SizeIs(50));
  EXPECT_EQ(page->revision(), 51);
  auto feed = Watch(*stub_, 0, 51);
  ASSERT_THAT(feed, SizeIs(51));
  EXPECT_EQ(feed.back().expert().name(), "experts/e49");
}

TEST_F(RegistryIntegrationTest, FeedThroughTwoRegistriesHasNoGapsOrDuplicates) {
  auto second = StartRegistry();
  ASSERT_NE(second, nullptr);
  auto stub2 = v1::RegistryService::NewStub(second->Channel());
  CreateOrg("gm0599", type::GOVERNMENT_LAYER_MUNICIPAL);
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 60;
  constexpr size_t kTotal = 1 + kWriters * kPerWriter;

  // Watchers on both processes, started before the writes.
  std::vector<v1::Change> seen_a, seen_b;
  std::thread watch_a([&] { seen_a = Watch(*stub_, 0, kTotal); });
  std::thread watch_b([&] { seen_b = Watch(*stub2, 0, kTotal); });

  absl::Mutex mu;
  std::set<int64_t> acknowledged = {1};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      Stub& stub = w % 2 ? *stub2 : *stub_;
      for (int i = 0; i < kPerWriter; ++i) {
        auto e = Call<v1::Expert>(stub, &Stub::CreateExpert,
                                  ExpertRequest(absl::StrCat("w", w, "-", i), "gm0599"));
        ASSERT_TRUE(e.ok()) << e.status();
        absl::MutexLock lock(&mu);
        acknowledged.insert(e->revision());
      }
    });
  }
  for (auto& t : writers) t.join();
  watch_a.join();
  watch_b.join();
  for (const auto* seen : {&seen_a, &seen_b}) {
    ASSERT_THAT(*seen, SizeIs(kTotal));
    std::set<int64_t> revisions;
    for (size_t i = 0; i < seen->size(); ++i) {
      EXPECT_EQ((*seen)[i].revision(), static_cast<int64_t>(i + 1));
      revisions.insert((*seen)[i].revision());
    }
    EXPECT_EQ(revisions, acknowledged);
  }
}

// The Gets come from each registry's record cache: a write through one
// registry reaches the other's cache by Redis's message, and is seen at once
// through the registry that made it.
TEST_F(RegistryIntegrationTest, GetsThroughTwoRegistriesSeeEachOthersWrites) {
  auto second = StartRegistry();
  ASSERT_NE(second, nullptr);
  auto stub2 = v1::RegistryService::NewStub(second->Channel());
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL);
  CreateExpert("anna", "gm0363");
  v1::GetExpertRequest get;
  get.set_name("experts/anna");
  // Within 5 s, the Get through `stub` that satisfies `want`, or the last.
  auto eventually = [&](Stub& stub, auto want) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    for (;;) {
      absl::StatusOr<v1::Expert> e = Call<v1::Expert>(stub, &Stub::GetExpert, get);
      if (want(e) || absl::Now() > deadline) return e;
      absl::SleepFor(absl::Milliseconds(1));
    }
  };
  for (int i = 1; i <= 10; ++i) {
    // Read through both (so both keep it), then changed through one of them.
    ASSERT_TRUE(Call<v1::Expert>(*stub_, &Stub::GetExpert, get).ok());
    ASSERT_TRUE(Call<v1::Expert>(*stub2, &Stub::GetExpert, get).ok());
    Stub& writer = i % 2 ? *stub_ : *stub2;
    Stub& other = i % 2 ? *stub2 : *stub_;
    v1::UpdateExpertRequest update;
    update.mutable_expert()->set_name("experts/anna");
    update.mutable_expert()->set_bio(absl::StrCat("versie ", i));
    update.mutable_update_mask()->add_paths("bio");
    absl::StatusOr<v1::Expert> updated =
        Call<v1::Expert>(writer, &Stub::UpdateExpert, update);
    ASSERT_TRUE(updated.ok()) << updated.status();
    absl::StatusOr<v1::Expert> same = Call<v1::Expert>(writer, &Stub::GetExpert, get);
    ASSERT_TRUE(same.ok()) << same.status();
    EXPECT_EQ(same->etag(), updated->etag()) << "the writer's own Get, at once";
    absl::StatusOr<v1::Expert> seen = eventually(
        other, [&](const auto& e) { return e.ok() && e->etag() == updated->etag(); });
    ASSERT_TRUE(seen.ok()) << seen.status();
    EXPECT_EQ(seen->etag(), updated->etag());
    EXPECT_EQ(seen->bio(), absl::StrCat("versie ", i));
  }
  v1::DeleteExpertRequest del;
  del.set_name("experts/anna");
  ASSERT_TRUE(Call<google::protobuf::Empty>(*stub2, &Stub::DeleteExpert, del).ok());
  EXPECT_EQ(Call<v1::Expert>(*stub2, &Stub::GetExpert, get).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(eventually(*stub_, [](const auto& e) { return absl::IsNotFound(e.status()); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RegistryIntegrationTest, RedisOutageIsUnavailableThenRecovers) {
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL);
  // A watcher at the head of the feed (as a matching replica) hears of the
  // outage too: its stream ends UNAVAILABLE, long before its deadline.
  grpc::ClientContext watch_ctx;
  watch_ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::WatchChangesRequest watch;
  watch.set_after_revision(1);
  auto watcher = stub_->WatchChanges(&watch_ctx, watch);
  absl::SleepFor(absl::Milliseconds(200));  // the stream is open and waiting
  ASSERT_TRUE(redis_->Stop().ok());
  v1::Change change;
  EXPECT_FALSE(watcher->Read(&change));
  EXPECT_EQ(watcher->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  v1::GetOrganisationRequest get;
  get.set_name("organisations/gm0363");
  const absl::Time start = absl::Now();
  auto s = Call<v1::Organisation>(*stub_, &Stub::GetOrganisation, get, absl::Seconds(5));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable) << s.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  auto create =
      Call<v1::Expert>(*stub_, &Stub::CreateExpert, ExpertRequest("anna", "gm0363"));
  EXPECT_EQ(create.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(registry_->WaitForHealth("NOT_SERVING", absl::Seconds(5)));

  ASSERT_TRUE(redis_->Start().ok());
  EXPECT_TRUE(registry_->WaitForHealth("SERVING", absl::Seconds(10)));
  EXPECT_TRUE(Call<v1::Organisation>(*stub_, &Stub::GetOrganisation, get).ok());
  EXPECT_TRUE(
      Call<v1::Expert>(*stub_, &Stub::CreateExpert, ExpertRequest("anna", "gm0363"))
          .ok());
  EXPECT_THAT(Watch(*stub_, 1, 1), SizeIs(1));  // the watcher resumes
}

// An older registry left running after a newer one converted the database to
// a layout it does not know stops writing and listing, and its health check
// turns NOT_SERVING (so that load balancers take it out), until the database
// is back in its layout.
TEST_F(RegistryIntegrationTest, ADatabaseInALaterLayoutIsRefusedAndNotServing) {
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL);
  ASSERT_TRUE(redis_->Command({"SET", "ss:schema", "5"}).ok());
  EXPECT_TRUE(registry_->WaitForHealth("NOT_SERVING", absl::Seconds(5)));
  auto create =
      Call<v1::Expert>(*stub_, &Stub::CreateExpert, ExpertRequest("anna", "gm0363"));
  EXPECT_EQ(create.status().code(), absl::StatusCode::kUnavailable) << create.status();
  EXPECT_EQ(Reason(create.status()), "DATABASE_LAYOUT_UNKNOWN") << create.status();
  v1::ListOrganisationsRequest list;
  auto listed =
      Call<v1::ListOrganisationsResponse>(*stub_, &Stub::ListOrganisations, list);
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kUnavailable) << listed.status();

  ASSERT_TRUE(redis_->Command({"SET", "ss:schema", "4"}).ok());
  EXPECT_TRUE(registry_->WaitForHealth("SERVING", absl::Seconds(5)));
  EXPECT_TRUE(
      Call<v1::Expert>(*stub_, &Stub::CreateExpert, ExpertRequest("anna", "gm0363"))
          .ok());
}

// Calls beyond --workers wait their turn in order; one whose deadline passed
// while it waited is not run (nothing written for a client that gave up).
TEST_F(RegistryIntegrationTest, QueuedCallPastItsDeadlineIsNotRun) {
  std::unique_ptr<ServiceProcess> registry = StartRegistry({"--workers=1"});
  ASSERT_NE(registry, nullptr);
  std::unique_ptr<Stub> stub = v1::RegistryService::NewStub(registry->Channel());
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL, stub.get());
  // A hung Redis holds the one worker in its first call.
  ASSERT_TRUE(redis_->Pause().ok());
  std::thread first([&] {
    auto e =
        Call<v1::Expert>(*stub, &Stub::CreateExpert, ExpertRequest("first", "gm0363"));
    EXPECT_TRUE(e.ok()) << e.status();
  });
  absl::SleepFor(absl::Milliseconds(200));  // let "first" reach the worker
  auto late = Call<v1::Expert>(*stub, &Stub::CreateExpert,
                               ExpertRequest("late", "gm0363"), absl::Milliseconds(300));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded) << late.status();
  ASSERT_TRUE(redis_->Resume().ok());
  first.join();
  // One worker serves in order: this Get runs after "late" was dealt with.
  v1::GetExpertRequest get;
  get.set_name("experts/first");
  EXPECT_TRUE(Call<v1::Expert>(*stub, &Stub::GetExpert, get).ok());
  get.set_name("experts/late");
  EXPECT_EQ(Call<v1::Expert>(*stub, &Stub::GetExpert, get).status().code(),
            absl::StatusCode::kNotFound);
}

// Calls waiting for a worker are bounded (--max_waiting_calls): beyond that a
// call is refused at once, not queued with its request in memory.
TEST_F(RegistryIntegrationTest, CallsBeyondTheWaitingLimitAreRefusedAtOnce) {
  std::unique_ptr<ServiceProcess> registry =
      StartRegistry({"--workers=1", "--max_waiting_calls=2"});
  ASSERT_NE(registry, nullptr);
  std::unique_ptr<Stub> stub = v1::RegistryService::NewStub(registry->Channel());
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL, stub.get());
  // A hung Redis holds the one worker in its first list; two more wait.
  ASSERT_TRUE(redis_->Pause().ok());
  constexpr int kCalls = 8;
  std::vector<absl::Status> results(kCalls);
  std::vector<absl::Duration> took(kCalls);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      const absl::Time start = absl::Now();
      results[i] =
          Call<v1::ListExpertsResponse>(*stub, &Stub::ListExperts,
                                        v1::ListExpertsRequest(), absl::Seconds(10))
              .status();
      took[i] = absl::Now() - start;
    });
    // The first reaches the worker and the next two the queue before the rest.
    absl::SleepFor(absl::Milliseconds(i < 3 ? 150 : 10));
  }
  for (std::thread& t : callers) t.join();
  ASSERT_TRUE(redis_->Resume().ok());
  for (int i = 3; i < kCalls; ++i) {
    EXPECT_EQ(results[i].code(), absl::StatusCode::kResourceExhausted) << i << results[i];
    EXPECT_LT(took[i], absl::Milliseconds(900)) << i;
  }
  // And the registry serves normally again (once a call found Redis back:
  // after the first call's timeout, calls fail at once for a moment).
  absl::Status again;
  const absl::Time limit = absl::Now() + absl::Seconds(3);
  do {
    again =
        Call<v1::ListExpertsResponse>(*stub, &Stub::ListExperts, v1::ListExpertsRequest())
            .status();
    if (!again.ok()) absl::SleepFor(absl::Milliseconds(50));
  } while (!again.ok() && absl::Now() < limit);
  EXPECT_TRUE(again.ok()) << again;
}

// `--help` lists the registry's flags (Abseil's default found none), under
// the source file's name in the project (it was the build machine's path),
// and exits 0 (it was 1, as if asking for help had failed).
TEST(RegistryBinaryTest, HelpListsTheFlags) {
  absl::StatusOr<test_support::Finished> help =
      test_support::RunToEnd({SAMENSPEL_REGISTRY_BINARY, "--help"}, absl::Seconds(20));
  ASSERT_TRUE(help.ok()) << help.status();
  EXPECT_TRUE(WIFEXITED(help->wait_status) && WEXITSTATUS(help->wait_status) == 0)
      << help->wait_status;
  EXPECT_THAT(help->output, HasSubstr("Flags from registry-service/main.cc:"));
  for (const char* flag :
       {"--listen (", "--redis (", "--redis_password (", "--redis_db (", "--insecure (",
        "--tls_cert (", "--admin_token_file ("}) {
    EXPECT_THAT(help->output, HasSubstr(flag));
  }
  EXPECT_THAT(help->output, Not(HasSubstr("No flags matched")));
}

// Flags that cannot be meant exit 2 with a line saying which, before
// anything starts: a word that is no flag, an empty password file, a
// folder given as a file, negative limits.
TEST(RegistryBinaryTest, FlagsThatCannotBeMeantStopItAtOnce) {
  test_support::TempDir dir("samenspel-flags");
  const std::string empty = dir.File("empty-password");
  { std::ofstream(empty).flush(); }
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--insecure", "stray"}, "\"stray\" is not a flag"},
      {{"--insecure", "--redis_password_file=" + empty}, "is empty"},
      {{"--insecure", "--admin_token_file=" + dir.path()}, "is a folder, not a file"},
      {{"--insecure", "--rate_limit=-1"}, "--rate_limit must not be negative"},
      {{"--insecure", "--token_cache_ttl=-1s"}, "--token_cache_ttl must not be negative"},
      {{"--insecure", "--shutdown_delay=-1s"}, "must not be negative"},
      // 0 would trim the audit log that all replicas share to nothing.
      {{"--insecure", "--audit_retention=0s"}, "--audit_retention must be at least 1h"},
      {{"--insecure", "--workers=1000000"}, "--workers must be between 1 and 4096"},
      {{"--insecure", "--redis_key_prefix="}, "--redis_key_prefix must not be empty"},
      {{"--insecure", "--tls_reload_interval=-5s"}, "must not be negative"},
      // gRPC took 70000 as port 4464; values were clamped without a word
      // (an operator review).
      {{"--insecure", "--listen=127.0.0.1:70000"}, "the port must be a number from 0"},
      {{"--insecure", "--health_listen=localhost"}, "--health_listen must be host:port"},
      {{"--insecure", "--redis=127.0.0.1:99999"}, "--redis must be host:port"},
      {{"--insecure", "--rate_burst=-1"}, "--rate_burst must be at least 1"},
      {{"--insecure", "--rate_burst=nan"}, "--rate_burst must be at least 1"},
      {{"--insecure", "--min_client_ping_interval=-5s"}, "must not be negative"},
      {{"--insecure", "--redis_cache_mb=99999999"}, "--redis_cache_mb must be between"},
  };
  for (const auto& [args, says] : cases) {
    std::vector<std::string> argv = {SAMENSPEL_REGISTRY_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<test_support::Finished> run =
        test_support::RunToEnd(argv, absl::Seconds(20));
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_TRUE(WIFEXITED(run->wait_status) && WEXITSTATUS(run->wait_status) == 2)
        << args.back() << ": " << run->output;
    EXPECT_THAT(run->output, HasSubstr(says)) << args.back();
  }
}

// A second registry started on the port of a running one (an open
// --insecure instance beside a secured one, say) must not start: with
// SO_REUSEPORT it would take part of the first one's callers.
TEST_F(RegistryIntegrationTest, ASecondRegistryOnATakenPortDoesNotStart) {
  absl::StatusOr<test_support::Finished> second = test_support::RunToEnd(
      {SAMENSPEL_REGISTRY_BINARY, "--insecure", "--redis=" + redis_->address(),
       "--listen=" + registry_->address()},
      absl::Seconds(20));
  ASSERT_TRUE(second.ok()) << second.status();  // it exited
  EXPECT_TRUE(second->Failed()) << second->wait_status;
  EXPECT_TRUE(registry_->WaitForHealth("SERVING", absl::Seconds(10)));
}

TEST_F(RegistryIntegrationTest, SigtermDrainsAndExitsCleanly) {
  // A watcher's stream ends UNAVAILABLE (retry elsewhere or later), not
  // CANCELLED (which says the watcher itself gave up).
  grpc::ClientContext watch_ctx;
  watch_ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::WatchChangesRequest watch;
  auto watcher = stub_->WatchChanges(&watch_ctx, watch);
  absl::SleepFor(absl::Milliseconds(200));  // the stream is open and waiting
  ASSERT_TRUE(registry_->Stop().ok());
  EXPECT_NE(registry_->Health().find("error"), std::string::npos);
  v1::Change change;
  EXPECT_FALSE(watcher->Read(&change));
  EXPECT_EQ(watcher->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

// With --shutdown_delay, SIGTERM turns health NOT_SERVING at once while
// calls are still served (load balancers take the replica out meanwhile);
// then it drains and exits cleanly. Also when Redis is slow to answer the
// health check at that moment: NOT_SERVING does not wait for it.
TEST_F(RegistryIntegrationTest, SigtermWithAShutdownDelayIsNotServingButStillServes) {
  auto registry = StartRegistry({"--shutdown_delay=2s"});
  ASSERT_NE(registry, nullptr);
  auto stub = v1::RegistryService::NewStub(registry->Channel());
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL, stub.get());
  ASSERT_TRUE(redis_->Pause().ok());  // the health check's read hangs
  absl::SleepFor(absl::Milliseconds(300));
  const absl::Time signalled = absl::Now();
  ASSERT_TRUE(registry->Signal(SIGTERM).ok());
  EXPECT_TRUE(registry->WaitForHealth("NOT_SERVING", absl::Milliseconds(500)));
  EXPECT_LT(absl::Now() - signalled, absl::Milliseconds(900));
  ASSERT_TRUE(redis_->Resume().ok());
  v1::GetOrganisationRequest get;
  get.set_name("organisations/gm0363");
  auto still = Call<v1::Organisation>(*stub, &Stub::GetOrganisation, get);
  EXPECT_TRUE(still.ok()) << still.status();
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(2));
  // It stops by itself after the delay (another signal would cut it short).
  const absl::Time until = signalled + absl::Seconds(10);
  while (registry->IsRunning() && absl::Now() < until)
    absl::SleepFor(absl::Milliseconds(50));
  EXPECT_GE(absl::Now() - signalled, absl::Seconds(2));
  EXPECT_FALSE(registry->IsRunning());
  EXPECT_TRUE(registry->Stop().ok());  // exited cleanly
}

// While Redis hangs, health says NOT_SERVING once, not again each time its
// check flips between timing out and being refused at once (an operator
// review: ~24 lines a minute).
TEST_F(RegistryIntegrationTest, AHungRedisIsLoggedOnce) {
  test_support::TempDir dir("registry-hung");
  const std::string log_path = dir.File("registry.log");
  std::shared_ptr<grpc::Channel> channel;
  int port = 0;
  auto registry = StartLoggedRegistry(log_path, {}, &channel, &port);
  ASSERT_NE(registry, nullptr);
  auto health = [&] { return test_support::CheckHealth(port, channel); };
  // Calls meanwhile, some of which find out whether Redis answers again: the
  // health checks between them are refused at once.
  auto stub = v1::RegistryService::NewStub(channel);
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL, stub.get());
  std::atomic<bool> done{false};
  std::thread caller([&] {
    while (!done) {
      v1::GetOrganisationRequest get;  // the cache goes off: these go to Redis
      get.set_name("organisations/gm0363");
      (void)Call<v1::Organisation>(*stub, &Stub::GetOrganisation, get);
      v1::ListOrganisationsRequest list;
      (void)Call<v1::ListOrganisationsResponse>(*stub, &Stub::ListOrganisations, list);
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  ASSERT_TRUE(redis_->Pause().ok());
  EXPECT_TRUE(test_support::WaitUntil([&] { return health() == "NOT_SERVING"; },
                                      absl::Seconds(10)));
  absl::SleepFor(absl::Seconds(6));  // checks time out and are refused at once
  ASSERT_TRUE(redis_->Resume().ok());
  done = true;
  caller.join();
  EXPECT_TRUE(
      test_support::WaitUntil([&] { return health() == "SERVING"; }, absl::Seconds(10)));
  ASSERT_TRUE(registry->Stop().ok());
  std::ifstream in(log_path);
  std::string line;
  int not_serving = 0;
  std::string lines;
  while (std::getline(in, line)) {
    if (absl::StrContains(line, "NOT_SERVING: redis")) {
      ++not_serving;
      lines += line + "\n";
    }
  }
  EXPECT_EQ(not_serving, 1) << lines;
}

// SIGTERM while Redis hangs: the drain is not held up by the health check's
// wait for Redis, and the audit events still queued are written or said to
// be lost before the last line, "stopped after" (an operator review: that
// line came, then 3.7 s later the audit's, and the exit).
TEST_F(RegistryIntegrationTest, StoppedAfterIsTheLastLineAlsoWhenRedisHangs) {
  test_support::TempDir dir("registry-stop");
  const std::string log_path = dir.File("registry.log");
  std::shared_ptr<grpc::Channel> channel;
  int port = 0;
  auto registry = StartLoggedRegistry(log_path, {"--drain_timeout=1s"}, &channel, &port);
  ASSERT_NE(registry, nullptr);
  auto stub = v1::RegistryService::NewStub(channel);
  CreateOrg("gm0363", type::GOVERNMENT_LAYER_MUNICIPAL, stub.get());  // an audit event
  ASSERT_TRUE(redis_->Pause().ok());
  const absl::Time signalled = absl::Now();
  ASSERT_TRUE(registry->Signal(SIGTERM).ok());
  absl::StatusOr<int> status = registry->Wait(absl::Seconds(15));
  const absl::Duration took = absl::Now() - signalled;
  ASSERT_TRUE(redis_->Resume().ok());
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  // The drain (1 s, nothing in flight), the audit writer's last try and the
  // flush (each at most the 2 s command timeout).
  EXPECT_LT(took, absl::Seconds(7));
  std::ifstream in(log_path);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  EXPECT_THAT(last, HasSubstr("stopped after")) << last;
}

}  // namespace
}  // namespace samenspel::registry
