// grpc.health.v1.Health for our servers: Check and Watch for the overall
// status ("") and the named services. We serve it ourselves instead of gRPC's
// default health service, whose pending Watch slots keep Server::Shutdown
// waiting until its deadline.
//
// Thread-safe.
//
// Example:
//   HealthService health({"samenspel.registry.v1.RegistryService"});
//   builder.RegisterService(&health);
//   health.SetServing(true);
//   ...
//   health.Shutdown();  // NOT_SERVING, ends Watch streams; before Server::Shutdown
#ifndef SAMENSPEL_COMMON_HEALTH_SERVICE_H_
#define SAMENSPEL_COMMON_HEALTH_SERVICE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace samenspel {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  // `services`: the service names Check/Watch know besides "". Every one of
  // them has the overall status. Starts NOT_SERVING.
  //
  // At most `max_watches` Watch streams at once; more are refused with
  // RESOURCE_EXHAUSTED. Health needs no credential, and each stream holds a
  // thread of the synchronous server for as long as its caller keeps it: a
  // security review's 3,000 anonymous streams took 3,000 threads and both
  // cores (probes ask Check; a load balancer's health checking watches with
  // a stream or two per client).
  static constexpr int kDefaultMaxWatches = 64;
  explicit HealthService(std::vector<std::string> services,
                         int max_watches = kDefaultMaxWatches);

  void SetServing(bool serving);
  // NOT_SERVING for good, and every Watch stream ends.
  void Shutdown();

  grpc::Status Check(grpc::ServerContext* ctx,
                     const grpc::health::v1::HealthCheckRequest* req,
                     grpc::health::v1::HealthCheckResponse* resp) override;
  grpc::Status Watch(
      grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
      grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

 private:
  bool Known(const std::string& service) const;

  const std::vector<std::string> services_;
  const int max_watches_;
  absl::Mutex mu_;
  int watches_ ABSL_GUARDED_BY(mu_) = 0;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_HEALTH_SERVICE_H_
