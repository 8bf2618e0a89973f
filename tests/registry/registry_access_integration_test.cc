// Access control over gRPC against the real samenspel-registry and a real
// redis-server: every RegistryService and AccessService RPC × role ×
// own/other organisation with the expected code; tokens (valid, expired,
// revoked, malformed); privacy redaction; the audit log; rate limits; and
// mutual TLS with certificates made by openssl at test time.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/registry_authenticator.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "registry-service/redis/redis_connection.h"
#include "samenspel/registry/v1/access_service.grpc.pb.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"
#include "tests/support/redis_server.h"
#include "tests/support/service_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace samenspel::registry {
namespace {

using test_support::RedisServer;
using test_support::RedisServerOptions;
using test_support::ServiceProcess;
using ::testing::Contains;
using ::testing::HasSubstr;
using Stub = v1::RegistryService::Stub;
using AccessStub = v1::AccessService::Stub;
using google::protobuf::util::TimeUtil;
namespace type = ::samenspel::type::v1;

const std::string kAdminToken = "bootstrap-admin-secret-for-tests-0123456789";

template <typename Response, typename S, typename Request, typename Method>
absl::StatusOr<Response> Call(S& stub, Method method, const Request& request,
                              const std::string& token) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  Response response;
  grpc::Status s = (stub.*method)(&ctx, request, &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

class RegistryAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = RedisServer::Create(RedisServerOptions{});
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    WriteFile(dir_.File("admin-token"), kAdminToken + "\n");
    registry_ = Start({"--rate_limit=0"});
    ASSERT_NE(registry_, nullptr);
    stub_ = v1::RegistryService::NewStub(registry_->Channel());
    access_ = v1::AccessService::NewStub(registry_->Channel());
    for (const char* org : {"org-a", "org-b"}) {
      v1::CreateOrganisationRequest req;
      req.set_organisation_id(org);
      req.mutable_organisation()->set_display_name(org);
      req.mutable_organisation()->set_layer(type::GOVERNMENT_LAYER_MUNICIPAL);
      ASSERT_TRUE(
          Call<v1::Organisation>(*stub_, &Stub::CreateOrganisation, req, kAdminToken)
              .ok());
      const std::string s = std::string(org).substr(4);
      ASSERT_TRUE(CreateExpertAs(kAdminToken, "exp-" + s, org).ok());
      ASSERT_TRUE(CreateTeamAs(kAdminToken, "team-" + s, org).ok());
    }
    editor_a_ = IssueToken("org-a", v1::ROLE_EDITOR);
    reader_a_ = IssueToken("org-a", v1::ROLE_READER);
    reader_b_ = IssueToken("org-b", v1::ROLE_READER);
  }

  std::unique_ptr<ServiceProcess> Start(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--insecure", "--redis=" + redis_->address(),
                                     "--admin_token_file=" + dir_.File("admin-token")};
    args.insert(args.end(), extra.begin(), extra.end());
    auto p = ServiceProcess::Start(SAMENSPEL_REGISTRY_BINARY, args);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) return nullptr;
    EXPECT_TRUE((*p)->WaitForHealth("SERVING", absl::Seconds(10)));
    return *std::move(p);
  }

  std::string IssueToken(const std::string& org, v1::Role role,
                         absl::Duration ttl = absl::Hours(1)) {
    v1::CreateAccessTokenRequest req;
    req.mutable_access_token()->set_organisation("organisations/" + org);
    req.mutable_access_token()->set_role(role);
    req.mutable_access_token()->set_description("test");
    *req.mutable_access_token()->mutable_expire_time() =
        TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(absl::Now() + ttl));
    auto r = Call<v1::CreateAccessTokenResponse>(*access_, &AccessStub::CreateAccessToken,
                                                 req, kAdminToken);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->secret() : "";
  }

  absl::Status CreateExpertAs(const std::string& token, const std::string& id,
                              const std::string& org) {
    v1::CreateExpertRequest req;
    req.set_expert_id(id);
    v1::Expert* e = req.mutable_expert();
    e->set_display_name("Expert " + id);
    e->set_organisation("organisations/" + org);
    e->set_email(id + "@example.nl");
    e->set_bio("Woningbouw en warmtetransitie.");
    e->set_consent_to_matching(true);
    e->set_available_hours_per_week(8);
    return Call<v1::Expert>(*stub_, &Stub::CreateExpert, req, token).status();
  }
  absl::Status CreateTeamAs(const std::string& token, const std::string& id,
                            const std::string& org) {
    v1::CreateTeamRequest req;
    req.set_team_id(id);
    req.mutable_team()->set_display_name("Team " + id);
    req.mutable_team()->set_owner_organisation("organisations/" + org);
    req.mutable_team()->set_state(v1::TaskTeam::FORMING);
    return Call<v1::TaskTeam>(*stub_, &Stub::CreateTeam, req, token).status();
  }

  std::unique_ptr<RedisServer> redis_;
  test_support::TempDir dir_{"samenspel-access"};
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<AccessStub> access_;
  std::string editor_a_, reader_a_, reader_b_;
};

// Every RPC as one callable: (token, target organisation "org-a"/"org-b",
// a fresh number) -> status. Deletes and updates get their own target made by
// the admin first, so each attempt has something to act on.
struct Rpc {
  std::string name;
  bool write;
  // Editors may not do it even on their own organisation.
  bool admin_only;
  std::function<absl::Status(const std::string& token, const std::string& org, int n)>
      call;
};

