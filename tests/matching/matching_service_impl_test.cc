// MatchingServiceImpl over a real in-process server on port 0: how a call
// that asks for a revision the index has not reached ends.
#include "matching-service/server/matching_service_impl.h"

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/matching/analyzer_suite.h"
#include "tests/support/status_details.h"

namespace samenspel::matching {
namespace {

using ::samenspel::test_support::BadFields;
using ::testing::ElementsAre;
namespace rv1 = ::samenspel::registry::v1;

// A revision the index never reaches.
constexpr int64_t kFarRevision = 1'000'000'000;

class MatchingServiceImplTest : public AnalyzerSuite {
 protected:
  // Serves an empty index (revision 0) that waits at most `max_wait` for a
  // min_revision, in place of the one served before.
  void Start(absl::Duration max_wait) {
    Stop();
    auto regions = RegionTable::Load(AnalyzerOptions::DefaultDataDir() + "/regions.tsv");
    ASSERT_TRUE(regions.ok()) << regions.status();
    matcher_ =
        std::make_unique<Matcher>(analyzer_, *std::move(regions), MatcherOptions{});
    MatchingServiceOptions options;
    options.max_revision_wait = max_wait;
    service_ = std::make_unique<MatchingServiceImpl>(matcher_.get(), options);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    stub_ = v1::MatchingService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override { Stop(); }

  void Stop() {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
    server_.reset();
    service_.reset();
    matcher_.reset();
  }

  // A context whose deadline is `timeout` from now.
  static std::unique_ptr<grpc::ClientContext> WithTimeout(absl::Duration timeout) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return ctx;
  }

  static v1::ChallengeRef Housing() {
    v1::ChallengeRef ref;
    ref.mutable_inline_()->set_title("Versnellen van de woningbouw");
    return ref;
  }

  std::unique_ptr<Matcher> matcher_;
  std::unique_ptr<MatchingServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::MatchingService::Stub> stub_;
};

// A request that can never succeed fails with its own error at once, not
// with UNAVAILABLE after waiting for its min_revision (which a client would
// retry for ever). The server's bound is longer than the call's deadline:
// a call that waited would end DEADLINE_EXCEEDED.
TEST_F(MatchingServiceImplTest, AnInvalidRequestFailsAtOnceWithoutWaitingForItsRevision) {
  Start(absl::Seconds(60));
  const absl::Duration timeout = absl::Seconds(5);
  {
    v1::MatchExpertsRequest req;
    *req.mutable_challenge() = Housing();
    req.set_page_size(-1);
    req.set_min_revision(kFarRevision);
    v1::MatchExpertsResponse resp;
    const absl::Status s =
        FromGrpcStatus(stub_->MatchExperts(WithTimeout(timeout).get(), req, &resp));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(BadFields(s), ElementsAre("page_size"));
  }
  {
    v1::MatchExpertsRequest req;
    req.mutable_challenge()->set_name("foo bar");
    req.mutable_filters()->add_exclude_organisations("gemeente utrecht");
    req.set_min_revision(kFarRevision);
    v1::MatchExpertsResponse resp;
    const absl::Status s =
        FromGrpcStatus(stub_->MatchExperts(WithTimeout(timeout).get(), req, &resp));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(BadFields(s),
                ElementsAre("challenge.name", "filters.exclude_organisations[0]"));
  }
  {
    v1::SuggestTeamRequest req;
    *req.mutable_challenge() = Housing();
    req.set_team_size(51);
    req.mutable_filters()->add_region_codes("Utrecht");
    req.set_min_revision(kFarRevision);
    v1::SuggestTeamResponse resp;
    const absl::Status s =
        FromGrpcStatus(stub_->SuggestTeam(WithTimeout(timeout).get(), req, &resp));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(BadFields(s), ElementsAre("team_size", "filters.region_codes[0]"));
  }
  {
    v1::MatchTeamsRequest req;
    req.mutable_challenge()->mutable_inline_();  // no text at all
    req.set_min_revision(kFarRevision);
    v1::MatchTeamsResponse resp;
    const absl::Status s =
        FromGrpcStatus(stub_->MatchTeams(WithTimeout(timeout).get(), req, &resp));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(BadFields(s), ElementsAre("challenge.inline"));
  }
}

// The wait for min_revision ends in UNAVAILABLE (retry), as the contract
// says, also when the caller's deadline comes before the server's bound:
// the server gives up a margin before that deadline.
TEST_F(MatchingServiceImplTest, ARevisionWaitEndsUnavailableBeforeTheCallersDeadline) {
  Start(absl::Seconds(60));
  v1::MatchExpertsRequest req;
  *req.mutable_challenge() = Housing();
  req.set_min_revision(kFarRevision);
  v1::MatchExpertsResponse resp;
  const absl::Status s = FromGrpcStatus(
      stub_->MatchExperts(WithTimeout(absl::Seconds(1)).get(), req, &resp));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;

  // The server's own bound, shorter than the deadline, ends it the same way.
  Start(absl::Milliseconds(200));
  v1::SuggestTeamRequest suggest;
  *suggest.mutable_challenge() = Housing();
  suggest.set_min_revision(kFarRevision);
  v1::SuggestTeamResponse team;
  const absl::Status t = FromGrpcStatus(
      stub_->SuggestTeam(WithTimeout(absl::Seconds(20)).get(), suggest, &team));
  EXPECT_EQ(t.code(), absl::StatusCode::kUnavailable) << t;
}

// A well-formed name of a challenge the index does not hold can only be
// looked up once the index has the revision asked for: then NOT_FOUND.
TEST_F(MatchingServiceImplTest, AnUnknownChallengeIsNotFoundAtTheRevisionAskedFor) {
  Start(absl::Seconds(5));
  matcher_->Load({}, {}, {}, {}, 7);
  v1::MatchExpertsRequest req;
  req.mutable_challenge()->set_name("challenges/nope");
  req.set_min_revision(7);
  v1::MatchExpertsResponse resp;
  const absl::Status s = FromGrpcStatus(
      stub_->MatchExperts(WithTimeout(absl::Seconds(20)).get(), req, &resp));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
}

}  // namespace
}  // namespace samenspel::matching
