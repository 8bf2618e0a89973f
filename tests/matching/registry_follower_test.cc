// RegistryFollower against an in-process stand-in for the registry on a
// loopback port: what a slow or endless snapshot does to Stop.
#include "matching-service/server/registry_follower.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "matching-service/core/region.h"
#include "tests/matching/analyzer_suite.h"

namespace samenspel::matching {
namespace {

namespace rv1 = ::samenspel::registry::v1;

// Lists organisations as a registry would, but slowly: each page takes
// `page_time` (unless the call is cancelled first) and names a next page,
// up to `pages` pages. WatchChanges is never reached in these tests.
class SlowRegistry final : public rv1::RegistryService::Service {
 public:
  SlowRegistry(absl::Duration page_time, int pages)
      : page_time_(page_time), pages_(pages) {}

  grpc::Status ListOrganisations(grpc::ServerContext* ctx,
                                 const rv1::ListOrganisationsRequest* request,
                                 rv1::ListOrganisationsResponse* response) override {
    const int page = calls_.fetch_add(1) + 1;
    if (page == 1) first_call_.Notify();
    const absl::Time until = absl::Now() + page_time_;
    while (absl::Now() < until) {
      if (ctx->IsCancelled()) {
        ++cancelled_;
        return grpc::Status::CANCELLED;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    response->set_revision(1);
    if (page < pages_) response->set_next_page_token(absl::StrCat("p", page));
    (void)request;
    return grpc::Status::OK;
  }

  absl::Notification& first_call() { return first_call_; }
  int calls() const { return calls_.load(); }
  int cancelled() const { return cancelled_.load(); }

 private:
  const absl::Duration page_time_;
  const int pages_;
  absl::Notification first_call_;
  std::atomic<int> calls_{0};
  std::atomic<int> cancelled_{0};
};

class RegistryFollowerTest : public AnalyzerSuite {
 protected:
  void Serve(SlowRegistry* registry) {
    auto regions = RegionTable::Load(AnalyzerOptions::DefaultDataDir() + "/regions.tsv");
    ASSERT_TRUE(regions.ok()) << regions.status();
    matcher_ =
        std::make_unique<Matcher>(analyzer_, *std::move(regions), MatcherOptions{});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(registry);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }

  // Starts a follower, waits for its first list call, stops it; returns how
  // long Stop took.
  absl::Duration StopDuringSnapshot(SlowRegistry& registry) {
    RegistryFollower follower(channel_, matcher_.get(), {});
    follower.Start();
    EXPECT_TRUE(registry.first_call().WaitForNotificationWithTimeout(absl::Seconds(10)));
    absl::SleepFor(absl::Milliseconds(200));  // a page or more on its way
    const absl::Time start = absl::Now();
    follower.Stop();
    const absl::Duration took = absl::Now() - start;
    EXPECT_FALSE(follower.ready());
    return took;
  }

  std::unique_ptr<Matcher> matcher_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

// A page that takes long (a registry under load, or Redis slow): Stop
// cancels it instead of waiting for it (up to its 30 s deadline).
TEST_F(RegistryFollowerTest, StopCancelsASnapshotPageOnItsWay) {
  SlowRegistry registry(absl::Seconds(8), 1);
  Serve(&registry);
  const absl::Duration took = StopDuringSnapshot(registry);
  EXPECT_LT(took, absl::Seconds(2));
  // The registry saw the call cancelled (it polls every 5 ms).
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (registry.cancelled() == 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(registry.cancelled(), 1);
  EXPECT_EQ(registry.calls(), 1);
}

// Many quick pages (a large registry): Stop ends the snapshot between or
// during pages, not after the last.
TEST_F(RegistryFollowerTest, StopEndsASnapshotOfManyPages) {
  SlowRegistry registry(absl::Milliseconds(40), 200);  // 8 s of pages
  Serve(&registry);
  const absl::Duration took = StopDuringSnapshot(registry);
  EXPECT_LT(took, absl::Seconds(2));
  const int calls = registry.calls();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(registry.calls(), calls) << "pages were still asked for after Stop";
  EXPECT_LT(calls, 100);
}

}  // namespace
}  // namespace samenspel::matching