TEST_F(RegistryAccessTest, EveryRpcByRoleAndOrganisation) {
  auto sfx = [](const std::string& org) { return org.substr(4); };
  auto org_name = [](const std::string& org) { return "organisations/" + org; };
  std::vector<Rpc> rpcs = {
      {"CreateOrganisation", true, true,
       [&](const std::string& t, const std::string& org, int n) {
         v1::CreateOrganisationRequest req;
         req.set_organisation_id(absl::StrCat(org, "-x", n));
         req.mutable_organisation()->set_display_name("X");
         req.mutable_organisation()->set_layer(type::GOVERNMENT_LAYER_NATIONAL);
         return Call<v1::Organisation>(*stub_, &Stub::CreateOrganisation, req, t)
             .status();
       }},
      {"GetOrganisation", false, false,
       [&](const std::string& t, const std::string& org, int) {
         v1::GetOrganisationRequest req;
         req.set_name(org_name(org));
         return Call<v1::Organisation>(*stub_, &Stub::GetOrganisation, req, t).status();
       }},
      {"ListOrganisations", false, false,
       [&](const std::string& t, const std::string&, int) {
         return Call<v1::ListOrganisationsResponse>(*stub_, &Stub::ListOrganisations,
                                                    v1::ListOrganisationsRequest(), t)
             .status();
       }},
      {"UpdateOrganisation", true, false,
       [&](const std::string& t, const std::string& org, int n) {
         v1::UpdateOrganisationRequest req;
         req.mutable_organisation()->set_name(org_name(org));
         req.mutable_organisation()->set_display_name(absl::StrCat("Org ", n));
         req.mutable_update_mask()->add_paths("display_name");
         return Call<v1::Organisation>(*stub_, &Stub::UpdateOrganisation, req, t)
             .status();
       }},
      {"DeleteOrganisation", true, true,
       [&](const std::string& t, const std::string& org, int) {
         v1::DeleteOrganisationRequest req;
         req.set_name(
             org_name(org));  // still has experts: admins get FAILED_PRECONDITION
         return Call<google::protobuf::Empty>(*stub_, &Stub::DeleteOrganisation, req, t)
             .status();
       }},
      {"CreateExpert", true, false,
       [&](const std::string& t, const std::string& org, int n) {
         return CreateExpertAs(t, absl::StrCat("new-", n), org);
       }},
      {"GetExpert", false, false,
       [&](const std::string& t, const std::string& org, int) {
         v1::GetExpertRequest req;
         req.set_name("experts/exp-" + sfx(org));
         return Call<v1::Expert>(*stub_, &Stub::GetExpert, req, t).status();
       }},
      {"ListExperts", false, false,
       [&](const std::string& t, const std::string& org, int) {
         v1::ListExpertsRequest req;
         req.set_organisation(org_name(org));
         return Call<v1::ListExpertsResponse>(*stub_, &Stub::ListExperts, req, t)
             .status();
       }},
      {"UpdateExpert", true, false,
       [&](const std::string& t, const std::string& org, int n) {
         v1::UpdateExpertRequest req;
         req.mutable_expert()->set_name("experts/exp-" + sfx(org));
         req.mutable_expert()->set_job_title(absl::StrCat("Adviseur ", n));
         req.mutable_update_mask()->add_paths("job_title");
         return Call<v1::Expert>(*stub_, &Stub::UpdateExpert, req, t).status();
       }},
      {"DeleteExpert", true, false,
       [&](const std::string& t, const std::string& org, int n) {
         const std::string id = absl::StrCat("del-", n);
         EXPECT_TRUE(CreateExpertAs(kAdminToken, id, org).ok());
         v1::DeleteExpertRequest req;
         req.set_name("experts/" + id);
         return Call<google::protobuf::Empty>(*stub_, &Stub::DeleteExpert, req, t)
             .status();
       }},
      {"BatchCreateExperts", true, false,
       [&](const std::string& t, const std::string& org, int n) {
         v1::BatchCreateExpertsRequest req;
         v1::CreateExpertRequest* item = req.add_requests();
         item->set_expert_id(absl::StrCat("batch-", n));
         item->mutable_expert()->set_display_name("Batch");
         item->mutable_expert()->set_organisation(org_name(org));
         return Call<v1::BatchCreateExpertsResponse>(*stub_, &Stub::BatchCreateExperts,
                                                     req, t)
             .status();
       }},
      {"CreateTeam", true, false,
       [&](const std::string& t, const std::string& org, int n) {
         return CreateTeamAs(t, absl::StrCat("new-", n), org);
       }},
      {"GetTeam", false, false,
       [&](const std::string& t, const std::string& org, int) {
         v1::GetTeamRequest req;
         req.set_name("teams/team-" + sfx(org));
         return Call<v1::TaskTeam>(*stub_, &Stub::GetTeam, req, t).status();
       }},
      {"ListTeams", false, false,
       [&](const std::string& t, const std::string&, int) {
         return Call<v1::ListTeamsResponse>(*stub_, &Stub::ListTeams,
                                            v1::ListTeamsRequest(), t)
             .status();
       }},
      {"UpdateTeam", true, false,
       [&](const std::string& t, const std::string& org, int n) {
         v1::UpdateTeamRequest req;
         req.mutable_team()->set_name("teams/team-" + sfx(org));
         req.mutable_team()->set_description(absl::StrCat("Opgave ", n));
         req.mutable_update_mask()->add_paths("description");
         return Call<v1::TaskTeam>(*stub_, &Stub::UpdateTeam, req, t).status();
       }},
      {"AddTeamMember", true, false,
       [&](const std::string& t, const std::string& org, int n) {
         const std::string id = absl::StrCat("member-", n);
         EXPECT_TRUE(CreateExpertAs(kAdminToken, id, "org-b").ok());
         v1::AddTeamMemberRequest req;
         req.set_team("teams/team-" + sfx(org));
         req.mutable_member()->set_expert("experts/" + id);
         req.mutable_member()->set_hours_per_week(2);
         return Call<v1::TaskTeam>(*stub_, &Stub::AddTeamMember, req, t).status();
       }},
      {"RemoveTeamMember", true, false,
       [&](const std::string& t, const std::string& org, int n) {
         const std::string id = absl::StrCat("leaver-", n);
         EXPECT_TRUE(CreateExpertAs(kAdminToken, id, "org-b").ok());
         v1::AddTeamMemberRequest add;
         add.set_team("teams/team-" + sfx(org));
         add.mutable_member()->set_expert("experts/" + id);
         EXPECT_TRUE(
             Call<v1::TaskTeam>(*stub_, &Stub::AddTeamMember, add, kAdminToken).ok());
         v1::RemoveTeamMemberRequest req;
         req.set_team("teams/team-" + sfx(org));
         req.set_expert("experts/" + id);
         return Call<v1::TaskTeam>(*stub_, &Stub::RemoveTeamMember, req, t).status();
       }},
      {"DeleteTeam", true, false,
       [&](const std::string& t, const std::string& org, int n) {
         const std::string id = absl::StrCat("delteam-", n);
         EXPECT_TRUE(CreateTeamAs(kAdminToken, id, org).ok());
         v1::DeleteTeamRequest req;
         req.set_name("teams/" + id);
         return Call<google::protobuf::Empty>(*stub_, &Stub::DeleteTeam, req, t).status();
       }},
      {"CreateChallenge", true, false,
       [&](const std::string& t, const std::string& org, int n) {
         v1::CreateChallengeRequest req;
         req.set_challenge_id(absl::StrCat("c-", n));
         req.mutable_challenge()->set_title("Opgave");
         req.mutable_challenge()->set_owner_organisation(org_name(org));
         req.mutable_challenge()->set_team_size(3);
         req.mutable_challenge()->set_state(v1::Challenge::OPEN);
         return Call<v1::Challenge>(*stub_, &Stub::CreateChallenge, req, t).status();
       }},
      {"GetChallenge", false, false,
       [&](const std::string& t, const std::string& org, int n) {
         v1::CreateChallengeRequest create;
         create.set_challenge_id(absl::StrCat("get-", n));
         create.mutable_challenge()->set_title("Opgave");
         create.mutable_challenge()->set_owner_organisation(org_name(org));
         create.mutable_challenge()->set_team_size(3);
         EXPECT_TRUE(
             Call<v1::Challenge>(*stub_, &Stub::CreateChallenge, create, kAdminToken)
                 .ok());
         v1::GetChallengeRequest req;
         req.set_name(absl::StrCat("challenges/get-", n));
         return Call<v1::Challenge>(*stub_, &Stub::GetChallenge, req, t).status();
       }},
      {"WatchChanges", false, false,
       [&](const std::string& t, const std::string&, int) {
         grpc::ClientContext ctx;
         ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
         if (!t.empty()) ctx.AddMetadata("authorization", "Bearer " + t);
         auto reader = stub_->WatchChanges(&ctx, v1::WatchChangesRequest());
         v1::Change first;
         if (reader->Read(&first)) {
           ctx.TryCancel();
           reader->Finish();
           return absl::OkStatus();
         }
         return FromGrpcStatus(reader->Finish());
       }},
      {"CreateAccessToken", false, true,
       [&](const std::string& t, const std::string& org, int) {
         v1::CreateAccessTokenRequest req;
         req.mutable_access_token()->set_organisation(org_name(org));
         req.mutable_access_token()->set_role(v1::ROLE_READER);
         *req.mutable_access_token()->mutable_expire_time() =
             TimeUtil::MillisecondsToTimestamp(
                 absl::ToUnixMillis(absl::Now() + absl::Hours(1)));
         return Call<v1::CreateAccessTokenResponse>(
                    *access_, &AccessStub::CreateAccessToken, req, t)
             .status();
       }},
      {"RevokeAccessToken", false, true,
       [&](const std::string& t, const std::string& org, int) {
         const std::string secret = IssueToken(org, v1::ROLE_READER);
         auto p = Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                                      v1::GetCallerIdentityRequest(), secret);
         EXPECT_TRUE(p.ok());
         v1::RevokeAccessTokenRequest req;
         req.set_name(p.ok() ? p->subject() : "");
         return Call<v1::AccessToken>(*access_, &AccessStub::RevokeAccessToken, req, t)
             .status();
       }},
      {"IntrospectAccessToken", false, true,
       [&](const std::string& t, const std::string&, int) {
         v1::IntrospectAccessTokenRequest req;
         req.set_secret(reader_a_);
         return Call<v1::Principal>(*access_, &AccessStub::IntrospectAccessToken, req, t)
             .status();
       }},
      {"ListChallenges", false, false,
       [&](const std::string& t, const std::string&, int) {
         return Call<v1::ListChallengesResponse>(*stub_, &Stub::ListChallenges,
                                                 v1::ListChallengesRequest(), t)
             .status();
       }},
      {"ListAccessTokens", false, true,
       [&](const std::string& t, const std::string&, int) {
         return Call<v1::ListAccessTokensResponse>(*access_,
                                                   &AccessStub::ListAccessTokens,
                                                   v1::ListAccessTokensRequest(), t)
             .status();
       }},
      {"ListAuditEvents", false, true,
       [&](const std::string& t, const std::string&, int) {
         return Call<v1::ListAuditEventsResponse>(*access_, &AccessStub::ListAuditEvents,
                                                  v1::ListAuditEventsRequest(), t)
             .status();
       }},
      {"GetCallerIdentity", false, false,
       [&](const std::string& t, const std::string&, int) {
         return Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                                    v1::GetCallerIdentityRequest(), t)
             .status();
       }},
  };
  struct Caller {
    const char* who;
    std::string token;
    bool admin, editor, unauthenticated;
  };
  const std::vector<Caller> callers = {
      {"admin", kAdminToken, true, false, false},
      {"editor-a", editor_a_, false, true, false},
      {"reader-a", reader_a_, false, false, false},
      {"no token", "", false, false, true},
      {"bad token", "sst.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
       false, false, true}};
  int n = 0;
  for (const Rpc& rpc : rpcs) {
    for (const std::string org : {"org-a", "org-b"}) {
      for (const Caller& c : callers) {
        absl::StatusCode want = absl::StatusCode::kOk;
        if (c.unauthenticated) {
          want = absl::StatusCode::kUnauthenticated;
        } else if (c.admin) {
          want = rpc.name == "DeleteOrganisation" ? absl::StatusCode::kFailedPrecondition
                                                  : absl::StatusCode::kOk;
        } else if (rpc.admin_only || (rpc.write && (!c.editor || org != "org-a"))) {
          want = absl::StatusCode::kPermissionDenied;
        }
        absl::Status got = rpc.call(c.token, org, ++n);
        EXPECT_EQ(got.code(), want)
            << rpc.name << " by " << c.who << " on " << org << ": " << got;
      }
    }
  }
}

