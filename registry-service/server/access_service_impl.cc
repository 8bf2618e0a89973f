#include "registry-service/server/access_service_impl.h"

#include "common/grpc_status.h"
#include "registry-service/core/access_policy.h"
#include "registry-service/core/audit_log.h"
#include "registry-service/server/audit_events.h"

namespace samenspel::registry {
namespace {

constexpr absl::string_view kService = "samenspel.registry.v1.AccessService";

}  // namespace

AccessServiceImpl::AccessServiceImpl(AccessControl* access, Authorizer* authorizer,
                                     AuditLog* audit)
    : access_(access), authorizer_(authorizer), audit_(audit) {}

template <typename Request, typename Response, typename Call>
grpc::Status AccessServiceImpl::Handle(const grpc::ServerContextBase& context,
                                       absl::string_view method, const Request& request,
                                       Response* response, Call call) {
  absl::StatusOr<v1::Principal> who = authorizer_->Authenticate(context, method);
  absl::Status status = who.status();
  if (who.ok()) {
    absl::StatusOr<Response> result = call(*who);
    status = result.status();
    if (result.ok()) *response = *std::move(result);
  }
  if (audit_ != nullptr && IsWriteMethod(method)) {
    const v1::Principal principal = who.ok() ? *who : RefusedPrincipal(who.status());
    if (auto event = AuditEventFor(context, kService, method, principal, request,
                                   status.ok() ? response : nullptr, status)) {
      audit_->Record(*std::move(event));
    }
  }
  return ToGrpcStatus(status);
}

grpc::Status AccessServiceImpl::CreateAccessToken(
    grpc::ServerContext* ctx, const v1::CreateAccessTokenRequest* request,
    v1::CreateAccessTokenResponse* response) {
  return Handle(
      *ctx, "CreateAccessToken", *request, response,
      [&](const v1::Principal& p) { return access_->CreateToken(p, *request); });
}

grpc::Status AccessServiceImpl::ListAccessTokens(
    grpc::ServerContext* ctx, const v1::ListAccessTokensRequest* request,
    v1::ListAccessTokensResponse* response) {
  return Handle(*ctx, "ListAccessTokens", *request, response,
                [&](const v1::Principal& p) { return access_->ListTokens(p, *request); });
}

grpc::Status AccessServiceImpl::RevokeAccessToken(
    grpc::ServerContext* ctx, const v1::RevokeAccessTokenRequest* request,
    v1::AccessToken* response) {
  return Handle(
      *ctx, "RevokeAccessToken", *request, response,
      [&](const v1::Principal& p) { return access_->RevokeToken(p, *request); });
}

grpc::Status AccessServiceImpl::IntrospectAccessToken(
    grpc::ServerContext* ctx, const v1::IntrospectAccessTokenRequest* request,
    v1::Principal* response) {
  return Handle(*ctx, "IntrospectAccessToken", *request, response,
                [&](const v1::Principal& p) { return access_->Introspect(p, *request); });
}

grpc::Status AccessServiceImpl::GetCallerIdentity(
    grpc::ServerContext* ctx, const v1::GetCallerIdentityRequest* request,
    v1::Principal* response) {
  return Handle(
      *ctx, "GetCallerIdentity", *request, response,
      [](const v1::Principal& p) -> absl::StatusOr<v1::Principal> { return p; });
}

grpc::Status AccessServiceImpl::ListAuditEvents(grpc::ServerContext* ctx,
                                                const v1::ListAuditEventsRequest* request,
                                                v1::ListAuditEventsResponse* response) {
  return Handle(*ctx, "ListAuditEvents", *request, response,
                [&](const v1::Principal& p) { return access_->ListAudit(p, *request); });
}

}  // namespace samenspel::registry
