// Real redis-server, samenspel-registry and samenspel-matching processes:
// register -> match with min_revision -> update -> changed result -> delete ->
// gone; matching restart resumes; registry restart -> matching reconnects and
// catches up; health follows the first snapshot.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "samenspel/matching/v1/matching_service.grpc.pb.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"
#include "tests/support/redis_server.h"
#include "tests/support/service_process.h"
#include "tests/support/tcp_proxy.h"

namespace samenspel::matching {
namespace {

namespace rv1 = ::samenspel::registry::v1;
namespace type = ::samenspel::type::v1;
using test_support::RedisServer;
using test_support::ServiceProcess;
using test_support::TcpProxy;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

template <typename Response, typename Stub, typename Request, typename Method>
absl::StatusOr<Response> Call(Stub& stub, Method method, const Request& request) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  // Servers restart in these tests: wait for the connection, within the deadline.
  ctx.set_wait_for_ready(true);
  Response response;
  grpc::Status s = (stub.*method)(&ctx, request, &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

// The organisation of the experts these tests register.
rv1::CreateOrganisationRequest Utrecht() {
  rv1::CreateOrganisationRequest org;
  org.set_organisation_id("gm0344");
  org.mutable_organisation()->set_display_name("Gemeente Utrecht");
  org.mutable_organisation()->set_layer(type::GOVERNMENT_LAYER_MUNICIPAL);
  return org;
}

// Registers an expert of organisations/gm0344 with the skill woningbouw;
// returns its revision (0, and a test failure, when that fails).
int64_t CreateHousingExpert(rv1::RegistryService::Stub& stub, const std::string& id) {
  rv1::CreateExpertRequest req;
  req.set_expert_id(id);
  req.mutable_expert()->set_display_name("Expert " + id);
  req.mutable_expert()->set_organisation("organisations/gm0344");
  auto* s = req.mutable_expert()->add_skills();
  s->set_name("woningbouw");
  s->set_level(4);
  req.mutable_expert()->set_consent_to_matching(true);
  auto e = Call<rv1::Expert>(stub, &rv1::RegistryService::Stub::CreateExpert, req);
  EXPECT_TRUE(e.ok()) << id << ": " << e.status();
  return e.ok() ? e->revision() : 0;
}

// The experts (up to 20, by name) that MatchExperts finds for "woningbouw"
// at `min_revision` or later.
absl::StatusOr<std::vector<std::string>> MatchHousing(v1::MatchingService::Stub& stub,
                                                      int64_t min_revision) {
  v1::MatchExpertsRequest req;
  req.mutable_challenge()->mutable_inline_()->set_title("woningbouw");
  req.set_min_revision(min_revision);
  req.set_page_size(20);
  auto r =
      Call<v1::MatchExpertsResponse>(stub, &v1::MatchingService::Stub::MatchExperts, req);
  if (!r.ok()) return r.status();
  std::vector<std::string> names;
  for (const auto& m : r->matches()) names.push_back(m.expert());
  std::sort(names.begin(), names.end());
  return names;
}

class MatchingIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = RedisServer::Create();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    auto registry = ServiceProcess::Start(SAMENSPEL_REGISTRY_BINARY,
                                          {"--insecure", "--redis=" + redis_->address()});
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
    auto matching = ServiceProcess::Start(
        SAMENSPEL_MATCHING_BINARY, {"--insecure", "--registry=" + registry_->address()});
    ASSERT_TRUE(matching.ok()) << matching.status();
    matching_ = *std::move(matching);
    ASSERT_TRUE(matching_->WaitForHealth("SERVING", absl::Seconds(20)));
    registry_stub_ = rv1::RegistryService::NewStub(registry_->Channel());
    matching_stub_ = v1::MatchingService::NewStub(matching_->Channel());
    ASSERT_TRUE(Call<rv1::Organisation>(*registry_stub_,
                                        &rv1::RegistryService::Stub::CreateOrganisation,
                                        Utrecht())
                    .ok());
  }

  int64_t CreateExpert(const std::string& id, const std::string& skill) {
    rv1::CreateExpertRequest req;
    req.set_expert_id(id);
    auto* e = req.mutable_expert();
    e->set_display_name("Expert " + id);
    e->set_organisation("organisations/gm0344");
    auto* s = e->add_skills();
    s->set_name(skill);
    s->set_level(4);
    e->set_available_hours_per_week(8);
    e->set_consent_to_matching(true);
    auto created = Call<rv1::Expert>(*registry_stub_,
                                     &rv1::RegistryService::Stub::CreateExpert, req);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->revision() : 0;
  }

