#include "registry-service/server/authorizer.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/call_credentials.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "registry-service/core/access_policy.h"

namespace samenspel::registry {

absl::StatusOr<v1::Principal> OpenAuthorizer::Authenticate(const grpc::ServerContextBase&,
                                                           absl::string_view) {
  return MakePrincipal("anonymous", "", v1::ROLE_ADMIN);
}

absl::StatusOr<v1::Principal> CredentialAuthorizer::Authenticate(
    const grpc::ServerContextBase& context, absl::string_view) {
  SAMENSPEL_ASSIGN_OR_RETURN(std::optional<std::string> bearer, BearerSecret(context));
  absl::StatusOr<v1::Principal> principal;
  if (bearer) {
    principal = access_->AuthenticateBearer(*bearer);
  } else {
    SAMENSPEL_ASSIGN_OR_RETURN(std::optional<std::string> oin,
                               ClientCertificateOin(context));
    if (!oin) {
      return WithReason(absl::UnauthenticatedError(
                            "this service requires credentials: an `authorization: "
                            "Bearer <token>` header or a client certificate"),
                        "UNAUTHENTICATED");
    }
    principal = access_->AuthenticateOin(*oin);
  }
  if (!principal.ok() || IsAdmin(*principal) || limiter_->Allow(principal->subject())) {
    return principal;
  }
  return WithReason(
      absl::ResourceExhaustedError(absl::StrCat(
          principal->subject(), " is over its rate limit; retry in ",
          std::ceil(limiter_->RetryAfterSeconds(principal->subject()) * 1000), " ms")),
      "RATE_LIMITED");
}

}  // namespace samenspel::registry