TEST_F(RegistryAccessTest, TokensExpireAndAreRevokedAndMalformedOnesFail) {
  // Malformed: not a bearer header, and not a token.
  for (const std::string& header : {std::string("Basic dXNlcjpwYXNz"),
                                    std::string("Bearer "), std::string("Bearer x.y")}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", header);
    v1::Principal p;
    grpc::Status s = access_->GetCallerIdentity(&ctx, {}, &p);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << header;
  }
  // Two authorization headers: which one counts would be a guess.
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + reader_a_);
    ctx.AddMetadata("authorization", "Bearer " + kAdminToken);
    v1::Principal p;
    EXPECT_EQ(access_->GetCallerIdentity(&ctx, {}, &p).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // A token outlives neither its organisation nor its expiry (which the
  // principal states, for services that cache it).
  {
    v1::CreateOrganisationRequest org;
    org.set_organisation_id("org-gone");
    org.mutable_organisation()->set_display_name("Opgeheven");
    org.mutable_organisation()->set_layer(type::GOVERNMENT_LAYER_MUNICIPAL);
    ASSERT_TRUE(
        Call<v1::Organisation>(*stub_, &Stub::CreateOrganisation, org, kAdminToken).ok());
    const std::string orphan = IssueToken("org-gone", v1::ROLE_EDITOR);
    auto who = Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                                   v1::GetCallerIdentityRequest(), orphan);
    ASSERT_TRUE(who.ok()) << who.status();
    EXPECT_GT(who->expire_time().seconds(), absl::ToUnixSeconds(absl::Now()));
    v1::DeleteOrganisationRequest del;
    del.set_name("organisations/org-gone");
    ASSERT_TRUE(
        Call<google::protobuf::Empty>(*stub_, &Stub::DeleteOrganisation, del, kAdminToken)
            .ok());
    absl::Status gone;
    const absl::Time until = absl::Now() + absl::Seconds(10);
    do {  // past the registry's token cache
      gone = Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                                 v1::GetCallerIdentityRequest(), orphan)
                 .status();
      if (!gone.ok()) break;
      absl::SleepFor(absl::Milliseconds(100));
    } while (absl::Now() < until);
    EXPECT_TRUE(absl::IsUnauthenticated(gone)) << gone;
    EXPECT_THAT(gone.message(), HasSubstr("no longer exists"));
    // Made again under the same id at once: the token (its record in Redis
    // names the organisation record it was issued for) does not act for it.
    ASSERT_TRUE(
        Call<v1::Organisation>(*stub_, &Stub::CreateOrganisation, org, kAdminToken).ok());
    absl::Status again;
    const absl::Time cached_until = absl::Now() + absl::Seconds(10);
    do {  // past the registry's cache of "no longer exists"
      again = Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                                  v1::GetCallerIdentityRequest(), orphan)
                  .status();
      EXPECT_TRUE(absl::IsUnauthenticated(again)) << again;
      if (absl::StrContains(again.message(), "created again")) break;
      absl::SleepFor(absl::Milliseconds(100));
    } while (absl::Now() < cached_until);
    EXPECT_THAT(again.message(), HasSubstr("created again"));
    // A token issued for the new one does.
    const std::string renewed = IssueToken("org-gone", v1::ROLE_EDITOR);
    EXPECT_TRUE(Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                                    v1::GetCallerIdentityRequest(), renewed)
                    .ok());
  }
  // Valid, then revoked: refused at once on this registry.
  const std::string token = IssueToken("org-a", v1::ROLE_READER);
  auto me = Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                                v1::GetCallerIdentityRequest(), token);
  ASSERT_TRUE(me.ok()) << me.status();
  EXPECT_EQ(me->organisation(), "organisations/org-a");
  EXPECT_EQ(me->role(), v1::ROLE_READER);
  v1::RevokeAccessTokenRequest revoke;
  revoke.set_name(me->subject());
  ASSERT_TRUE(
      Call<v1::AccessToken>(*access_, &AccessStub::RevokeAccessToken, revoke, kAdminToken)
          .ok());
  absl::Status s = Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                                       v1::GetCallerIdentityRequest(), token)
                       .status();
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("revoked"));

  // Expired: a token living 1 s stops working (polled, bounded).
  const std::string short_lived = IssueToken("org-a", v1::ROLE_READER, absl::Seconds(1));
  const absl::Time limit = absl::Now() + absl::Seconds(15);
  absl::Status last;
  do {
    last = Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                               v1::GetCallerIdentityRequest(), short_lived)
               .status();
    if (absl::IsUnauthenticated(last)) break;
    absl::SleepFor(absl::Milliseconds(200));
  } while (absl::Now() < limit);
  EXPECT_TRUE(absl::IsUnauthenticated(last)) << last;
  EXPECT_THAT(last.message(), HasSubstr("expired"));

  // Secrets are stored only as hashes: the list never shows one.
  auto list =
      Call<v1::ListAccessTokensResponse>(*access_, &AccessStub::ListAccessTokens,
                                         v1::ListAccessTokensRequest(), kAdminToken);
  ASSERT_TRUE(list.ok());
  EXPECT_GE(list->access_tokens_size(), 5);
  EXPECT_THAT(list->DebugString(), ::testing::Not(HasSubstr(token)));
}

// A change feed stream ends when the token that opened it is revoked.
TEST_F(RegistryAccessTest, AWatchEndsWhenItsTokenIsRevoked) {
  const std::string token = IssueToken("org-a", v1::ROLE_READER);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  auto reader = stub_->WatchChanges(&ctx, v1::WatchChangesRequest());
  v1::Change change;
  ASSERT_TRUE(reader->Read(&change));  // it streams
  auto me = Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                                v1::GetCallerIdentityRequest(), token);
  ASSERT_TRUE(me.ok()) << me.status();
  v1::RevokeAccessTokenRequest revoke;
  revoke.set_name(me->subject());
  const absl::Time revoked = absl::Now();
  ASSERT_TRUE(
      Call<v1::AccessToken>(*access_, &AccessStub::RevokeAccessToken, revoke, kAdminToken)
          .ok());
  while (reader->Read(&change)) {
  }
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << status.error_message();
  EXPECT_LT(absl::Now() - revoked, absl::Seconds(15));
}

// ... also when its caller does not read: the stream waits in a Write then,
// and is cancelled by the registry's check of every open stream (a security
// review's unread streams outlived the revocation, and once read got 500
// more changes after it).
TEST_F(RegistryAccessTest, AWatchItsCallerDoesNotReadEndsWhenItsTokenIsRevoked) {
  // Enough feed to fill the flow-control window many times over: 600
  // experts with 2 KB bios (the reader's organisation sees them whole).
  for (int batch = 0; batch < 6; ++batch) {
    v1::BatchCreateExpertsRequest req;
    for (int i = 0; i < 100; ++i) {
      v1::Expert* e = req.add_requests()->mutable_expert();
      e->set_display_name(absl::StrCat("Expert ", batch, "-", i));
      e->set_organisation("organisations/org-a");
      e->set_bio(std::string(2000, 'x'));
    }
    ASSERT_TRUE(Call<v1::BatchCreateExpertsResponse>(*stub_, &Stub::BatchCreateExperts,
                                                     req, kAdminToken)
                    .ok());
  }
  const std::string token = IssueToken("org-a", v1::ROLE_READER);
  grpc::ChannelArguments args;
  args.SetInt("grpc.http2.lookahead_bytes", 16 * 1024);
  args.SetInt("grpc.http2.bdp_probe", 0);
  auto stub = v1::RegistryService::NewStub(grpc::CreateCustomChannel(
      registry_->address(), grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto reader = stub->WatchChanges(&ctx, v1::WatchChangesRequest());
  v1::Change change;
  ASSERT_TRUE(reader->Read(&change));
  absl::SleepFor(absl::Milliseconds(500));  // the registry's Write now waits
  auto me = Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                                v1::GetCallerIdentityRequest(), token);
  ASSERT_TRUE(me.ok()) << me.status();
  v1::RevokeAccessTokenRequest revoke;
  revoke.set_name(me->subject());
  ASSERT_TRUE(
      Call<v1::AccessToken>(*access_, &AccessStub::RevokeAccessToken, revoke, kAdminToken)
          .ok());
  absl::SleepFor(absl::Seconds(5));  // two checks at most 2 s apart, and the cache
  int after_revocation = 0;
  while (reader->Read(&change)) ++after_revocation;
  const grpc::Status status = reader->Finish();
  EXPECT_FALSE(status.ok());
  // What the window and the transport held when the stream was cancelled:
  // far less than the rest of the feed.
  EXPECT_LT(after_revocation, 200) << status.error_message();
}

// WatchChanges streams each hold a registry thread: a non-admin principal
// may hold --max_watches_per_caller at once, everyone together
// --max_watches; beyond, RESOURCE_EXHAUSTED (reason TOO_MANY_WATCHES), and
// a stream closed frees its place.
TEST_F(RegistryAccessTest, WatchStreamsAreLimitedPerCallerAndInAll) {
  auto registry =
      Start({"--rate_limit=0", "--max_watches_per_caller=2", "--max_watches=3"});
  ASSERT_NE(registry, nullptr);
  auto stub = v1::RegistryService::NewStub(registry->Channel());
  struct Watch {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<v1::Change>> reader;
  };
  auto open = [&](const std::string& token) {
    auto w = std::make_unique<Watch>();
    w->ctx.AddMetadata("authorization", "Bearer " + token);
    w->ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    w->reader = stub->WatchChanges(&w->ctx, v1::WatchChangesRequest());
    return w;
  };
  // Open: it streams the feed's first change. Refused: it ends at once.
  auto streams = [](Watch& w) {
    v1::Change change;
    return w.reader->Read(&change);
  };
  auto refusal = [](Watch& w) {
    v1::Change change;
    while (w.reader->Read(&change)) {
    }
    return w.reader->Finish();
  };
  auto a1 = open(reader_a_), a2 = open(reader_a_);
  ASSERT_TRUE(streams(*a1));
  ASSERT_TRUE(streams(*a2));
  auto a3 = open(reader_a_);
  grpc::Status s = refusal(*a3);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("--max_watches_per_caller"));
  EXPECT_EQ(ReasonOf(FromGrpcStatus(s)), "TOO_MANY_WATCHES");
  // Another principal has its own; then the registry is full for non-admin
  // callers. Admins (matching's followers) are never locked out.
  auto b1 = open(reader_b_);
  ASSERT_TRUE(streams(*b1));
  auto e1 = open(editor_a_);
  s = refusal(*e1);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("--max_watches)"));
  auto admin = open(kAdminToken);
  ASSERT_TRUE(streams(*admin));
  // A closed stream frees its place.
  a1->ctx.TryCancel();
  refusal(*a1);
  bool reopened = false;
  for (int i = 0; i < 50 && !reopened; ++i) {  // the server sees the cancel soon
    auto again = open(reader_a_);
    reopened = streams(*again);
    if (!reopened) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(reopened);
}

