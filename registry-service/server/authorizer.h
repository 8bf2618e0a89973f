// The seam for authentication and authorisation. Every RPC handler asks the
// Authorizer before doing anything; the access-control issue replaces
// AllowAll with token and mTLS principals and per-object role checks.
#ifndef SAMENSPEL_REGISTRY_SERVER_AUTHORIZER_H_
#define SAMENSPEL_REGISTRY_SERVER_AUTHORIZER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"

namespace samenspel::registry {

// Thread-safe: called concurrently from every handler thread. Takes the
// context base class, which callback and synchronous handlers share.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // OK to proceed; UNAUTHENTICATED or PERMISSION_DENIED otherwise.
  virtual absl::Status Authorize(const grpc::ServerContextBase& context,
                                 absl::string_view method) = 0;
};

// Development mode: every caller may do everything.
class AllowAllAuthorizer : public Authorizer {
 public:
  absl::Status Authorize(const grpc::ServerContextBase&, absl::string_view) override {
    return absl::OkStatus();
  }
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_SERVER_AUTHORIZER_H_
