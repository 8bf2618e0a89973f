// samenspel-matching with credentials configured, against a real registry
// over Redis: callers authenticate with registry tokens (checked by
// introspection), the follower reads the registry with its own token, and a
// non-admin caller never gets another organisation's experts who did not
// consent to matching.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "samenspel/matching/v1/matching_service.grpc.pb.h"
#include "samenspel/registry/v1/access_service.grpc.pb.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"
#include "tests/support/redis_server.h"
#include "tests/support/service_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace samenspel::matching {
namespace {

namespace rv1 = ::samenspel::registry::v1;
namespace type = ::samenspel::type::v1;
using test_support::RedisServer;
using test_support::ServiceProcess;
using ::testing::Contains;
using ::testing::Not;
using RegistryStub = rv1::RegistryService::Stub;

const std::string kAdminToken = "matching-test-admin-token-0123456789abcdef";

template <typename Response, typename Stub, typename Request, typename Method>
absl::StatusOr<Response> Call(Stub& stub, Method method, const Request& request,
                              const std::string& token) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  ctx.set_wait_for_ready(true);
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  Response response;
  grpc::Status s = (stub.*method)(&ctx, request, &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

class MatchingAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = RedisServer::Create();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    const std::string token_file = dir_.File("admin-token");
    std::ofstream(token_file) << kAdminToken << "\n";
    auto registry = ServiceProcess::Start(SAMENSPEL_REGISTRY_BINARY,
                                          {"--insecure", "--redis=" + redis_->address(),
                                           "--admin_token_file=" + token_file});
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
    ASSERT_TRUE(registry_->WaitForHealth("SERVING", absl::Seconds(10)));
    registry_stub_ = rv1::RegistryService::NewStub(registry_->Channel());
    access_stub_ = rv1::AccessService::NewStub(registry_->Channel());
    for (const char* org : {"org-a", "org-b"}) {
      rv1::CreateOrganisationRequest req;
      req.set_organisation_id(org);
      req.mutable_organisation()->set_display_name(org);
      req.mutable_organisation()->set_layer(type::GOVERNMENT_LAYER_MUNICIPAL);
      ASSERT_TRUE(Call<rv1::Organisation>(*registry_stub_,
                                          &RegistryStub::CreateOrganisation, req,
                                          kAdminToken)
                      .ok());
    }
    // Matching reads the registry with the admin token, and accepts it too.
    auto matching = ServiceProcess::Start(
        SAMENSPEL_MATCHING_BINARY,
        {"--insecure", "--registry=" + registry_->address(),
         "--admin_token_file=" + token_file, "--registry_token_file=" + token_file,
         "--token_cache_ttl=100ms"});
    ASSERT_TRUE(matching.ok()) << matching.status();
    matching_ = *std::move(matching);
    matching_stub_ = v1::MatchingService::NewStub(matching_->Channel());
  }