TEST_F(RegistryAccessTest, PersonalDataIsRedactedAndItsReadsAudited) {
  v1::GetExpertRequest get;
  get.set_name("experts/exp-a");
  auto other = Call<v1::Expert>(*stub_, &Stub::GetExpert, get, reader_b_);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->email(), "");
  EXPECT_EQ(other->bio(), "");
  auto own = Call<v1::Expert>(*stub_, &Stub::GetExpert, get, reader_a_);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->email(), "exp-a@example.nl");
  // Again, now that both tokens are cached: the Gets take the path without
  // a worker (authenticated on gRPC's thread, answered from Redis' I/O
  // thread), with the same answers.
  for (int i = 0; i < 3; ++i) {
    other = Call<v1::Expert>(*stub_, &Stub::GetExpert, get, reader_b_);
    ASSERT_TRUE(other.ok()) << other.status();
    EXPECT_EQ(other->email(), "");
    EXPECT_EQ(other->bio(), "");
    own = Call<v1::Expert>(*stub_, &Stub::GetExpert, get, reader_a_);
    ASSERT_TRUE(own.ok()) << own.status();
    EXPECT_EQ(own->email(), "exp-a@example.nl");
    EXPECT_EQ(own->bio(), "Woningbouw en warmtetransitie.");
  }

  // The audit log has the own-organisation read (personal data), the
  // admin's writes, and not the redacted read. Written asynchronously: poll.
  auto events_of = [&](const std::string& subject) {
    v1::ListAuditEventsRequest req;
    req.set_subject(subject);
    req.set_page_size(100);
    return Call<v1::ListAuditEventsResponse>(*access_, &AccessStub::ListAuditEvents, req,
                                             kAdminToken);
  };
  auto subject_of = [&](const std::string& token) {
    return Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                               v1::GetCallerIdentityRequest(), token)
        ->subject();
  };
  const std::string reader_a = subject_of(reader_a_);
  const absl::Time limit = absl::Now() + absl::Seconds(10);
  absl::StatusOr<v1::ListAuditEventsResponse> events;
  do {
    events = events_of(reader_a);
    if (events.ok() && events->audit_events_size() >= 4) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < limit);
  ASSERT_TRUE(events.ok()) << events.status();
  // The four own-organisation reads, by either path.
  ASSERT_EQ(events->audit_events_size(), 4) << events->DebugString();
  for (const v1::AuditEvent& e : events->audit_events()) {
    EXPECT_EQ(e.method(), "samenspel.registry.v1.RegistryService/GetExpert");
    EXPECT_TRUE(e.personal_data());
    EXPECT_THAT(e.resources(), Contains("experts/exp-a"));
    EXPECT_THAT(e.organisations(), Contains("organisations/org-a"));
    EXPECT_EQ(e.principal().role(), v1::ROLE_READER);
    EXPECT_EQ(e.code(), "OK");
  }
  auto redacted = events_of(subject_of(reader_b_));
  ASSERT_TRUE(redacted.ok());
  EXPECT_EQ(redacted->audit_events_size(), 0) << redacted->DebugString();

  // A denied write is recorded too, with its code.
  v1::UpdateExpertRequest update;
  update.mutable_expert()->set_name("experts/exp-b");
  update.mutable_expert()->set_job_title("Hacker");
  update.mutable_update_mask()->add_paths("job_title");
  EXPECT_FALSE(Call<v1::Expert>(*stub_, &Stub::UpdateExpert, update, editor_a_).ok());
  const std::string editor = subject_of(editor_a_);
  do {
    events = events_of(editor);
    if (events.ok() && events->audit_events_size() > 0) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < limit);
  ASSERT_TRUE(events.ok() && events->audit_events_size() == 1);
  EXPECT_EQ(events->audit_events(0).code(), "PERMISSION_DENIED");
  EXPECT_THAT(events->audit_events(0).resources(), Contains("experts/exp-b"));
  // With whose expert it was, though the request did not say.
  EXPECT_THAT(events->audit_events(0).organisations(), Contains("organisations/org-b"));
}

// While Redis is down, a caller whose token cannot be checked learns that,
// not where Redis runs.
TEST_F(RegistryAccessTest, AnUncheckableTokenDoesNotLearnWhereRedisIs) {
  ASSERT_TRUE(redis_->Stop().ok());
  const absl::Status s =
      Call<v1::Principal>(
          *access_, &AccessStub::GetCallerIdentity, v1::GetCallerIdentityRequest(),
          "sst.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
          .status();
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), ::testing::Not(HasSubstr(absl::StrCat(redis_->port())))) << s;
  ASSERT_TRUE(redis_->Start().ok());
}

// A request that is not valid protobuf is answered as any other: the caller
// authenticates first, and a write attempt is audited.
TEST_F(RegistryAccessTest, AnUnparseableWriteIsAuthenticatedAndAudited) {
  auto call = [&](const std::string& token) {
    // DeleteExpertRequest{name: 4 bytes that are not UTF-8}.
    return FromGrpcStatus(test_support::RawCall(
        registry_->Channel(), "/samenspel.registry.v1.RegistryService/DeleteExpert",
        std::string("\x0a\x04\xff\xfe\xfd\xfc"), token));
  };
  EXPECT_TRUE(absl::IsUnauthenticated(call(""))) << call("");
  const absl::Status invalid = call(editor_a_);
  EXPECT_TRUE(absl::IsInvalidArgument(invalid)) << invalid;
  const std::string editor =
      Call<v1::Principal>(*access_, &AccessStub::GetCallerIdentity,
                          v1::GetCallerIdentityRequest(), editor_a_)
          ->subject();
  v1::ListAuditEventsRequest req;
  req.set_subject(editor);
  absl::StatusOr<v1::ListAuditEventsResponse> events;
  const absl::Time limit = absl::Now() + absl::Seconds(10);
  do {  // written asynchronously: poll
    events = Call<v1::ListAuditEventsResponse>(*access_, &AccessStub::ListAuditEvents,
                                               req, kAdminToken);
    if (events.ok() && events->audit_events_size() > 0) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < limit);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->audit_events_size(), 1) << events->DebugString();
  EXPECT_EQ(events->audit_events(0).method(),
            "samenspel.registry.v1.RegistryService/DeleteExpert");
  EXPECT_EQ(events->audit_events(0).code(), "INVALID_ARGUMENT");
}

