// Authentication at the edge: who is calling. Every RPC handler asks the
// Authorizer first and passes the principal to the core, which checks it per
// object (registry-service/core/access_policy.h).
#ifndef SAMENSPEL_REGISTRY_SERVER_AUTHORIZER_H_
#define SAMENSPEL_REGISTRY_SERVER_AUTHORIZER_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/rate_limiter.h"
#include "grpcpp/server_context.h"
#include "registry-service/core/access_control.h"
#include "samenspel/registry/v1/access_service.pb.h"

namespace samenspel::registry {

// Thread-safe: called concurrently from every handler.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // The caller's principal; UNAUTHENTICATED without valid credentials,
  // RESOURCE_EXHAUSTED when the principal is over its rate limit.
  virtual absl::StatusOr<v1::Principal> Authenticate(
      const grpc::ServerContextBase& context, absl::string_view method) = 0;
  // Authenticate's answer when it needs no store read (nothing to wait for),
  // else nullopt: for handlers that must not block.
  virtual std::optional<absl::StatusOr<v1::Principal>> AuthenticateNow(
      const grpc::ServerContextBase& context, absl::string_view method) = 0;
};

// An open development service (--insecure, no credentials configured; see
// DESIGN.md): every caller is the admin "anonymous", whatever it presents.
// Configure --admin_token_file to try tokens out locally.
class OpenAuthorizer : public Authorizer {
 public:
  absl::StatusOr<v1::Principal> Authenticate(const grpc::ServerContextBase& context,
                                             absl::string_view method) override;
  std::optional<absl::StatusOr<v1::Principal>> AuthenticateNow(
      const grpc::ServerContextBase& context, absl::string_view method) override {
    return Authenticate(context, method);
  }
};

// Production: a bearer token or a client certificate with an OIN is
// required; principals other than admins are rate limited.
class CredentialAuthorizer : public Authorizer {
 public:
  // Both must outlive this object.
  CredentialAuthorizer(AccessControl* access, RateLimiter* limiter)
      : access_(access), limiter_(limiter) {}
  absl::StatusOr<v1::Principal> Authenticate(const grpc::ServerContextBase& context,
                                             absl::string_view method) override;
  std::optional<absl::StatusOr<v1::Principal>> AuthenticateNow(
      const grpc::ServerContextBase& context, absl::string_view method) override;

 private:
  // Authenticate; with `may_read_store` false, nullopt where it would read
  // the store.
  std::optional<absl::StatusOr<v1::Principal>> Resolve(
      const grpc::ServerContextBase& context, bool may_read_store);

  AccessControl* const access_;
  RateLimiter* const limiter_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_SERVER_AUTHORIZER_H_
