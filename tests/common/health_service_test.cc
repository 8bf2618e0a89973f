// HealthService on a real gRPC server on loopback.
#include "common/health_service.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace samenspel {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// Watch streams are limited: each holds a server thread for as long as its
// caller keeps it, and health needs no credential (a security review held
// 3,000 anonymous streams, 3,000 threads). Check is never refused.
TEST(HealthServiceTest, WatchStreamsAreLimitedAndCheckIsNot) {
  HealthService health({"samenspel.test.v1.Test"}, /*max_watches=*/2);
  health.SetServing(true);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&health);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = Health::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                  grpc::InsecureChannelCredentials()));

  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<HealthCheckResponse>>> streams;
  std::vector<bool> finished;
  auto finish = [&](size_t i) {
    finished[i] = true;
    return streams[i]->Finish();
  };
  auto open = [&] {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    streams.push_back(stub->Watch(contexts.back().get(), HealthCheckRequest()));
    finished.push_back(false);
    HealthCheckResponse first;
    return streams.back()->Read(&first) && first.status() == HealthCheckResponse::SERVING;
  };
  ASSERT_TRUE(open());
  ASSERT_TRUE(open());
  // The third is refused at once.
  EXPECT_FALSE(open());
  EXPECT_EQ(finish(streams.size() - 1).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  {
    grpc::ClientContext context;
    HealthCheckResponse response;
    ASSERT_TRUE(stub->Check(&context, HealthCheckRequest(), &response).ok());
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  }
  // A stream that ends gives its place back (the server notices a cancelled
  // stream within its 200 ms wake-up).
  contexts[0]->TryCancel();
  finish(0);
  bool reopened = false;
  for (int i = 0; i < 50 && !reopened; ++i) {
    reopened = open();
    if (!reopened) {
      finish(streams.size() - 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_TRUE(reopened);
  health.Shutdown();
  for (size_t i = 0; i < streams.size(); ++i) {
    if (finished[i]) continue;
    contexts[i]->TryCancel();
    finish(i);
  }
  server->Shutdown();
}

}  // namespace
}  // namespace samenspel