  absl::StatusOr<std::vector<std::string>> Match(const std::string& title,
                                                 int64_t min_revision) {
    v1::MatchExpertsRequest req;
    req.mutable_challenge()->mutable_inline_()->set_title(title);
    req.set_min_revision(min_revision);
    auto r = Call<v1::MatchExpertsResponse>(
        *matching_stub_, &v1::MatchingService::Stub::MatchExperts, req);
    if (!r.ok()) return r.status();
    EXPECT_GE(r->revision(), min_revision);
    std::vector<std::string> names;
    for (const auto& m : r->matches()) names.push_back(m.expert());
    return names;
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<ServiceProcess> matching_;
  std::unique_ptr<rv1::RegistryService::Stub> registry_stub_;
  std::unique_ptr<v1::MatchingService::Stub> matching_stub_;
};

TEST_F(MatchingIntegrationTest, ReadYourWritesThroughUpdateAndDelete) {
  int64_t rev = CreateExpert("anna", "woningbouw");
  auto found = Match("woningbouwopgave", rev);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, Contains("experts/anna"));

  rv1::UpdateExpertRequest update;
  update.mutable_expert()->set_name("experts/anna");
  auto* s = update.mutable_expert()->add_skills();
  s->set_name("klimaatadaptatie");
  s->set_level(5);
  update.mutable_update_mask()->add_paths("skills");
  auto updated = Call<rv1::Expert>(*registry_stub_,
                                   &rv1::RegistryService::Stub::UpdateExpert, update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  auto after_update = Match("woningbouw", updated->revision());
  ASSERT_TRUE(after_update.ok());
  EXPECT_THAT(*after_update, Not(Contains("experts/anna")));
  auto climate = Match("climate adaptation", updated->revision());
  ASSERT_TRUE(climate.ok());
  EXPECT_THAT(*climate, Contains("experts/anna"));

  // A delete answers Empty; its revision comes in the trailing metadata.
  rv1::DeleteExpertRequest del;
  del.set_name("experts/anna");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  google::protobuf::Empty empty;
  const grpc::Status deleted = registry_stub_->DeleteExpert(&ctx, del, &empty);
  ASSERT_TRUE(deleted.ok()) << deleted.error_message();
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto revision = trailers.find("samenspel-revision");
  ASSERT_NE(revision, trailers.end());
  int64_t deleted_at = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      absl::string_view(revision->second.data(), revision->second.size()), &deleted_at));
  EXPECT_EQ(deleted_at, updated->revision() + 1);
  auto gone = Match("klimaatadaptatie", deleted_at);
  ASSERT_TRUE(gone.ok());
  EXPECT_THAT(*gone, Not(Contains("experts/anna")));
}

