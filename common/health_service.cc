#include "common/health_service.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace samenspel {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

HealthService::HealthService(std::vector<std::string> services, int max_watches)
    : services_(std::move(services)), max_watches_(max_watches) {}

void HealthService::SetServing(bool serving) {
  absl::MutexLock lock(&mu_);
  if (shutdown_ || serving_ == serving) return;
  serving_ = serving;
  ++version_;
}

void HealthService::Shutdown() {
  absl::MutexLock lock(&mu_);
  serving_ = false;
  shutdown_ = true;
  ++version_;
}

bool HealthService::Known(const std::string& service) const {
  return service.empty() ||
         std::find(services_.begin(), services_.end(), service) != services_.end();
}

grpc::Status HealthService::Check(grpc::ServerContext*, const HealthCheckRequest* req,
                                  HealthCheckResponse* resp) {
  if (!Known(req->service())) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service " + req->service());
  }
  absl::MutexLock lock(&mu_);
  resp->set_status(serving_ ? HealthCheckResponse::SERVING
                            : HealthCheckResponse::NOT_SERVING);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(grpc::ServerContext* ctx, const HealthCheckRequest* req,
                                  grpc::ServerWriter<HealthCheckResponse>* writer) {
  {
    absl::MutexLock lock(&mu_);
    if (watches_ >= max_watches_) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "too many health Watch streams at once; ask Check");
    }
    ++watches_;
  }
  struct Release {
    HealthService* self;
    ~Release() {
      absl::MutexLock lock(&self->mu_);
      --self->watches_;
    }
  } release{this};
  HealthCheckResponse resp;
  if (!Known(req->service())) {
    resp.set_status(HealthCheckResponse::SERVICE_UNKNOWN);
    writer->Write(resp);
  }
  uint64_t seen = 0;
  bool first = true;
  while (!ctx->IsCancelled()) {
    {
      absl::MutexLock lock(&mu_);
      auto changed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return first || version_ != seen;
      };
      // Wake now and then to notice a cancelled call.
      mu_.AwaitWithTimeout(absl::Condition(&changed), absl::Milliseconds(200));
      if (!changed()) continue;
      first = false;
      seen = version_;
      if (shutdown_) {
        // Its last word: NOT_SERVING (a stopping service), then the end.
        if (Known(req->service())) {
          resp.set_status(HealthCheckResponse::NOT_SERVING);
          writer->Write(resp);
        }
        return grpc::Status::OK;
      }
      if (Known(req->service())) {
        resp.set_status(serving_ ? HealthCheckResponse::SERVING
                                 : HealthCheckResponse::NOT_SERVING);
      }
    }
    if (!writer->Write(resp)) break;
  }
  return grpc::Status::OK;
}

}  // namespace samenspel
