// The gRPC adapter of AccessService: authenticate, one AccessControl call,
// audit (token creation and revocation are writes), map the status.
#ifndef SAMENSPEL_REGISTRY_SERVER_ACCESS_SERVICE_IMPL_H_
#define SAMENSPEL_REGISTRY_SERVER_ACCESS_SERVICE_IMPL_H_

#include "registry-service/core/access_control.h"
#include "registry-service/core/audit_log.h"
#include "registry-service/server/authorizer.h"
#include "samenspel/registry/v1/access_service.grpc.pb.h"

namespace samenspel::registry {

// Thread-safe; the gRPC sync server calls it from its thread pool.
class AccessServiceImpl final : public v1::AccessService::Service {
 public:
  // All must outlive the service; `audit` may be null.
  AccessServiceImpl(AccessControl* access, Authorizer* authorizer, AuditLog* audit);

  grpc::Status CreateAccessToken(grpc::ServerContext*,
                                 const v1::CreateAccessTokenRequest*,
                                 v1::CreateAccessTokenResponse*) override;
  grpc::Status ListAccessTokens(grpc::ServerContext*, const v1::ListAccessTokensRequest*,
                                v1::ListAccessTokensResponse*) override;
  grpc::Status RevokeAccessToken(grpc::ServerContext*,
                                 const v1::RevokeAccessTokenRequest*,
                                 v1::AccessToken*) override;
  grpc::Status IntrospectAccessToken(grpc::ServerContext*,
                                     const v1::IntrospectAccessTokenRequest*,
                                     v1::Principal*) override;
  grpc::Status GetCallerIdentity(grpc::ServerContext*,
                                 const v1::GetCallerIdentityRequest*,
                                 v1::Principal*) override;
  grpc::Status ListAuditEvents(grpc::ServerContext*, const v1::ListAuditEventsRequest*,
                               v1::ListAuditEventsResponse*) override;

 private:
  template <typename Request, typename Response, typename Call>
  grpc::Status Handle(const grpc::ServerContextBase& context, absl::string_view method,
                      const Request& request, Response* response, Call call);

  AccessControl* const access_;
  Authorizer* const authorizer_;
  AuditLog* const audit_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_SERVER_ACCESS_SERVICE_IMPL_H_