TEST_F(MatchingIntegrationTest, ALayerChangeIsSeenWholeAtTheRevisionItAnswers) {
  // Twenty experts, so that the change's commit is long enough to arrive at
  // the matching service in several reads.
  for (int i = 0; i < 20; ++i) CreateExpert(absl::StrCat("e", i), "woningbouw");
  rv1::UpdateOrganisationRequest update;
  update.mutable_organisation()->set_name("organisations/gm0344");
  update.mutable_organisation()->set_layer(type::GOVERNMENT_LAYER_REGIONAL);
  update.mutable_update_mask()->add_paths("layer");
  auto updated = Call<rv1::Organisation>(
      *registry_stub_, &rv1::RegistryService::Stub::UpdateOrganisation, update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  // At the revision the update answered with, every expert has the new layer.
  v1::MatchExpertsRequest req;
  req.mutable_challenge()->mutable_inline_()->set_title("woningbouw");
  req.set_page_size(50);
  req.set_min_revision(updated->revision());
  auto r = Call<v1::MatchExpertsResponse>(*matching_stub_,
                                          &v1::MatchingService::Stub::MatchExperts, req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->matches_size(), 20);
  for (const auto& m : r->matches()) {
    EXPECT_EQ(m.layer(), type::GOVERNMENT_LAYER_REGIONAL) << m.expert();
  }
}

TEST_F(MatchingIntegrationTest, FutureMinRevisionIsUnavailableWithinTheDeadline) {
  const absl::Time start = absl::Now();
  auto r = Match("woningbouw", 1000000);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
}

// A request gRPC cannot parse (a string that is not UTF-8, bytes cut short)
// is INVALID_ARGUMENT with reason MALFORMED_REQUEST, on both services'
// methods whose requests gRPC parses (an integration review: INTERNAL
// without a word).
TEST_F(MatchingIntegrationTest, RequestsThatDoNotParseAreInvalidArguments) {
  const std::string not_utf8("\x0a\x03\x0a\x01\xff", 5);  // challenge.name
  const std::string cut_short("\x0a\x05\x0a", 3);
  struct Case {
    std::shared_ptr<grpc::Channel> channel;
    std::string method;
    std::string bytes;
  };
  for (const Case& c : std::vector<Case>{
           {matching_->Channel(), "/samenspel.matching.v1.MatchingService/MatchExperts",
            not_utf8},
           {matching_->Channel(), "/samenspel.matching.v1.MatchingService/SuggestTeam",
            cut_short},
           {matching_->Channel(), "/samenspel.matching.v1.MatchingService/MatchTeams",
            not_utf8},
           {registry_->Channel(),
            "/samenspel.registry.v1.AccessService/IntrospectAccessToken",
            std::string("\x0a\x01\xff", 3)},
       }) {
    const grpc::Status s = test_support::RawCall(c.channel, c.method, c.bytes);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.method << ": " << s.error_message();
    EXPECT_EQ(ReasonOf(FromGrpcStatus(s)), "MALFORMED_REQUEST") << c.method;
    EXPECT_THAT(s.error_message(), HasSubstr("is not a valid samenspel.")) << c.method;
  }
  // A stream's request likewise.
  grpc::GenericStub stub(registry_->Channel());
  grpc::ClientContext ctx;
  grpc::CompletionQueue cq;
  grpc::Slice slice(std::string("\x08", 1));
  auto call =
      stub.PrepareCall(&ctx, "/samenspel.registry.v1.RegistryService/WatchChanges", &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  cq.Next(&tag, &ok);
  call->Write(grpc::ByteBuffer(&slice, 1), reinterpret_cast<void*>(2));
  cq.Next(&tag, &ok);
  call->WritesDone(reinterpret_cast<void*>(3));
  cq.Next(&tag, &ok);
  grpc::Status watch;
  call->Finish(&watch, reinterpret_cast<void*>(4));
  while (cq.Next(&tag, &ok) && tag != reinterpret_cast<void*>(4)) {
  }
  EXPECT_EQ(watch.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << watch.error_message();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST_F(MatchingIntegrationTest, MatchingRestartLoadsEverything) {
  int64_t rev = CreateExpert("anna", "woningbouw");
  ASSERT_TRUE(matching_->Stop().ok());
  rev = CreateExpert("bram", "woningbouw");
  ASSERT_TRUE(matching_->Restart().ok());
  ASSERT_TRUE(matching_->WaitForHealth("SERVING", absl::Seconds(20)));
  matching_stub_ = v1::MatchingService::NewStub(matching_->Channel());
  auto found = Match("woningbouw", rev);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, Contains("experts/anna"));
  EXPECT_THAT(*found, Contains("experts/bram"));
}

TEST_F(MatchingIntegrationTest, RegistryRestartMatchingReconnectsAndCatchesUp) {
  CreateExpert("anna", "woningbouw");
  ASSERT_TRUE(registry_->Stop().ok());
  ASSERT_TRUE(registry_->Restart().ok());
  registry_stub_ = rv1::RegistryService::NewStub(registry_->Channel());
  const int64_t rev = CreateExpert("bram", "woningbouw");
  auto found = Match("woningbouw", rev);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, Contains("experts/bram"));
  EXPECT_THAT(*found, Contains("experts/anna"));
}

// A second matching service started on the port of a running one must not
// start: with SO_REUSEPORT it would take part of the first one's callers.
TEST_F(MatchingIntegrationTest, ASecondServiceOnATakenPortDoesNotStart) {
  absl::StatusOr<test_support::Finished> second = test_support::RunToEnd(
      {SAMENSPEL_MATCHING_BINARY, "--insecure", "--registry=" + registry_->address(),
       "--listen=" + matching_->address()},
      absl::Seconds(20));
  ASSERT_TRUE(second.ok()) << second.status();  // it exited
  EXPECT_TRUE(second->Failed()) << second->wait_status;
  EXPECT_TRUE(matching_->WaitForHealth("SERVING", absl::Seconds(10)));
}

// `--help` lists the service's flags (Abseil's default found none).
TEST(MatchingBinaryTest, HelpListsTheFlags) {
  absl::StatusOr<test_support::Finished> help =
      test_support::RunToEnd({SAMENSPEL_MATCHING_BINARY, "--help"}, absl::Seconds(20));
  ASSERT_TRUE(help.ok()) << help.status();
  for (const char* flag : {"--listen (", "--registry (", "--insecure (", "--tls_cert (",
                           "--admin_token_file ("}) {
    EXPECT_THAT(help->output, ::testing::HasSubstr(flag));
  }
  EXPECT_THAT(help->output, Not(::testing::HasSubstr("No flags matched")));
}

// Flags that cannot be meant exit 2 with a line saying which.
TEST(MatchingBinaryTest, FlagsThatCannotBeMeantStopItAtOnce) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--rate_limit=-5", "--rate_limit must not be negative"},
      {"--max_revision_wait=-5s", "--max_revision_wait must not be negative"},
      {"--token_cache_ttl=-1s", "--token_cache_ttl must not be negative"},
      {"--query_threads=-3", "--query_threads must be between 0 (one per core) and 256"},
      {"--tls_reload_interval=-1s", "--tls_reload_interval must not be negative"},
      // A crash (std::system_error), a port taken modulo 65536, a target
      // tried forever, a keepalive the registry answers with GOAWAY: each
      // started without a word before (an operator review).
      {"--query_threads=100000",
       "--query_threads must be between 0 (one per core) and 256"},
      {"--listen=127.0.0.1:70000", "the port must be a number from 0 to 65535"},
      {"--registry=", "--registry must be host:port"},
      {"--registry=127.0.0.1:99999", "the port must be a number from 1 to 65535"},
      {"--registry_keepalive=0s", "--registry_keepalive must be between 100ms and 1h"},
      {"--rate_burst=-1", "--rate_burst must be at least 1"},
  };
  for (const auto& [flag, says] : cases) {
    absl::StatusOr<test_support::Finished> run = test_support::RunToEnd(
        {SAMENSPEL_MATCHING_BINARY, "--insecure", flag}, absl::Seconds(20));
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_TRUE(WIFEXITED(run->wait_status) && WEXITSTATUS(run->wait_status) == 2)
        << flag << ": " << run->output;
    EXPECT_THAT(run->output, ::testing::HasSubstr(says)) << flag;
  }
}

