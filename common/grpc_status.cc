#include "common/grpc_status.h"

#include <string>

#include "absl/strings/cord.h"
#include "common/errors.h"
#include "google/rpc/status.pb.h"

namespace samenspel {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (ReasonOf(status).empty()) {
    // Every error the services make carries an ErrorInfo (AIP-193), so that
    // a client routing on its reason never finds none: one without a reason
    // of its own (Redis unreachable, an internal error) has its code's name
    // (UNKNOWN for a code out of range, passed on from elsewhere).
    std::string name = absl::StatusCodeToString(status.code());
    if (name.empty()) name = "UNKNOWN";
    absl::Status with_reason = WithReason(status, name);
    if (!ReasonOf(with_reason).empty()) return ToGrpcStatus(with_reason);
  }
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(std::string(status.message()));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = rpc_status.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()), rpc_status.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
  google::rpc::Status rpc_status;
  if (!status.error_details().empty() &&
      rpc_status.ParseFromString(status.error_details())) {
    for (const auto& any : rpc_status.details()) {
      result.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return result;
}

}  // namespace samenspel
