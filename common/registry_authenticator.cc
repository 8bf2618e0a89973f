#include "common/registry_authenticator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/call_credentials.h"
#include "common/errors.h"
#include "common/grpc_status.h"
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
    absl::MutexLock lock(&mu_);
    if (cache_.size() > 100000) cache_.clear();
    cache_[key] = Cached{principal, now + options_.cache_ttl};
  }
  return principal;
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
      if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) return FromGrpcStatus(s);
      return absl::UnavailableError(
          absl::StrCat("cannot check the token with the registry: ", s.error_message()));
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
    if (!s.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "cannot look up the certificate's OIN in the registry: ", s.error_message()));
    }
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