  std::string IssueToken(const std::string& org, rv1::Role role,
                         absl::Duration ttl = absl::Hours(1)) {
    rv1::CreateAccessTokenRequest req;
    req.mutable_access_token()->set_organisation("organisations/" + org);
    req.mutable_access_token()->set_role(role);
    *req.mutable_access_token()->mutable_expire_time() =
        google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
            absl::ToUnixMillis(absl::Now() + ttl));
    auto r = Call<rv1::CreateAccessTokenResponse>(
        *access_stub_, &rv1::AccessService::Stub::CreateAccessToken, req, kAdminToken);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->secret() : "";
  }

  // Another matching service, following the registry with the token in
  // `token_file`; matching_stub_ talks to it from then on.
  std::unique_ptr<ServiceProcess> StartMatching(const std::string& token_file,
                                                std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--insecure", "--registry=" + registry_->address(),
                                     "--registry_token_file=" + token_file};
    args.insert(args.end(), extra.begin(), extra.end());
    auto matching = ServiceProcess::Start(SAMENSPEL_MATCHING_BINARY, args);
    EXPECT_TRUE(matching.ok()) << matching.status();
    if (!matching.ok()) return nullptr;
    EXPECT_TRUE((*matching)->WaitForHealth("SERVING", absl::Seconds(20)));
    matching_stub_ = v1::MatchingService::NewStub((*matching)->Channel());
    return *std::move(matching);
  }

  int64_t CreateExpert(const std::string& id, const std::string& org, bool consent) {
    rv1::CreateExpertRequest req;
    req.set_expert_id(id);
    rv1::Expert* e = req.mutable_expert();
    e->set_display_name("Expert " + id);
    e->set_organisation("organisations/" + org);
    e->add_skills()->set_name("woningbouw");
    e->mutable_skills(0)->set_level(4);
    e->set_available_hours_per_week(8);
    e->set_consent_to_matching(consent);
    auto r =
        Call<rv1::Expert>(*registry_stub_, &RegistryStub::CreateExpert, req, kAdminToken);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->revision() : 0;
  }

  // Experts matched for a challenge owned by org-a, as `token`.
  absl::StatusOr<std::vector<std::string>> Match(const std::string& token,
                                                 int64_t min_revision) {
    v1::MatchExpertsRequest req;
    req.mutable_challenge()->mutable_inline_()->set_title("woningbouwopgave");
    req.mutable_challenge()->mutable_inline_()->set_owner_organisation(
        "organisations/org-a");
    req.set_min_revision(min_revision);
    auto r = Call<v1::MatchExpertsResponse>(
        *matching_stub_, &v1::MatchingService::Stub::MatchExperts, req, token);
    if (!r.ok()) return r.status();
    std::vector<std::string> names;
    for (const auto& m : r->matches()) names.push_back(m.expert());
    return names;
  }

  test_support::TempDir dir_{"samenspel-matching-access"};
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServiceProcess> registry_;
  std::unique_ptr<ServiceProcess> matching_;
  std::unique_ptr<RegistryStub> registry_stub_;
  std::unique_ptr<rv1::AccessService::Stub> access_stub_;
  std::unique_ptr<v1::MatchingService::Stub> matching_stub_;
};

// The matching service does not send its registry token (nor its callers'
// tokens, which it has the registry check) in plaintext off this machine.
TEST(MatchingStartTest, ARegistryTokenIsNotSentInPlaintextToAnotherMachine) {
  const test_support::TempDir dir("samenspel-matching-access");
  const std::string token_file = dir.File("registry-token");
  std::ofstream(token_file) << std::string(40, 'x') << "\n";
  const std::string start =
      // Bounded: a service that starts anyway is stopped after 10 s (exit 124).
      absl::StrCat("timeout 10 ", SAMENSPEL_MATCHING_BINARY,
                   " --insecure --listen=127.0.0.1:0 "
                   "--registry=192.0.2.7:50051 --registry_token_file=",
                   token_file, " 2>/dev/null");
  const int refused = std::system(start.c_str());
  ASSERT_TRUE(WIFEXITED(refused));
  EXPECT_EQ(WEXITSTATUS(refused), 2);
}

// A service given only a token for the registry (none of its own) is not
// open: its callers authenticate, with the registry checking their tokens.
TEST_F(MatchingAccessTest, ARegistryTokenAloneClosesTheService) {
  const int64_t rev = CreateExpert("private-a", "org-a", /*consent=*/false);
  const std::string token_file = dir_.File("registry-only-token");
  std::ofstream(token_file) << kAdminToken << "\n";
  std::unique_ptr<ServiceProcess> matching = StartMatching(token_file);
  ASSERT_NE(matching, nullptr);
  EXPECT_TRUE(absl::IsUnauthenticated(Match("", rev).status()));
  auto reader = Match(IssueToken("org-a", rv1::ROLE_READER), rev);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_THAT(*reader, Contains("experts/private-a"));
}

