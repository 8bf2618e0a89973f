#include "registry-service/server/authorizer.h"

#include <atomic>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/call_credentials.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "registry-service/core/access_policy.h"

namespace samenspel::registry {

absl::StatusOr<v1::Principal> OpenAuthorizer::Authenticate(const grpc::ServerContextBase&,
                                                           absl::string_view) {
  return MakePrincipal("anonymous", "", v1::ROLE_ADMIN);
}

absl::StatusOr<v1::Principal> CredentialAuthorizer::Authenticate(
    const grpc::ServerContextBase& context, absl::string_view) {
  return *Resolve(context, /*may_read_store=*/true);
}

std::optional<absl::StatusOr<v1::Principal>> CredentialAuthorizer::AuthenticateNow(
    const grpc::ServerContextBase& context, absl::string_view) {
  return Resolve(context, /*may_read_store=*/false);
}

std::optional<absl::StatusOr<v1::Principal>> CredentialAuthorizer::Resolve(
    const grpc::ServerContextBase& context, bool may_read_store) {
  SAMENSPEL_ASSIGN_OR_RETURN(std::optional<std::string> bearer, BearerSecret(context));
  std::optional<absl::StatusOr<v1::Principal>> found;
  if (bearer) {
    found = may_read_store ? access_->AuthenticateBearer(*bearer)
                           : access_->CachedBearer(*bearer);
  } else {
    SAMENSPEL_ASSIGN_OR_RETURN(std::optional<std::string> oin,
                               ClientCertificateOin(context));
    if (!oin) {
      return WithReason(absl::UnauthenticatedError(
                            "this service requires credentials: an `authorization: "
                            "Bearer <token>` header or a client certificate"),
                        "UNAUTHENTICATED");
    }
    found = may_read_store ? access_->AuthenticateOin(*oin) : access_->CachedOin(*oin);
  }
  if (!found) return std::nullopt;
  const absl::StatusOr<v1::Principal>& principal = *found;
  if (!principal.ok() && !absl::IsUnauthenticated(principal.status())) {
    // The store could not say (Redis down): the caller, not yet known, is
    // not told where it runs; the log is.
    static std::atomic<int64_t> last_logged_ms{0};  // at most one line a second
    const int64_t now_ms = absl::ToUnixMillis(absl::Now());
    int64_t last = last_logged_ms.load();
    if (now_ms - last >= 1000 && last_logged_ms.compare_exchange_strong(last, now_ms)) {
      Log("checking credentials: %s", StatusText(principal.status()));
    }
    return absl::Status(principal.status().code(),
                        "the registry cannot check credentials now (its store does not "
                        "answer); retry");
  }
  if (!principal.ok() || IsAdmin(*principal) || limiter_->Allow(principal->subject())) {
    return found;
  }
  return RateLimitedError(principal->subject(),
                          limiter_->RetryAfterSeconds(principal->subject()));
}

}  // namespace samenspel::registry
