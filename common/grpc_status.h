// The one conversion between absl::Status (below the adapters) and
// grpc::Status (at the edge). Payloads attached with AttachDetail become
// google.rpc.Status details in the grpc-status-details-bin trailer.
#ifndef SAMENSPEL_COMMON_GRPC_STATUS_H_
#define SAMENSPEL_COMMON_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace samenspel {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_GRPC_STATUS_H_