// The follower's token decides what the index holds: the registry leaves out
// other organisations' experts' bios for anyone but an admin. The log says
// whom the service follows as, and warns when that is not an admin.
TEST_F(MatchingAccessTest, AFollowerTokenThatIsNotAnAdminsIsWarnedAbout) {
  // What the service logs once it knows, when it follows with `token`.
  auto log_with = [&](const std::string& name, const std::string& token) {
    const std::string token_file = dir_.File(name + "-token");
    std::ofstream(token_file) << token << "\n";
    const std::string log = dir_.File(name + ".log");
    auto matching = test_support::Subprocess::Start(
        {SAMENSPEL_MATCHING_BINARY, "--insecure", "--listen=127.0.0.1:0",
         "--registry=" + registry_->address(), "--registry_token_file=" + token_file},
        {.output_path = log});
    EXPECT_TRUE(matching.ok()) << matching.status();
    auto read = [&] {
      std::ifstream in(log);
      return std::string(std::istreambuf_iterator<char>(in), {});
    };
    test_support::WaitUntil(
        [&] { return read().find("following the registry as") != std::string::npos; },
        absl::Seconds(20));
    return read();
  };
  const std::string reader = log_with("reader", IssueToken("org-a", rv1::ROLE_READER));
  EXPECT_THAT(reader, ::testing::HasSubstr("following the registry as"));
  EXPECT_THAT(reader, ::testing::HasSubstr("(ROLE_READER, organisations/org-a)"));
  EXPECT_THAT(reader,
              ::testing::HasSubstr("ERROR: --registry_token_file's token is not"));
  const std::string admin = log_with("admin", kAdminToken);
  EXPECT_THAT(admin, ::testing::HasSubstr("following the registry as"));
  EXPECT_THAT(admin, ::testing::HasSubstr("ROLE_ADMIN"));
  EXPECT_THAT(admin, Not(::testing::HasSubstr("--registry_token_file's token is not")));
}

// A registry token that is not an admin's cannot have callers' credentials
// checked: every caller is refused. The service says so (INTERNAL, not
// "retry", and not the caller's fault) and stays NOT_SERVING (an operator
// review: it was SERVING, and every call said "retry").
TEST_F(MatchingAccessTest, AFollowerTokenThatIsNotAnAdminsServesNoOne) {
  const int64_t rev = CreateExpert("open-a", "org-a", /*consent=*/true);
  const std::string token_file = dir_.File("reader-token");
  std::ofstream(token_file) << IssueToken("org-a", rv1::ROLE_READER) << "\n";
  auto matching = ServiceProcess::Start(
      SAMENSPEL_MATCHING_BINARY, {"--insecure", "--registry=" + registry_->address(),
                                  "--registry_token_file=" + token_file});
  ASSERT_TRUE(matching.ok()) << matching.status();
  matching_stub_ = v1::MatchingService::NewStub((*matching)->Channel());
  const std::string caller = IssueToken("org-b", rv1::ROLE_READER);
  absl::Status s;
  test_support::WaitUntil(
      [&] {
        s = Match(caller, rev).status();
        return !absl::IsUnavailable(s);  // not while the service starts
      },
      absl::Seconds(20));
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_EQ(samenspel::ReasonOf(s), "SERVICE_CREDENTIAL_NOT_ADMIN") << s;
  EXPECT_THAT(s.message(), ::testing::HasSubstr("not the caller's")) << s;
  EXPECT_THAT(s.message(), Not(::testing::HasSubstr(registry_->address()))) << s;
  // An admin's token would be SERVING within a second or two.
  EXPECT_FALSE((*matching)->WaitForHealth("SERVING", absl::Seconds(5)));
}

// When the registry refuses the service's own token, callers are not told
// that theirs is bad (and to get a new one): the service cannot check
// credentials now, UNAVAILABLE, without the registry's address.
TEST_F(MatchingAccessTest, ItsOwnTokenRevokedIsNotTheCallersFault) {
  const int64_t rev = CreateExpert("open-a", "org-a", /*consent=*/true);
  const std::string own_token = IssueToken("org-a", rv1::ROLE_ADMIN);
  const std::string token_file = dir_.File("own-token");
  std::ofstream(token_file) << own_token << "\n";
  std::unique_ptr<ServiceProcess> matching =
      StartMatching(token_file, {"--token_cache_ttl=100ms"});
  ASSERT_NE(matching, nullptr);
  const std::string reader = IssueToken("org-a", rv1::ROLE_READER);
  ASSERT_TRUE(Match(reader, rev).ok());

  rv1::GetCallerIdentityRequest who;
  auto principal = Call<rv1::Principal>(
      *access_stub_, &rv1::AccessService::Stub::GetCallerIdentity, who, own_token);
  ASSERT_TRUE(principal.ok()) << principal.status();
  rv1::RevokeAccessTokenRequest revoke;
  revoke.set_name(principal->subject());
  ASSERT_TRUE(Call<rv1::AccessToken>(*access_stub_,
                                     &rv1::AccessService::Stub::RevokeAccessToken, revoke,
                                     kAdminToken)
                  .ok());
  absl::SleepFor(absl::Milliseconds(300));  // past the token cache
  const absl::Status s = Match(reader, rev).status();
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), Not(::testing::HasSubstr(registry_->address())));
}