// An organisation finds in the audit log what was done to its data: deletes
// (whose request and response name no organisation) and refused attempts,
// and the tokens issued for it.
TEST_F(RegistryAccessTest, TheAuditLogNamesTheOrganisationsConcerned) {
  v1::DeleteTeamRequest del_team;
  del_team.set_name("teams/team-b");
  EXPECT_EQ(Call<google::protobuf::Empty>(*stub_, &Stub::DeleteTeam, del_team, editor_a_)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  // exp-b on org-a's team: its delete takes it off, which concerns org-a too.
  v1::AddTeamMemberRequest add;
  add.set_team("teams/team-a");
  add.mutable_member()->set_expert("experts/exp-b");
  ASSERT_TRUE(Call<v1::TaskTeam>(*stub_, &Stub::AddTeamMember, add, kAdminToken).ok());
  v1::DeleteExpertRequest del_expert;
  del_expert.set_name("experts/exp-b");
  ASSERT_TRUE(
      Call<google::protobuf::Empty>(*stub_, &Stub::DeleteExpert, del_expert, kAdminToken)
          .ok());
  IssueToken("org-b", v1::ROLE_READER);

  v1::ListAuditEventsRequest req;
  req.set_organisation("organisations/org-b");
  req.set_page_size(100);
  std::vector<std::string> seen;
  const absl::Time limit = absl::Now() + absl::Seconds(10);
  for (;;) {  // written asynchronously: poll
    auto events = Call<v1::ListAuditEventsResponse>(
        *access_, &AccessStub::ListAuditEvents, req, kAdminToken);
    ASSERT_TRUE(events.ok()) << events.status();
    seen.clear();
    for (const v1::AuditEvent& e : events->audit_events()) {
      seen.push_back(absl::StrCat(e.method().substr(e.method().find('/') + 1), " ",
                                  e.code(), " ",
                                  e.resources_size() ? e.resources(0) : ""));
    }
    // (Its set-up's events name org-b too: wait for these three.)
    const bool all =
        absl::c_linear_search(seen, "DeleteTeam PERMISSION_DENIED teams/team-b") &&
        absl::c_linear_search(seen, "DeleteExpert OK experts/exp-b") &&
        absl::c_any_of(seen, [](const std::string& e) {
          return absl::StartsWith(e, "CreateAccessToken OK accessTokens/");
        });
    if (all || absl::Now() > limit) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(seen, Contains("DeleteTeam PERMISSION_DENIED teams/team-b"));
  EXPECT_THAT(seen, Contains("DeleteExpert OK experts/exp-b"));
  EXPECT_THAT(seen,
              Contains(::testing::StartsWith("CreateAccessToken OK accessTokens/")));

  // The team the delete changed, and its owner, are named; the team member's
  // add names the expert.
  std::vector<std::string> of_team_a, of_expert;
  for (;;) {
    v1::ListAuditEventsRequest by_org;
    by_org.set_organisation("organisations/org-a");
    by_org.set_page_size(100);
    auto events = Call<v1::ListAuditEventsResponse>(
        *access_, &AccessStub::ListAuditEvents, by_org, kAdminToken);
    ASSERT_TRUE(events.ok()) << events.status();
    of_team_a.clear();
    for (const v1::AuditEvent& e : events->audit_events()) {
      of_team_a.push_back(absl::StrCat(e.method().substr(e.method().find('/') + 1), " ",
                                       absl::StrJoin(e.resources(), ",")));
    }
    v1::ListAuditEventsRequest by_expert;
    by_expert.set_resource("experts/exp-b");
    by_expert.set_page_size(100);
    events = Call<v1::ListAuditEventsResponse>(*access_, &AccessStub::ListAuditEvents,
                                               by_expert, kAdminToken);
    ASSERT_TRUE(events.ok()) << events.status();
    of_expert.clear();
    for (const v1::AuditEvent& e : events->audit_events()) {
      of_expert.push_back(e.method().substr(e.method().find('/') + 1));
    }
    if ((absl::c_linear_search(of_team_a, "DeleteExpert experts/exp-b,teams/team-a") &&
         absl::c_linear_search(of_expert, "AddTeamMember")) ||
        absl::Now() > limit) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(of_team_a, Contains("DeleteExpert experts/exp-b,teams/team-a"));
  EXPECT_THAT(of_expert, Contains("AddTeamMember"));
}

// A booking of another organisation's expert is found in the audit log
// under the expert's organisation, and an update that drops a member names
// the member (a privacy review: neither was found, searched by the expert's
// organisation or by the dropped expert).
TEST_F(RegistryAccessTest, TeamWritesAreFoundUnderTheirExpertsAndTheirOrganisations) {
  v1::AddTeamMemberRequest add;
  add.set_team("teams/team-a");
  add.mutable_member()->set_expert("experts/exp-b");
  add.mutable_member()->set_hours_per_week(2);
  ASSERT_TRUE(Call<v1::TaskTeam>(*stub_, &Stub::AddTeamMember, add, kAdminToken).ok());
  v1::UpdateTeamRequest update;
  update.mutable_team()->set_name("teams/team-a");
  update.mutable_update_mask()->add_paths("members");  // none: exp-b dropped
  ASSERT_TRUE(Call<v1::TaskTeam>(*stub_, &Stub::UpdateTeam, update, kAdminToken).ok());

  auto methods = [&](v1::ListAuditEventsRequest req) {
    req.set_page_size(100);
    std::vector<std::string> seen;
    auto events = Call<v1::ListAuditEventsResponse>(
        *access_, &AccessStub::ListAuditEvents, req, kAdminToken);
    EXPECT_TRUE(events.ok()) << events.status();
    if (!events.ok()) return seen;
    for (const v1::AuditEvent& e : events->audit_events()) {
      if (absl::StrContains(e.method(), "Team")) {
        seen.push_back(e.method().substr(e.method().find('/') + 1));
      }
    }
    return seen;
  };
  v1::ListAuditEventsRequest by_org;
  by_org.set_organisation("organisations/org-b");
  v1::ListAuditEventsRequest by_expert;
  by_expert.set_resource("experts/exp-b");
  std::vector<std::string> of_org, of_expert;
  const absl::Time limit = absl::Now() + absl::Seconds(10);
  for (;;) {  // written asynchronously: poll
    of_org = methods(by_org);
    of_expert = methods(by_expert);
    if ((absl::c_linear_search(of_org, "AddTeamMember") &&
         absl::c_linear_search(of_org, "UpdateTeam") &&
         absl::c_linear_search(of_expert, "UpdateTeam")) ||
        absl::Now() > limit) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(of_org, Contains("AddTeamMember"));
  EXPECT_THAT(of_org, Contains("UpdateTeam"));
  EXPECT_THAT(of_expert, Contains("AddTeamMember"));
  EXPECT_THAT(of_expert, Contains("UpdateTeam"));
}

// With Redis down, a caller who is not an admin is told the database cannot
// be reached, not its address and error (a security review: another
// organisation's reader learned the internal Redis host and port); admins
// still see them.
TEST_F(RegistryAccessTest, TheDatabasesAddressIsForAdminsOnly) {
  v1::ListExpertsRequest list;
  ASSERT_TRUE(
      Call<v1::ListExpertsResponse>(*stub_, &Stub::ListExperts, list, reader_b_).ok());
  ASSERT_TRUE(redis_->Stop().ok());
  const absl::Status reader =
      Call<v1::ListExpertsResponse>(*stub_, &Stub::ListExperts, list, reader_b_).status();
  const absl::Status admin =
      Call<v1::ListExpertsResponse>(*stub_, &Stub::ListExperts, list, kAdminToken)
          .status();
  ASSERT_TRUE(redis_->Start().ok());
  EXPECT_EQ(reader.code(), absl::StatusCode::kUnavailable) << reader;
  const std::string port = absl::StrCat(redis_->port());
  EXPECT_THAT(std::string(reader.message()), Not(HasSubstr(port))) << reader;
  EXPECT_THAT(std::string(reader.message()), HasSubstr("cannot reach its database"))
      << reader;
  EXPECT_EQ(admin.code(), absl::StatusCode::kUnavailable) << admin;
  EXPECT_THAT(std::string(admin.message()), HasSubstr(port)) << admin;
}

// While the audit log cannot be written (Redis at maxmemory), personal data
// is withheld from callers who are not admins, with a trailer saying why, so
// that nothing personal is read unrecorded (a fault review: 50 reads were
// served and their events lost at shutdown), also what an expert of another
// organisation shares with every agency (a security review: it was still
// served, under the trailer saying it was withheld); once the log is written
// again, they read it again. Admins (the matching services' followers) still
// read it.
TEST_F(RegistryAccessTest, PersonalDataIsWithheldWhileTheAuditLogCannotBeWritten) {
  {
    v1::UpdateExpertRequest share;
    share.mutable_expert()->set_name("experts/exp-b");
    share.mutable_expert()->set_share_contact_details(true);
    share.mutable_update_mask()->add_paths("share_contact_details");
    ASSERT_TRUE(Call<v1::Expert>(*stub_, &Stub::UpdateExpert, share, kAdminToken).ok());
  }
  v1::GetExpertRequest get;
  get.set_name("experts/exp-a");
  auto read_named = [&](const std::string& name, const std::string& token,
                        std::string* withheld) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    v1::Expert expert;
    v1::GetExpertRequest get;
    get.set_name(name);
    const grpc::Status s = stub_->GetExpert(&ctx, get, &expert);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (withheld != nullptr) {
      auto it = ctx.GetServerTrailingMetadata().find("samenspel-personal-data-withheld");
      *withheld = it == ctx.GetServerTrailingMetadata().end()
                      ? ""
                      : std::string(it->second.data(), it->second.size());
    }
    return expert;
  };
  auto listed_emails = [&](const std::string& token) {
    v1::ListExpertsRequest list;
    list.set_organisation("organisations/org-b");
    auto r = Call<v1::ListExpertsResponse>(*stub_, &Stub::ListExperts, list, token);
    EXPECT_TRUE(r.ok()) << r.status();
    std::string emails;
    if (r.ok()) {
      for (const v1::Expert& e : r->experts())
        absl::StrAppend(&emails, e.email(), e.bio());
    }
    return emails;
  };
  auto read = [&](const std::string& token, std::string* withheld) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    v1::Expert expert;
    const grpc::Status s = stub_->GetExpert(&ctx, get, &expert);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (withheld != nullptr) {
      auto it = ctx.GetServerTrailingMetadata().find("samenspel-personal-data-withheld");
      *withheld = it == ctx.GetServerTrailingMetadata().end()
                      ? ""
                      : std::string(it->second.data(), it->second.size());
    }
    return expert;
  };
  std::string withheld;
  ASSERT_EQ(read(reader_a_, &withheld).email(), "exp-a@example.nl");
  EXPECT_EQ(withheld, "");
  ASSERT_EQ(read_named("experts/exp-b", reader_a_, nullptr).email(), "exp-b@example.nl");
  ASSERT_THAT(listed_emails(reader_a_), HasSubstr("exp-b@example.nl"));
  ASSERT_TRUE(redis_->Command({"CONFIG", "SET", "maxmemory", "1"}).ok());
  // An audited call, and the writer's next try fails.
  v1::Expert readback;
  const absl::Time limit = absl::Now() + absl::Seconds(10);
  do {
    readback = read(reader_a_, &withheld);
    if (readback.email().empty()) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < limit);
  EXPECT_EQ(readback.email(), "");
  EXPECT_EQ(readback.bio(), "");
  EXPECT_EQ(readback.display_name(), "Expert exp-a");
  EXPECT_THAT(withheld, HasSubstr("audit log"));
  EXPECT_EQ(read(kAdminToken, nullptr).email(), "exp-a@example.nl");
  // What exp-b shares with every agency: neither read nor listed now.
  const v1::Expert shared = read_named("experts/exp-b", reader_a_, &withheld);
  EXPECT_EQ(shared.email(), "");
  EXPECT_EQ(shared.bio(), "");
  EXPECT_THAT(withheld, HasSubstr("audit log"));
  EXPECT_EQ(listed_emails(reader_a_), "");
  EXPECT_EQ(read_named("experts/exp-b", kAdminToken, nullptr).email(),
            "exp-b@example.nl");
  // The change feed withholds it too: exp-a's create, watched from the start.
  auto watched_email = [&](const std::string& token) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    auto stream = stub_->WatchChanges(&ctx, v1::WatchChangesRequest());
    v1::Change change;
    std::string email = "(no change of experts/exp-a)";
    while (stream->Read(&change)) {
      if (change.expert().name() == "experts/exp-a") {
        email = change.expert().email();
        break;
      }
    }
    ctx.TryCancel();
    return email;
  };
  EXPECT_EQ(watched_email(reader_a_), "");
  EXPECT_EQ(watched_email(kAdminToken), "exp-a@example.nl");
  ASSERT_TRUE(redis_->Command({"CONFIG", "SET", "maxmemory", "0"}).ok());
  do {
    readback = read(reader_a_, &withheld);
    if (!readback.email().empty()) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < limit + absl::Seconds(10));
  EXPECT_EQ(readback.email(), "exp-a@example.nl");
  EXPECT_EQ(read_named("experts/exp-b", reader_a_, nullptr).email(), "exp-b@example.nl");
}

TEST_F(RegistryAccessTest, RateLimitPerPrincipal) {
  auto limited = Start({"--rate_limit=2", "--rate_burst=5"});
  ASSERT_NE(limited, nullptr);
  auto stub = v1::RegistryService::NewStub(limited->Channel());
  int exhausted = 0;
  for (int i = 0; i < 20; ++i) {
    absl::Status s =
        Call<v1::ListOrganisationsResponse>(*stub, &Stub::ListOrganisations,
                                            v1::ListOrganisationsRequest(), reader_a_)
            .status();
    if (absl::IsResourceExhausted(s)) ++exhausted;
  }
  EXPECT_GE(exhausted, 10);
  // Admins are not limited; other principals have their own bucket.
  EXPECT_TRUE(Call<v1::ListOrganisationsResponse>(*stub, &Stub::ListOrganisations,
                                                  v1::ListOrganisationsRequest(),
                                                  reader_b_)
                  .ok());
}

// Every value in Redis, as text: strings, hashes, sets, sorted sets, streams.
std::string DumpRedis(const std::string& address) {
  RedisConnectOptions options;
  options.host = "127.0.0.1";
  options.port = std::stoi(address.substr(address.rfind(':') + 1));
  auto conn = RedisConnection::Connect(options);
  if (!conn.ok()) return "cannot connect: " + std::string(conn.status().message());
  std::string dump;
  std::function<void(const redisReply&)> append = [&](const redisReply& r) {
    if (r.type == REDIS_REPLY_STRING || r.type == REDIS_REPLY_STATUS) {
      dump.append(r.str, r.len);
      dump += "\n";
    }
    for (size_t i = 0; r.type == REDIS_REPLY_ARRAY && i < r.elements; ++i) {
      append(*r.element[i]);
    }
  };
  if (!(*conn)->Command({"CONFIG", "SET", "rdbcompression", "no"}).ok()) {
    return "CONFIG SET failed";
  }
  std::string cursor = "0";
  do {
    auto page = (*conn)->Command({"SCAN", cursor, "COUNT", "1000"});
    if (!page.ok()) return "SCAN failed";
    cursor.assign((*page)->element[0]->str, (*page)->element[0]->len);
    const redisReply& keys = *(*page)->element[1];
    for (size_t i = 0; i < keys.elements; ++i) {
      const std::string key(keys.element[i]->str, keys.element[i]->len);
      dump += "== " + key + "\n";
      auto type = (*conn)->Command({"TYPE", key});
      const std::string t = type.ok() ? std::string((*type)->str) : "";
      absl::StatusOr<RedisReply> value;
      if (t == "string") value = (*conn)->Command({"GET", key});
      if (t == "hash") value = (*conn)->Command({"HGETALL", key});
      if (t == "set") value = (*conn)->Command({"SMEMBERS", key});
      if (t == "zset") value = (*conn)->Command({"ZRANGE", key, "0", "-1"});
      if (t == "list") value = (*conn)->Command({"LRANGE", key, "0", "-1"});
      if (t == "stream") value = (*conn)->Command({"XRANGE", key, "-", "+"});
      if (value.ok()) append(**value);
      // And as an RDB file or AOF rewrite holds it, uncompressed: what Redis
      // keeps in memory, also of what no command returns any more (an
      // XDEL'd stream entry stays in its node until the whole node goes).
      if (auto raw = (*conn)->Command({"DUMP", key}); raw.ok()) append(**raw);
    }
  } while (cursor != "0");
  return dump;
}

TEST_F(RegistryAccessTest, DeleteExpertErasesThePersonFromRedis) {
  const std::string name = "Anna Vermeulen-Uitwis";
  const std::string email = "anna.vermeulen@gemeente-a.example";
  const std::string bio = "Specialist grondbeleid sinds 2009, woont in Zwolle";
  v1::CreateExpertRequest create;
  create.set_expert_id("e-7");
  create.set_request_id("import-7");
  v1::Expert* e = create.mutable_expert();
  e->set_display_name(name);
  e->set_organisation("organisations/org-a");
  e->set_email(email);
  e->set_bio(bio);
  e->set_job_title("Senior adviseur grondzaken");
  ASSERT_TRUE(Call<v1::Expert>(*stub_, &Stub::CreateExpert, create, editor_a_).ok());
  v1::UpdateExpertRequest update;
  update.mutable_expert()->set_name("experts/e-7");
  update.mutable_expert()->set_bio(bio + ", nu ook warmtetransitie");
  update.mutable_update_mask()->add_paths("bio");
  ASSERT_TRUE(Call<v1::Expert>(*stub_, &Stub::UpdateExpert, update, editor_a_).ok());
  v1::AddTeamMemberRequest add;
  add.set_team("teams/team-a");
  add.mutable_member()->set_expert("experts/e-7");
  ASSERT_TRUE(Call<v1::TaskTeam>(*stub_, &Stub::AddTeamMember, add, editor_a_).ok());
  v1::GetExpertRequest get;
  get.set_name("experts/e-7");
  ASSERT_TRUE(Call<v1::Expert>(*stub_, &Stub::GetExpert, get, reader_a_).ok());
  ASSERT_THAT(DumpRedis(redis_->address()), HasSubstr(email));  // the scan sees data

  v1::DeleteExpertRequest del;
  del.set_name("experts/e-7");
  ASSERT_TRUE(
      Call<google::protobuf::Empty>(*stub_, &Stub::DeleteExpert, del, editor_a_).ok());
  // Wait until the delete's audit event is stored, so the scan includes it.
  v1::ListAuditEventsRequest audit;
  audit.set_resource("experts/e-7");
  const absl::Time limit = absl::Now() + absl::Seconds(10);
  for (;;) {
    auto events = Call<v1::ListAuditEventsResponse>(
        *access_, &AccessStub::ListAuditEvents, audit, kAdminToken);
    ASSERT_TRUE(events.ok()) << events.status();
    if (!events->audit_events().empty() &&
        absl::EndsWith(events->audit_events(0).method(), "/DeleteExpert")) {
      break;
    }
    ASSERT_LT(absl::Now(), limit) << "no audit event of the delete";
    absl::SleepFor(absl::Milliseconds(50));
  }
  const std::string dump = DumpRedis(redis_->address());
  for (const std::string& personal :
       {name, email, bio, std::string("Vermeulen"), std::string("grondzaken")}) {
    const size_t at = dump.find(personal);
    if (at != std::string::npos) {
      const size_t key = dump.rfind("\n== ", at);
      ADD_FAILURE() << personal << " is still in Redis, in key "
                    << dump.substr(key + 4, dump.find('\n', key + 1) - key - 4);
    }
  }
  // The feed kept its order and revisions: earlier changes are REDACTED.
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + kAdminToken);
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::WatchChangesRequest watch;
  auto reader = stub_->WatchChanges(&ctx, watch);
  v1::Change change;
  int64_t last = 0;
  int redacted = 0;
  while (reader->Read(&change)) {
    EXPECT_EQ(change.revision(), last + 1);
    last = change.revision();
    if (change.name() == "experts/e-7") {
      EXPECT_EQ(change.has_expert(), false) << change.DebugString();
      if (change.type() == v1::Change::REDACTED) ++redacted;
      if (change.type() == v1::Change::DELETED) break;
    }
  }
  ctx.TryCancel();
  EXPECT_EQ(redacted, 2);  // the create and the update
}