TEST_F(MatchingIntegrationTest, TwoReplicasGiveTheSameScoresToTheLastBit) {
  // Two matching processes over one registry must answer alike, explanations
  // and all, however their hash seeds and addresses differ: an agency that
  // asks twice may reach either.
  const std::vector<std::pair<std::string, std::vector<std::string>>> experts = {
      {"anna", {"woningbouw", "ruimtelijke ordening", "housing policy"}},
      {"bram", {"klimaatadaptatie", "waterbeheer", "omgevingswet"}},
      {"carla", {"jeugdzorg", "wmo", "sociaal domein"}},
      {"daan", {"energietransitie", "warmtetransitie", "regionale energiestrategie"}},
      {"eva", {"volkshuisvesting", "woningcorporaties", "huisvesting statushouders"}},
      {"fleur", {"climate adaptation", "water management", "spatial planning"}},
  };
  int64_t rev = 0;
  for (const auto& [id, skills] : experts) {
    rv1::CreateExpertRequest req;
    req.set_expert_id(id);
    auto* e = req.mutable_expert();
    e->set_display_name("Expert " + id);
    e->set_organisation("organisations/gm0344");
    e->set_job_title("Beleidsadviseur " + skills[0]);
    e->set_bio("Werkt aan " + skills[1] + " en " + skills[2] +
               " in de regio; ervaring met woningbouwopgave en energy transition.");
    for (size_t i = 0; i < skills.size(); ++i) {
      auto* s = e->add_skills();
      s->set_name(skills[i]);
      s->set_level(static_cast<int>(2 + i));
    }
    e->set_available_hours_per_week(8);
    e->set_consent_to_matching(true);
    auto created = Call<rv1::Expert>(*registry_stub_,
                                     &rv1::RegistryService::Stub::CreateExpert, req);
    ASSERT_TRUE(created.ok()) << created.status();
    rev = created->revision();
  }
  auto second = ServiceProcess::Start(
      SAMENSPEL_MATCHING_BINARY, {"--insecure", "--registry=" + registry_->address()});
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE((*second)->WaitForHealth("SERVING", absl::Seconds(20)));
  auto second_stub = v1::MatchingService::NewStub((*second)->Channel());
  for (const std::string title :
       {"Woningbouwopgave en huisvesting in de regio", "Climate adaptation and housing",
        "Warmtetransitie, RES en klimaatadaptatie",
        "Jeugdzorg en Wmo in het sociaal domein",
        "Energy transition: warmte, water en wonen"}) {
    v1::MatchExpertsRequest req;
    req.mutable_challenge()->mutable_inline_()->set_title(title);
    req.mutable_challenge()->mutable_inline_()->set_description(
        "Een regionale opgave voor gemeenten, provincie en waterschap: housing, "
        "energy transition en climate adaptation samen.");
    auto* skill = req.mutable_challenge()->mutable_inline_()->add_required_skills();
    skill->set_name("ruimtelijke ordening");
    skill->set_min_level(3);
    req.set_min_revision(rev);
    auto a = Call<v1::MatchExpertsResponse>(
        *matching_stub_, &v1::MatchingService::Stub::MatchExperts, req);
    auto b = Call<v1::MatchExpertsResponse>(
        *second_stub, &v1::MatchingService::Stub::MatchExperts, req);
    ASSERT_TRUE(a.ok()) << a.status();
    ASSERT_TRUE(b.ok()) << b.status();
    ASSERT_GT(a->matches_size(), 0) << title;
    EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString()) << title << "\n"
                                                              << a->DebugString() << "\n"
                                                              << b->DebugString();
  }
}