// A token checked with the registry is not taken from the cache past its
// expiry, however long the cache keeps answers.
TEST_F(MatchingAccessTest, ACachedTokenStopsWorkingWhenItExpires) {
  const int64_t rev = CreateExpert("open-a", "org-a", /*consent=*/true);
  const std::string token_file = dir_.File("admin-token");
  std::unique_ptr<ServiceProcess> matching =
      StartMatching(token_file, {"--token_cache_ttl=60s"});
  ASSERT_NE(matching, nullptr);
  const absl::Time expires = absl::Now() + absl::Seconds(2);
  const std::string reader = IssueToken("org-a", rv1::ROLE_READER, absl::Seconds(2));
  ASSERT_TRUE(Match(reader, rev).ok());
  absl::SleepFor(expires + absl::Milliseconds(300) - absl::Now());
  const absl::Status s = Match(reader, rev).status();
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
}

TEST_F(MatchingAccessTest, CallersAuthenticateAndConsentFollowsTheirOrganisation) {
  CreateExpert("open-a", "org-a", /*consent=*/true);
  const int64_t rev = CreateExpert("private-a", "org-a", /*consent=*/false);
  const std::string reader_a = IssueToken("org-a", rv1::ROLE_READER);
  const std::string reader_b = IssueToken("org-b", rv1::ROLE_READER);

  // The follower got the experts through its own token.
  auto admin = Match(kAdminToken, rev);
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_THAT(*admin, Contains("experts/private-a"));  // an org-a challenge

  auto own = Match(reader_a, rev);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_THAT(*own, Contains("experts/private-a"));
  // Org-b names org-a as the owner, but matches on its own behalf.
  auto other = Match(reader_b, rev);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_THAT(*other, Contains("experts/open-a"));
  EXPECT_THAT(*other, Not(Contains("experts/private-a")));

  EXPECT_TRUE(absl::IsUnauthenticated(Match("", rev).status()));
  // SuggestTeam and MatchTeams: the same rules.
  for (const std::string& token : {std::string(""), reader_b}) {
    v1::SuggestTeamRequest suggest;
    suggest.mutable_challenge()->mutable_inline_()->set_title("woningbouwopgave");
    suggest.mutable_challenge()->mutable_inline_()->set_owner_organisation(
        "organisations/org-a");
    suggest.set_team_size(2);
    auto team = Call<v1::SuggestTeamResponse>(
        *matching_stub_, &v1::MatchingService::Stub::SuggestTeam, suggest, token);
    v1::MatchTeamsRequest teams;
    teams.mutable_challenge()->mutable_inline_()->set_title("woningbouwopgave");
    auto similar = Call<v1::MatchTeamsResponse>(
        *matching_stub_, &v1::MatchingService::Stub::MatchTeams, teams, token);
    if (token.empty()) {
      EXPECT_TRUE(absl::IsUnauthenticated(team.status())) << team.status();
      EXPECT_TRUE(absl::IsUnauthenticated(similar.status())) << similar.status();
    } else {
      ASSERT_TRUE(team.ok()) << team.status();
      EXPECT_THAT(team->DebugString(), Not(::testing::HasSubstr("experts/private-a")));
      EXPECT_TRUE(similar.ok()) << similar.status();
    }
  }
  EXPECT_TRUE(absl::IsUnauthenticated(
      Match("sst.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", rev)
          .status()));

  // A token revoked at the registry stops working here within the cache TTL.
  rv1::GetCallerIdentityRequest who;
  auto principal = Call<rv1::Principal>(
      *access_stub_, &rv1::AccessService::Stub::GetCallerIdentity, who, reader_b);
  ASSERT_TRUE(principal.ok());
  rv1::RevokeAccessTokenRequest revoke;
  revoke.set_name(principal->subject());
  ASSERT_TRUE(Call<rv1::AccessToken>(*access_stub_,
                                     &rv1::AccessService::Stub::RevokeAccessToken, revoke,
                                     kAdminToken)
                  .ok());
  absl::Status s;
  const absl::Time limit = absl::Now() + absl::Seconds(10);
  do {
    s = Match(reader_b, rev).status();
    if (absl::IsUnauthenticated(s)) break;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < limit);
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
}

}  // namespace
}  // namespace samenspel::matching
