#include "common/registry_authenticator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/call_credentials.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "openssl/sha.h"

namespace samenspel {
namespace {

namespace v1 = registry::v1;

std::string Sha256(absl::string_view s) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

absl::Status Unauthenticated(absl::string_view why) {
  return WithReason(absl::UnauthenticatedError(why), "UNAUTHENTICATED");
}

}  // namespace

RegistryAuthenticator::RegistryAuthenticator(std::shared_ptr<grpc::Channel> registry,
                                             std::string own_token,
                                             RegistryAuthenticatorOptions options)
    : access_(v1::AccessService::NewStub(registry)),
      registry_(v1::RegistryService::NewStub(registry)),
      own_token_(std::move(own_token)),
      options_(std::move(options)) {}

void RegistryAuthenticator::Prepare(grpc::ClientContext& context) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.call_timeout));
  if (!own_token_.empty()) context.AddMetadata("authorization", "Bearer " + own_token_);
}

absl::StatusOr<v1::Principal> RegistryAuthenticator::Lookup(
    const std::string& key, const std::function<absl::StatusOr<v1::Principal>()>& ask) {
  const absl::Time now = options_.clock();
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.valid_until > now) return it->second.principal;
  }
  absl::StatusOr<v1::Principal> principal = ask();
  // Only definite answers are cached; an unreachable registry is asked again.
  if (principal.ok() || absl::IsUnauthenticated(principal.status())) {
    absl::Time valid_until = now + options_.cache_ttl;
    if (principal.ok() && principal->has_expire_time()) {  // not past the token's expiry
      valid_until = std::min(
          valid_until,
          absl::FromUnixMillis(google::protobuf::util::TimeUtil::TimestampToMilliseconds(
              principal->expire_time())));
    }
    absl::MutexLock lock(&mu_);
    if (cache_.size() >= kMaxCached) {
      absl::erase_if(cache_, [now](const auto& e) {
        return !e.second.principal.ok() || e.second.valid_until <= now;
      });
      if (cache_.size() >= kMaxCached) cache_.clear();
    }
    cache_[key] = Cached{principal, valid_until};
  }
  return principal;
}

absl::Status RegistryAuthenticator::CheckOwnCredential() {
  grpc::ClientContext ctx;
  Prepare(ctx);
  v1::Principal self;
  const grpc::Status s =
      access_->GetCallerIdentity(&ctx, v1::GetCallerIdentityRequest(), &self);
  if (s.ok()) return absl::OkStatus();
  if (s.error_code() != grpc::StatusCode::UNAUTHENTICATED) {
    return RegistryUnavailable("GetCallerIdentity", s);
  }
  Warn(absl::StrCat("the registry refused this service's own credential (",
                    s.error_message(), "): give it a valid admin token"));
  return absl::UnavailableError(
      "this service cannot check credentials now: the registry refused the service's "
      "own credential (a matter for its operator, not the caller's)");
}

absl::Status RegistryAuthenticator::RegistryUnavailable(absl::string_view method,
                                                        const grpc::Status& s) {
  // The details (addresses among them) go to the log, not to callers who
  // may not even have presented a valid credential.
  Warn(absl::StrCat(
      "registry ", method, ": ",
      absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code())), ": ",
      s.error_message()));
  return absl::UnavailableError(
      "this service cannot check credentials now: the registry did not answer; retry");
}

absl::Status RegistryAuthenticator::OwnCredentialMayNot(absl::string_view method,
                                                        const grpc::Status& s) {
  // An operator's mistake that fails every call alike: it said "retry" (an
  // operator review: a reader's token in --registry_token_file, the service
  // SERVING, and every agency's client retrying for good).
  Warn(absl::StrCat("the registry refused ", method,
                    " to this service's own credential (", s.error_message(),
                    "): --registry_token_file must hold an admin token"));
  return WithReason(
      absl::InternalError(
          "this service cannot check credentials: the registry refuses it "
          "that, for its own credential is not an admin's (a matter for its "
          "operator, not the caller's; retrying does not help)"),
      "SERVICE_CREDENTIAL_NOT_ADMIN");
}

void RegistryAuthenticator::Warn(const std::string& message) {
  // At most one line a second: every caller's call may fail the same way.
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    if (now - last_warning_ < absl::Seconds(1)) return;
    last_warning_ = now;
  }
  Log("checking credentials: %s", message);
}

absl::StatusOr<v1::Principal> RegistryAuthenticator::Authenticate(
    const grpc::ServerContextBase& context) {
  absl::StatusOr<std::optional<std::string>> bearer = BearerSecret(context);
  if (!bearer.ok()) return bearer.status();
  if (*bearer) {
    const std::string secret = **bearer;
    return Lookup("t:" + Sha256(secret), [&]() -> absl::StatusOr<v1::Principal> {
      grpc::ClientContext ctx;
      Prepare(ctx);
      v1::IntrospectAccessTokenRequest req;
      req.set_secret(secret);
      v1::Principal principal;
      grpc::Status s = access_->IntrospectAccessToken(&ctx, req, &principal);
      if (s.ok()) return principal;
      if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
        // The registry says the same when it refuses this service's own
        // credential: that is not the caller's fault, nor to be cached.
        SAMENSPEL_RETURN_IF_ERROR(CheckOwnCredential());
        return FromGrpcStatus(s);
      }
      if (s.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
        return OwnCredentialMayNot("IntrospectAccessToken", s);
      }
      return RegistryUnavailable("IntrospectAccessToken", s);
    });
  }
  absl::StatusOr<std::optional<std::string>> oin = ClientCertificateOin(context);
  if (!oin.ok()) return oin.status();
  if (!*oin) {
    return Unauthenticated(
        "this service requires credentials: an `authorization: Bearer <token>` header "
        "or a client certificate");
  }
  const std::string o = **oin;
  return Lookup("o:" + o, [&]() -> absl::StatusOr<v1::Principal> {
    grpc::ClientContext ctx;
    Prepare(ctx);
    v1::ListOrganisationsRequest req;
    req.set_oin(o);
    req.set_page_size(2);
    v1::ListOrganisationsResponse resp;
    grpc::Status s = registry_->ListOrganisations(&ctx, req, &resp);
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
        s.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
      SAMENSPEL_RETURN_IF_ERROR(CheckOwnCredential());
    }
    if (s.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
      return OwnCredentialMayNot("ListOrganisations", s);
    }
    if (!s.ok()) return RegistryUnavailable("ListOrganisations", s);
    if (resp.organisations_size() != 1) {
      return Unauthenticated(
          absl::StrCat("the client certificate's OIN ", o,
                       " belongs to no single registered organisation"));
    }
    const bool admin = std::find(options_.admin_oins.begin(), options_.admin_oins.end(),
                                 o) != options_.admin_oins.end();
    v1::Principal p;
    p.set_subject(absl::StrCat("oin/", o));
    p.set_organisation(resp.organisations(0).name());
    p.set_role(admin ? v1::ROLE_ADMIN : options_.certificate_role);
    return p;
  });
}

}  // namespace samenspel