// Another service (samenspel-matching) accepts the registry's tokens through
// RegistryAuthenticator: here a stand-in service answers GetCallerIdentity
// with what the authenticator says.
class IdentityEcho final : public v1::AccessService::Service {
 public:
  explicit IdentityEcho(RegistryAuthenticator* auth) : auth_(auth) {}
  grpc::Status GetCallerIdentity(grpc::ServerContext* ctx,
                                 const v1::GetCallerIdentityRequest*,
                                 v1::Principal* out) override {
    absl::StatusOr<v1::Principal> p = auth_->Authenticate(*ctx);
    if (!p.ok()) return ToGrpcStatus(p.status());
    *out = *p;
    return grpc::Status::OK;
  }

 private:
  RegistryAuthenticator* auth_;
};

TEST_F(RegistryAccessTest, OtherServicesCheckTokensWithTheRegistry) {
  RegistryAuthenticatorOptions options;
  options.cache_ttl = absl::Milliseconds(100);
  RegistryAuthenticator auth(registry_->Channel(), kAdminToken, options);
  IdentityEcho echo(&auth);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&echo);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  auto stub = v1::AccessService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  auto who = [&](const std::string& token) {
    return Call<v1::Principal>(*stub, &AccessStub::GetCallerIdentity,
                               v1::GetCallerIdentityRequest(), token);
  };
  auto editor = who(editor_a_);
  ASSERT_TRUE(editor.ok()) << editor.status();
  EXPECT_EQ(editor->organisation(), "organisations/org-a");
  EXPECT_EQ(editor->role(), v1::ROLE_EDITOR);
  EXPECT_TRUE(absl::IsUnauthenticated(who("").status()));
  EXPECT_TRUE(absl::IsUnauthenticated(who("sst.0123456789abcdef.nope").status()));

  // Revoked at the registry: refused here once the short cache has expired.
  v1::RevokeAccessTokenRequest revoke;
  revoke.set_name(editor->subject());
  ASSERT_TRUE(
      Call<v1::AccessToken>(*access_, &AccessStub::RevokeAccessToken, revoke, kAdminToken)
          .ok());
  absl::Status s;
  const absl::Time limit = absl::Now() + absl::Seconds(10);
  do {
    s = who(editor_a_).status();
    if (absl::IsUnauthenticated(s)) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < limit);
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  server->Shutdown(absl::ToChronoTime(absl::Now()));
}