// (With --health_listen, probes that cannot speak TLS see the same status on
// a plaintext port of its own.)
TEST(MatchingHealthTest, NotServingUntilTheFirstSnapshot) {
  auto redis = RedisServer::Create();
  ASSERT_TRUE(redis.ok()) << redis.status();
  // The registry is not there yet: matching serves NOT_SERVING.
  auto registry_port = test_support::FreePort();
  ASSERT_TRUE(registry_port.ok());
  const std::string registry_address = absl::StrCat("127.0.0.1:", *registry_port);
  auto health_port = test_support::FreePort();
  ASSERT_TRUE(health_port.ok());
  const std::string health_address = absl::StrCat("127.0.0.1:", *health_port);
  auto matching = ServiceProcess::Start(SAMENSPEL_MATCHING_BINARY,
                                        {"--insecure", "--registry=" + registry_address,
                                         "--health_listen=" + health_address});
  ASSERT_TRUE(matching.ok()) << matching.status();
  auto probe = grpc::CreateChannel(health_address, grpc::InsecureChannelCredentials());
  auto probed = [&] { return test_support::CheckHealth(*health_port, probe); };
  EXPECT_TRUE((*matching)->WaitForHealth("NOT_SERVING", absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(300));  // and it stays so while there is no registry
  EXPECT_EQ((*matching)->Health(), "NOT_SERVING");
  EXPECT_EQ(probed(), "NOT_SERVING");
  // Meanwhile calls fail UNAVAILABLE (retry later), not OK with no matches.
  auto stub = v1::MatchingService::NewStub((*matching)->Channel());
  v1::MatchExpertsRequest req;
  req.mutable_challenge()->mutable_inline_()->set_title("woningbouw");
  auto early = Call<v1::MatchExpertsResponse>(
      *stub, &v1::MatchingService::Stub::MatchExperts, req);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kUnavailable) << early.status();
  EXPECT_EQ(ReasonOf(early.status()), "INDEX_LOADING");
  {
    // One that waits for a revision, and runs out of time while the index
    // still loads, hears the same (not "revision 0 applied").
    v1::MatchExpertsRequest waiting = req;
    waiting.set_min_revision(5);
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
    v1::MatchExpertsResponse response;
    absl::Status waited = FromGrpcStatus(stub->MatchExperts(&ctx, waiting, &response));
    EXPECT_EQ(waited.code(), absl::StatusCode::kUnavailable) << waited;
    EXPECT_EQ(ReasonOf(waited), "INDEX_LOADING") << waited;
  }
  auto registry = test_support::Subprocess::Start(
      {SAMENSPEL_REGISTRY_BINARY, "--insecure", "--listen=" + registry_address,
       "--redis=" + (*redis)->address()});
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_TRUE((*matching)->WaitForHealth("SERVING", absl::Seconds(20)));
  EXPECT_EQ(probed(), "SERVING");
  EXPECT_EQ(test_support::CheckHealth(*health_port, probe,
                                      "samenspel.matching.v1.MatchingService"),
            "SERVING");
  auto served = Call<v1::MatchExpertsResponse>(
      *stub, &v1::MatchingService::Stub::MatchExperts, req);
  EXPECT_TRUE(served.ok()) << served.status();
  // Only health's Check on the probe port: not the service, nor server
  // reflection (which its own port serves), nor Watch streams.
  const std::string reflection =
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
  for (const std::string& method :
       {std::string("/samenspel.matching.v1.MatchingService/MatchExperts"), reflection,
        std::string("/grpc.health.v1.Health/Watch")}) {
    EXPECT_EQ(test_support::RawCall(probe, method).error_code(),
              grpc::StatusCode::UNIMPLEMENTED)
        << method;
  }
  EXPECT_EQ(test_support::RawCall((*matching)->Channel(), reflection).error_code(),
            grpc::StatusCode::OK);

  // SIGTERM: while a call drains (one waiting for a revision that will not
  // come, within its 6 s deadline), probes see NOT_SERVING; then the service
  // exits.
  absl::Notification waiting_done;
  grpc::Status waited;
  absl::Duration waited_for;
  std::thread waiting([&] {
    v1::MatchExpertsRequest later = req;
    later.set_min_revision(1000000);
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(6)));
    v1::MatchExpertsResponse response;
    const absl::Time start = absl::Now();
    waited = stub->MatchExperts(&ctx, later, &response);
    waited_for = absl::Now() - start;
    waiting_done.Notify();
  });
  absl::SleepFor(absl::Seconds(1));  // the call is in
  EXPECT_TRUE((*matching)->Signal(SIGTERM).ok());
  EXPECT_TRUE(test_support::WaitUntil([&] { return probed() == "NOT_SERVING"; },
                                      absl::Seconds(3)));
  EXPECT_FALSE(waiting_done.HasBeenNotified());  // still draining
  waiting.join();
  // Answered by the service after its wait for the revision (5 s), not
  // refused at the shutdown.
  EXPECT_EQ(waited.error_code(), grpc::StatusCode::UNAVAILABLE) << waited.error_message();
  EXPECT_GE(waited_for, absl::Seconds(4)) << waited.error_message();
  EXPECT_TRUE((*matching)->Stop().ok());
}

