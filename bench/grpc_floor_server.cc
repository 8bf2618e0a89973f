// A RegistryService that answers CreateExpert and GetExpert at once, with
// responses of the registry's size and shape, but without Redis, validation,
// authorisation or audit: what the same load generator and gRPC cost for
// these calls on this machine, the floor under the registry's numbers
// (run_registry_bench.sh runs it at the end of each round). Not a test double:
// it keeps nothing but the last expert it was sent.
//
//   grpc_floor_server --listen=127.0.0.1:50052
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "Address to listen on.");

namespace samenspel::bench {
namespace {

namespace v1 = samenspel::registry::v1;

class FloorService final : public v1::RegistryService::CallbackService {
 public:
  grpc::ServerUnaryReactor* CreateOrganisation(
      grpc::CallbackServerContext* context, const v1::CreateOrganisationRequest* request,
      v1::Organisation* response) override {
    *response = request->organisation();
    response->set_name(absl::StrCat("organisations/", request->organisation_id()));
    return Finish(context);
  }

  // As the registry answers: the expert as sent, with its name and output-only
  // fields set.
  grpc::ServerUnaryReactor* CreateExpert(grpc::CallbackServerContext* context,
                                         const v1::CreateExpertRequest* request,
                                         v1::Expert* response) override {
    *response = request->expert();
    const int64_t revision = revision_.fetch_add(1, std::memory_order_relaxed) + 1;
    response->set_name(absl::StrCat("experts/", request->expert_id()));
    SetOutputFields(revision, response);
    {
      absl::MutexLock lock(&mu_);
      last_ = *response;
    }
    return Finish(context);
  }

  // The last expert created, under the name asked for: a response of the size
  // the registry's would have.
  grpc::ServerUnaryReactor* GetExpert(grpc::CallbackServerContext* context,
                                      const v1::GetExpertRequest* request,
                                      v1::Expert* response) override {
    {
      absl::MutexLock lock(&mu_);
      *response = last_;
    }
    response->set_name(request->name());
    return Finish(context);
  }

 private:
  static void SetOutputFields(int64_t revision, v1::Expert* expert) {
    const absl::Time now = absl::Now();
    const int64_t micros = absl::ToUnixMicros(now);
    expert->set_revision(revision);
    expert->set_etag(absl::StrCat("\"", revision, "\""));
    expert->mutable_create_time()->set_seconds(micros / 1000000);
    expert->mutable_create_time()->set_nanos(static_cast<int32_t>(micros % 1000000) *
                                             1000);
    *expert->mutable_update_time() = expert->create_time();
  }

  static grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  std::atomic<int64_t> revision_{0};
  absl::Mutex mu_;
  v1::Expert last_ ABSL_GUARDED_BY(mu_);
};

std::atomic<bool> stop_requested{false};

int Main() {
  FloorService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "grpc_floor_server: cannot listen on %s\n",
                 absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  std::signal(SIGTERM, [](int) { stop_requested = true; });
  std::signal(SIGINT, [](int) { stop_requested = true; });
  while (!stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}

}  // namespace
}  // namespace samenspel::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As in the servers: Debian's Abseil leaves deadlock detection on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return samenspel::bench::Main();
}