// Mutual TLS: an OIN in the client certificate's subject serialNumber makes
// the organisation's principal.
class RegistryMutualTlsTest : public ::testing::Test {
 protected:
  static void Openssl(const std::string& dir, std::vector<std::string> args) {
    std::string command = "cd '" + dir + "' && openssl";
    for (const std::string& a : args) absl::StrAppend(&command, " '", a, "'");
    absl::StrAppend(&command, " 2>/dev/null");
    auto p = test_support::Subprocess::Start({"/bin/sh", "-c", command});
    ASSERT_TRUE(p.ok()) << p.status();
    auto exit = (*p)->Wait(absl::Seconds(60));
    ASSERT_TRUE(exit.ok() && *exit == 0) << command;
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // The test CA (ca.crt, ca.key) and the server's certificate for
  // localhost and 127.0.0.1 (server.crt, server.key), in `dir`.
  static void MakeCaAndServerCert(const std::string& dir) {
    Openssl(dir, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                  "-out", "ca.crt", "-days", "2", "-subj", "/CN=Samenspel test CA"});
    MakeCert(dir, "server", "/CN=localhost",
             "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  }
  // A key and a certificate signed by the test CA, with `subject`.
  static void MakeCert(const std::string& dir, const std::string& name,
                       const std::string& subject, const std::string& ext) {
    Openssl(dir, {"req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
                  "-out", name + ".csr", "-subj", subject});
    WriteFile(dir + "/" + name + ".ext", ext);
    Openssl(dir, {"x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey",
                  "ca.key", "-CAcreateserial", "-days", "2", "-out", name + ".crt",
                  "-extfile", name + ".ext"});
  }
};

TEST_F(RegistryMutualTlsTest, OinInClientCertificateNamesTheOrganisation) {
  const test_support::TempDir temp_dir("samenspel-access");
  const std::string& dir = temp_dir.path();
  MakeCaAndServerCert(dir);
  const std::string admin_oin = "00000001003214345000";
  const std::string agency_oin = "00000001001234567000";
  MakeCert(dir, "admin", "/CN=beheer/serialNumber=" + admin_oin, "");
  MakeCert(dir, "agency", "/CN=gemeente/serialNumber=" + agency_oin, "");
  MakeCert(dir, "stranger", "/CN=onbekend/serialNumber=00000009999999999000", "");

  auto redis = RedisServer::Create(RedisServerOptions{});
  ASSERT_TRUE(redis.ok());
  auto registry = ServiceProcess::Start(
      SAMENSPEL_REGISTRY_BINARY,
      {"--redis=" + (*redis)->address(), "--tls_cert=" + dir + "/server.crt",
       "--tls_key=" + dir + "/server.key", "--client_ca=" + dir + "/ca.crt",
       "--admin_oins=" + admin_oin, "--tls_reload_interval=1s"});
  ASSERT_TRUE(registry.ok()) << registry.status();
  auto channel_for = [&](const std::string& name) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = Read(dir + "/ca.crt");
    if (!name.empty()) {
      ssl.pem_private_key = Read(dir + "/" + name + ".key");
      ssl.pem_cert_chain = Read(dir + "/" + name + ".crt");
    }
    return grpc::CreateChannel((*registry)->address(), grpc::SslCredentials(ssl));
  };
  auto whoami = [&](const std::string& name) {
    auto stub = v1::AccessService::NewStub(channel_for(name));
    const absl::Time limit = absl::Now() + absl::Seconds(10);
    absl::StatusOr<v1::Principal> p;
    do {  // the registry may still be starting
      p = Call<v1::Principal>(*stub, &AccessStub::GetCallerIdentity,
                              v1::GetCallerIdentityRequest(), "");
      if (!absl::IsUnavailable(p.status())) break;
      absl::SleepFor(absl::Milliseconds(100));
    } while (absl::Now() < limit);
    return p;
  };
  auto admin = whoami("admin");
  ASSERT_TRUE(absl::IsUnauthenticated(admin.status())) << admin.status();  // no org yet

  // Register the organisations with their OINs, through a second, open
  // registry over the same Redis (a bootstrap admin token would do as well).
  auto bootstrap = ServiceProcess::Start(
      SAMENSPEL_REGISTRY_BINARY, {"--insecure", "--redis=" + (*redis)->address()});
  ASSERT_TRUE(bootstrap.ok());
  ASSERT_TRUE((*bootstrap)->WaitForHealth("SERVING", absl::Seconds(10)));
  auto open_stub = v1::RegistryService::NewStub((*bootstrap)->Channel());
  for (const auto& [id, oin] : std::map<std::string, std::string>{
           {"beheer", admin_oin}, {"gemeente", agency_oin}}) {
    v1::CreateOrganisationRequest req;
    req.set_organisation_id(id);
    req.mutable_organisation()->set_display_name(id);
    req.mutable_organisation()->set_layer(type::GOVERNMENT_LAYER_MUNICIPAL);
    req.mutable_organisation()->set_oin(oin);
    ASSERT_TRUE(
        Call<v1::Organisation>(*open_stub, &Stub::CreateOrganisation, req, "").ok());
  }
  // Identities are cached for up to 5 s (the negative answer above too).
  const absl::Time limit = absl::Now() + absl::Seconds(15);
  do {
    admin = whoami("admin");
    if (admin.ok()) break;
    absl::SleepFor(absl::Milliseconds(250));
  } while (absl::Now() < limit);
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->role(), v1::ROLE_ADMIN);
  EXPECT_EQ(admin->subject(), "oin/" + admin_oin);
  auto agency = whoami("agency");
  ASSERT_TRUE(agency.ok()) << agency.status();
  EXPECT_EQ(agency->organisation(), "organisations/gemeente");
  EXPECT_EQ(agency->role(), v1::ROLE_EDITOR);
  EXPECT_TRUE(absl::IsUnauthenticated(whoami("stranger").status()));
  // No certificate and no token: refused.
  EXPECT_TRUE(absl::IsUnauthenticated(whoami("").status()));