// A drain shorter than --max_revision_wait ends the calls waiting for a
// revision within it, with an answer, and the service exits within it (an
// operator review: with --drain_timeout=2s the clients were cancelled at
// 2 s, and the process ran on until 7 s, waiting out their waits).
TEST(MatchingHealthTest, ADrainEndsRevisionWaitsWithinItsTimeout) {
  auto redis = RedisServer::Create();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto registry = ServiceProcess::Start(SAMENSPEL_REGISTRY_BINARY,
                                        {"--insecure", "--redis=" + (*redis)->address()});
  ASSERT_TRUE(registry.ok()) << registry.status();
  auto matching = ServiceProcess::Start(
      SAMENSPEL_MATCHING_BINARY, {"--insecure", "--registry=" + (*registry)->address(),
                                  "--drain_timeout=2s", "--max_revision_wait=8s"});
  ASSERT_TRUE(matching.ok()) << matching.status();
  ASSERT_TRUE((*matching)->WaitForHealth("SERVING", absl::Seconds(20)));
  auto stub = v1::MatchingService::NewStub((*matching)->Channel());
  grpc::Status waited;
  absl::Duration waited_for;
  std::thread waiting([&] {
    v1::MatchExpertsRequest later;
    later.mutable_challenge()->mutable_inline_()->set_title("woningbouw");
    later.set_min_revision(1000000);
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    v1::MatchExpertsResponse response;
    const absl::Time start = absl::Now();
    waited = stub->MatchExperts(&ctx, later, &response);
    waited_for = absl::Now() - start;
  });
  absl::SleepFor(absl::Milliseconds(500));  // the call is in
  const absl::Time signalled = absl::Now();
  ASSERT_TRUE((*matching)->Signal(SIGTERM).ok());
  EXPECT_TRUE(test_support::WaitUntil([&] { return !(*matching)->IsRunning(); },
                                      absl::Seconds(10)));
  const absl::Duration stopped_after = absl::Now() - signalled;
  waiting.join();
  EXPECT_LT(stopped_after, absl::Seconds(4));
  EXPECT_EQ(waited.error_code(), grpc::StatusCode::UNAVAILABLE) << waited.error_message();
  EXPECT_THAT(waited.error_message(), HasSubstr("stopping")) << waited.error_message();
  EXPECT_LT(waited_for, absl::Seconds(4));
}

