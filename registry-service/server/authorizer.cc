#include "registry-service/server/authorizer.h"

#include <atomic>
#include <cmath>
#include <cstdio>

#include "absl/strings/match.h"
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
  std::optional<std::string> oin;
  if (!bearer) {
    SAMENSPEL_ASSIGN_OR_RETURN(oin, ClientCertificateOin(context));
    if (!oin) {
      return WithReason(absl::UnauthenticatedError(
                            "this service requires credentials: an `authorization: "
                            "Bearer <token>` header or a client certificate"),
                        "UNAUTHENTICATED");
    }
  }
  std::optional<absl::StatusOr<v1::Principal>> found =
      bearer ? access_->CachedBearer(*bearer) : access_->CachedOin(*oin);
  if (!found) {
    // Credentials only Redis can check: a read, unless this address has had
    // too many refused and these were never let in.
    const std::string address = refusals_ != nullptr ? PeerAddress(context.peer()) : "";
    if (refusals_ != nullptr) {
      if (const double wait = refusals_->RetryAfterSeconds(address);
          wait > 0 &&
          !(bearer ? access_->LetInBefore(*bearer) : access_->OinLetInBefore(*oin))) {
        return WithReason(absl::ResourceExhaustedError(
                              absl::StrCat("too many refused credentials from ", address,
                                           "; retry in ", std::ceil(wait * 1000), " ms")),
                          "AUTH_RATE_LIMITED");
      }
    }
    if (!may_read_store) return std::nullopt;
    found =
        bearer ? access_->AuthenticateBearer(*bearer) : access_->AuthenticateOin(*oin);
    if (refusals_ != nullptr && absl::IsUnauthenticated(found->status())) {
      refusals_->Allow(address);  // one refusal counted
    }
  }
  const absl::StatusOr<v1::Principal>& principal = *found;
  if (!principal.ok() && !absl::IsUnauthenticated(principal.status())) {
    // The store could not say (Redis down): the caller, not yet known, is
    // not told where it runs; the log is.
    static std::atomic<int64_t> last_logged_ms{0};  // at most one line a second
    const int64_t now_ms = absl::ToUnixMillis(absl::Now());
    int64_t last = last_logged_ms.load();
    if (now_ms - last >= 1000 && last_logged_ms.compare_exchange_strong(last, now_ms)) {
      Log("checking credentials: %s", principal.status().ToString());
    }
    return absl::Status(principal.status().code(),
                        "the registry cannot check credentials now (its store does not "
                        "answer); retry");
  }
  if (!principal.ok() || IsAdmin(*principal) || limiter_->Allow(principal->subject())) {
    return found;
  }
  return WithReason(
      absl::ResourceExhaustedError(absl::StrCat(
          principal->subject(), " is over its rate limit; retry in ",
          std::ceil(limiter_->RetryAfterSeconds(principal->subject()) * 1000), " ms")),
      "RATE_LIMITED");
}

std::string PeerAddress(absl::string_view peer) {
  if (!absl::StartsWith(peer, "ipv4:") && !absl::StartsWith(peer, "ipv6:")) {
    return std::string(peer);
  }
  const size_t colon = peer.rfind(':');
  // "ipv6:[::1]:5": the port follows the bracket.
  if (colon <= 4 || (absl::StartsWith(peer, "ipv6:[") && peer[colon - 1] != ']')) {
    return std::string(peer);
  }
  return std::string(peer.substr(0, colon));
}

}  // namespace samenspel::registry