  // The agency edits its own organisation's experts, not others'.
  auto stub = v1::RegistryService::NewStub(channel_for("agency"));
  v1::CreateExpertRequest req;
  req.set_expert_id("eigen");
  req.mutable_expert()->set_display_name("Eigen expert");
  req.mutable_expert()->set_organisation("organisations/gemeente");
  EXPECT_TRUE(Call<v1::Expert>(*stub, &Stub::CreateExpert, req, "").ok());
  req.set_expert_id("vreemd");
  req.mutable_expert()->set_organisation("organisations/beheer");
  EXPECT_TRUE(absl::IsPermissionDenied(
      Call<v1::Expert>(*stub, &Stub::CreateExpert, req, "").status()));

  // Certificate renewal without a restart: a server certificate from a new
  // CA replaces the files; clients trusting only the new CA get through once
  // the registry has reloaded them.
  Openssl(dir, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca2.key",
                "-out", "ca2.crt", "-days", "2", "-subj", "/CN=Samenspel test CA 2"});
  Openssl(dir, {"req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server2.key", "-out",
                "server2.csr", "-subj", "/CN=localhost"});
  Openssl(dir, {"x509", "-req", "-in", "server2.csr", "-CA", "ca2.crt", "-CAkey",
                "ca2.key", "-CAcreateserial", "-days", "2", "-out", "server2.crt",
                "-extfile", "server.ext"});
  auto new_ca_health = [&] {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = Read(dir + "/ca2.crt");
    auto stub = v1::AccessService::NewStub(
        grpc::CreateChannel((*registry)->address(), grpc::SslCredentials(ssl)));
    return Call<v1::Principal>(*stub, &AccessStub::GetCallerIdentity,
                               v1::GetCallerIdentityRequest(), "")
        .status();
  };
  EXPECT_TRUE(absl::IsUnavailable(new_ca_health()));  // the old certificate
  // Key first, then certificate, each replaced atomically by rename.
  ASSERT_EQ(std::rename((dir + "/server2.key").c_str(), (dir + "/server.key").c_str()),
            0);
  ASSERT_EQ(std::rename((dir + "/server2.crt").c_str(), (dir + "/server.crt").c_str()),
            0);
  absl::Status renewed;
  const absl::Time reload_limit = absl::Now() + absl::Seconds(15);
  do {
    renewed = new_ca_health();
    // Without a client certificate or token the handshake succeeds and the
    // call is refused: UNAUTHENTICATED means the new certificate is served.
    if (absl::IsUnauthenticated(renewed)) break;
    absl::SleepFor(absl::Milliseconds(250));
  } while (absl::Now() < reload_limit);
  EXPECT_TRUE(absl::IsUnauthenticated(renewed)) << renewed;
}

// Kubernetes' grpc probes speak no TLS: --health_listen serves health's
// Check, and only that, in plaintext on a port of its own beside the TLS
// port, with the service's own state (Redis down and back).
TEST_F(RegistryMutualTlsTest, HealthChecksInPlaintextOnAPortOfTheirOwn) {
  const test_support::TempDir temp_dir("samenspel-health");
  const std::string& dir = temp_dir.path();
  MakeCaAndServerCert(dir);
  auto redis = RedisServer::Create(RedisServerOptions{});
  ASSERT_TRUE(redis.ok()) << redis.status();
  absl::StatusOr<int> health_port = test_support::FreePort();
  ASSERT_TRUE(health_port.ok());
  const std::string health_address = absl::StrCat("127.0.0.1:", *health_port);
  auto registry = ServiceProcess::Start(
      SAMENSPEL_REGISTRY_BINARY,
      {"--redis=" + (*redis)->address(), "--tls_cert=" + dir + "/server.crt",
       "--tls_key=" + dir + "/server.key", "--health_listen=" + health_address});
  ASSERT_TRUE(registry.ok()) << registry.status();

  auto probe = grpc::CreateChannel(health_address, grpc::InsecureChannelCredentials());
  auto check = [&](const std::string& service) {
    return test_support::CheckHealth(*health_port, probe, service);
  };
  auto wait_for = [&](absl::string_view status, absl::Duration timeout) {
    test_support::WaitUntil([&] { return check("") == status; }, timeout);
    return check("");
  };
  EXPECT_EQ(wait_for("SERVING", absl::Seconds(10)), "SERVING");
  EXPECT_EQ(check("samenspel.registry.v1.RegistryService"), "SERVING");
  EXPECT_EQ(check("samenspel.registry.v1.AccessService"), "SERVING");
  // Nothing but health's Check there: no call reaches the registry in
  // plaintext, nor server reflection (which the TLS port serves), nor Watch
  // streams (a thread each).
  for (const char* method :
       {"/samenspel.registry.v1.RegistryService/ListExperts",
        "/samenspel.registry.v1.AccessService/GetCallerIdentity",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        "/grpc.health.v1.Health/Watch"}) {
    EXPECT_EQ(test_support::RawCall(probe, method).error_code(),
              grpc::StatusCode::UNIMPLEMENTED)
        << method;
  }
  // The service's own port speaks TLS only: a plaintext probe fails there.
  EXPECT_THAT((*registry)->Health(), HasSubstr("error"));

  // The probe port tells the service's state: Redis gone, then back.
  ASSERT_TRUE((*redis)->Kill().ok());
  EXPECT_EQ(wait_for("NOT_SERVING", absl::Seconds(10)), "NOT_SERVING");
  ASSERT_TRUE((*redis)->Start().ok());
  EXPECT_EQ(wait_for("SERVING", absl::Seconds(15)), "SERVING");

  // A renewed certificate that is no certificate (every handshake would
  // fail): NOT_SERVING until a good one is back.
  const std::string good = Read(dir + "/server.crt");
  WriteFile(dir + "/server.crt", "not a certificate\n");
  EXPECT_EQ(wait_for("NOT_SERVING", absl::Seconds(10)), "NOT_SERVING");
  WriteFile(dir + "/server.crt", good);
  EXPECT_EQ(wait_for("SERVING", absl::Seconds(10)), "SERVING");

  ASSERT_TRUE((*registry)->Stop().ok());
}

// TLS files that do not hold a certificate and its key stop the registry
// at its start, saying which (it served, health SERVING, and failed every
// handshake: an operator's review).
TEST_F(RegistryMutualTlsTest, TlsFilesThatDoNotFitStopItAtOnce) {
  const test_support::TempDir temp_dir("samenspel-badtls");
  const std::string& dir = temp_dir.path();
  MakeCaAndServerCert(dir);
  MakeCert(dir, "other", "/CN=other", "");
  WriteFile(dir + "/garbage.pem", "not a certificate\n");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--tls_cert=" + dir + "/server.crt", "--tls_key=" + dir + "/other.key"},
       "is not the key of the certificate"},
      {{"--tls_cert=" + dir + "/garbage.pem", "--tls_key=" + dir + "/server.key"},
       "holds no PEM certificate"},
      {{"--tls_cert=" + dir + "/server.crt", "--tls_key=" + dir + "/garbage.pem"},
       "holds no PEM private key"},
      {{"--tls_cert=" + dir + "/server.crt", "--tls_key=" + dir + "/server.key",
        "--client_ca=" + dir + "/garbage.pem"},
       "--client_ca"},
      // A file that is not there: which flag named it (it said only "cannot
      // read /nonexist").
      {{"--tls_cert=" + dir + "/nonexist", "--tls_key=" + dir + "/server.key"},
       "--tls_cert: cannot read " + dir + "/nonexist"},
      {{"--tls_cert=" + dir + "/server.crt", "--tls_key=" + dir + "/server.key",
        "--client_ca=" + dir + "/nonexist"},
       "--client_ca: cannot read"},
  };
  for (const auto& [args, says] : cases) {
    std::vector<std::string> argv = {SAMENSPEL_REGISTRY_BINARY, "--redis=127.0.0.1:1"};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<test_support::Finished> run =
        test_support::RunToEnd(argv, absl::Seconds(20));
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_TRUE(run->Failed()) << says << ": " << run->output;
    EXPECT_THAT(run->output, HasSubstr(says));
  }
}

}  // namespace
}  // namespace samenspel::registry