// The registry's host is lost without a word (a partition: the follower's
// connection stays open, nothing arrives). Keepalive pings find that out;
// the follower reconnects and catches up with what was written meanwhile.
TEST(MatchingPartitionTest, ALostConnectionIsDroppedAndTheFollowerCatchesUp) {
  auto redis = RedisServer::Create();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto registry = ServiceProcess::Start(SAMENSPEL_REGISTRY_BINARY,
                                        {"--insecure", "--redis=" + (*redis)->address(),
                                         "--min_client_ping_interval=100ms"});
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_TRUE((*registry)->WaitForHealth("SERVING", absl::Seconds(20)));
  auto proxy = TcpProxy::Start((*registry)->port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto matching = ServiceProcess::Start(
      SAMENSPEL_MATCHING_BINARY,
      {"--insecure", absl::StrCat("--registry=127.0.0.1:", (*proxy)->port()),
       "--registry_keepalive=300ms"});
  ASSERT_TRUE(matching.ok()) << matching.status();
  ASSERT_TRUE((*matching)->WaitForHealth("SERVING", absl::Seconds(20)));
  auto registry_stub = rv1::RegistryService::NewStub((*registry)->Channel());
  auto matching_stub = v1::MatchingService::NewStub((*matching)->Channel());
  ASSERT_TRUE(Call<rv1::Organisation>(*registry_stub,
                                      &rv1::RegistryService::Stub::CreateOrganisation,
                                      Utrecht())
                  .ok());
  auto create = [&](const std::string& id) {
    return CreateHousingExpert(*registry_stub, id);
  };
  auto matched = [&](int64_t min_revision) {
    return MatchHousing(*matching_stub, min_revision);
  };
  auto first = matched(create("anna"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(*first, Contains("experts/anna"));

  (*proxy)->Partition();
  const int64_t revision = create("bram");
  // Each call waits up to --max_revision_wait (5 s) for the revision.
  absl::StatusOr<std::vector<std::string>> second;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  do {
    second = matched(revision);
  } while (!second.ok() && absl::Now() < give_up);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(*second, Contains("experts/bram"));
  EXPECT_GE((*proxy)->connections(), 2);
}

// The registry's data goes back in time (a Redis failover that lost the last
// writes, here a restore of an older AOF) and new writes take the lost
// revisions again, all while the matching service cannot reach its registry.
// When it reconnects, the registry sees that the change at its revision is
// not the one it read (WatchChangesRequest.after_commit_time) and it resyncs:
// the lost experts leave its index, the new ones enter it.
TEST(MatchingRewrittenFeedTest, LostChangesLeaveTheIndexAfterARestore) {
  test_support::RedisServerOptions redis_options;
  redis_options.appendonly = true;
  redis_options.appendfsync = "always";
  auto redis = RedisServer::Create(redis_options);
  ASSERT_TRUE(redis.ok()) << redis.status();
  // The matching service follows `followed`; the test writes through `writer`.
  auto followed = ServiceProcess::Start(SAMENSPEL_REGISTRY_BINARY,
                                        {"--insecure", "--redis=" + (*redis)->address()});
  ASSERT_TRUE(followed.ok()) << followed.status();
  auto writer = ServiceProcess::Start(SAMENSPEL_REGISTRY_BINARY,
                                      {"--insecure", "--redis=" + (*redis)->address()});
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->WaitForHealth("SERVING", absl::Seconds(20)));
  auto matching = ServiceProcess::Start(
      SAMENSPEL_MATCHING_BINARY, {"--insecure", "--registry=" + (*followed)->address()});
  ASSERT_TRUE(matching.ok()) << matching.status();
  ASSERT_TRUE((*matching)->WaitForHealth("SERVING", absl::Seconds(20)));
  auto registry_stub = rv1::RegistryService::NewStub((*writer)->Channel());
  auto matching_stub = v1::MatchingService::NewStub((*matching)->Channel());
  ASSERT_TRUE(Call<rv1::Organisation>(*registry_stub,
                                      &rv1::RegistryService::Stub::CreateOrganisation,
                                      Utrecht())
                  .ok());
  auto create = [&](const std::string& id) {
    return CreateHousingExpert(*registry_stub, id);
  };
  auto matched = [&](int64_t min_revision) {
    return MatchHousing(*matching_stub, min_revision);
  };
  ASSERT_EQ(create("kept"), 2);

  // The backup: Redis' AOF at revision 2.
  const std::string backup = (*redis)->dir() + "-backup";
  ASSERT_TRUE((*redis)->Stop().ok());
  std::filesystem::copy((*redis)->dir() + "/appendonlydir", backup,
                        std::filesystem::copy_options::recursive);
  ASSERT_TRUE((*redis)->Start().ok());
  create("lost3");
  const int64_t lost = create("lost4");
  ASSERT_EQ(lost, 4);
  auto before = matched(lost);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(*before,
            (std::vector<std::string>{"experts/kept", "experts/lost3", "experts/lost4"}));

  // The followed registry goes away; Redis goes back to the backup, and new
  // writes take revisions 3 to 5.
  ASSERT_TRUE((*followed)->Stop().ok());
  ASSERT_TRUE((*redis)->Stop().ok());
  std::filesystem::remove_all((*redis)->dir() + "/appendonlydir");
  std::filesystem::copy(backup, (*redis)->dir() + "/appendonlydir",
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(backup);
  ASSERT_TRUE((*redis)->Start().ok());
  ASSERT_TRUE((*writer)->WaitForHealth("SERVING", absl::Seconds(20)));
  create("new3");
  create("new4");
  ASSERT_EQ(create("new5"), 5);
  ASSERT_TRUE((*followed)->Restart().ok());

  absl::StatusOr<std::vector<std::string>> after;
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  do {
    after = matched(5);
  } while (!after.ok() && absl::Now() < give_up);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, (std::vector<std::string>{"experts/kept", "experts/new3",
                                              "experts/new4", "experts/new5"}));
}

// A follower whose snapshot was of an empty registry (revision 0) resumes
// after revision 0, which the registry reads as "from the oldest change
// retained": once the feed no longer starts at revision 1, the follower
// must resync, not take the tail as all there is (an operator's review: 97
// of 379 experts matched, health SERVING).
TEST(MatchingFeedGapTest, AFollowerOfAnEmptyRegistryResyncsWhenTheFeedWasTrimmed) {
  auto redis = RedisServer::Create();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::vector<std::string> flags = {"--insecure", "--redis=" + (*redis)->address(),
                                          "--feed_retention=10"};
  auto followed = ServiceProcess::Start(SAMENSPEL_REGISTRY_BINARY, flags);
  ASSERT_TRUE(followed.ok()) << followed.status();
  auto writer = ServiceProcess::Start(SAMENSPEL_REGISTRY_BINARY, flags);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->WaitForHealth("SERVING", absl::Seconds(20)));
  auto matching = ServiceProcess::Start(
      SAMENSPEL_MATCHING_BINARY, {"--insecure", "--registry=" + (*followed)->address()});
  ASSERT_TRUE(matching.ok()) << matching.status();
  ASSERT_TRUE((*matching)->WaitForHealth("SERVING", absl::Seconds(20)));  // revision 0

  ASSERT_TRUE((*followed)->Stop().ok());
  auto registry_stub = rv1::RegistryService::NewStub((*writer)->Channel());
  ASSERT_TRUE(Call<rv1::Organisation>(*registry_stub,
                                      &rv1::RegistryService::Stub::CreateOrganisation,
                                      Utrecht())
                  .ok());
  ASSERT_EQ(CreateHousingExpert(*registry_stub, "early"), 2);
  // Enough changes for the stream to drop its first node of 100 entries.
  rv1::BatchCreateExpertsRequest batch;
  for (int i = 0; i < 300; ++i) {
    rv1::CreateExpertRequest* item = batch.add_requests();
    item->set_expert_id(absl::StrCat("later-", i));
    item->mutable_expert()->set_display_name(absl::StrCat("Later ", i));
    item->mutable_expert()->set_organisation("organisations/gm0344");
    auto* skill = item->mutable_expert()->add_skills();
    skill->set_name("klimaatadaptatie");
    skill->set_level(3);
    item->mutable_expert()->set_consent_to_matching(true);
  }
  auto created = Call<rv1::BatchCreateExpertsResponse>(
      *registry_stub, &rv1::RegistryService::Stub::BatchCreateExperts, batch);
  ASSERT_TRUE(created.ok()) << created.status();
  const int64_t last = created->experts(299).revision();
  ASSERT_TRUE((*followed)->Restart().ok());

  absl::StatusOr<std::vector<std::string>> found;
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  do {
    found = MatchHousing(*v1::MatchingService::NewStub((*matching)->Channel()), last);
  } while (!found.ok() && absl::Now() < give_up);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, std::vector<std::string>{"experts/early"});
}

}  // namespace
}  // namespace samenspel::matching
