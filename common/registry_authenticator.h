// Authentication for services other than the registry (samenspel-matching):
// the caller's bearer token is checked with the registry's
// AccessService.IntrospectAccessToken, and a client certificate's OIN is
// looked up with ListOrganisations(oin). Answers, good and bad, are cached
// for `cache_ttl`, so the registry sees at most one call per credential per
// TTL, and a revocation takes effect here within it.
//
// Thread-safe.
//
// Example:
//   RegistryAuthenticator auth(registry_channel, own_token, {});
//   absl::StatusOr<registry::v1::Principal> who = auth.Authenticate(context);
#ifndef SAMENSPEL_COMMON_REGISTRY_AUTHENTICATOR_H_
#define SAMENSPEL_COMMON_REGISTRY_AUTHENTICATOR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/channel.h"
#include "grpcpp/server_context.h"
#include "samenspel/registry/v1/access_service.grpc.pb.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"

namespace samenspel {

struct RegistryAuthenticatorOptions {
  // Default 5 s.
  absl::Duration cache_ttl = absl::Seconds(5);
  // Deadline of each call to the registry (default 2 s).
  absl::Duration call_timeout = absl::Seconds(2);
  // Client certificates with one of these OINs act as admins.
  std::vector<std::string> admin_oins;
  // The role of other client-certificate principals (default editor).
  registry::v1::Role certificate_role = registry::v1::ROLE_EDITOR;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class RegistryAuthenticator {
 public:
  // `own_token` is this service's bearer token for the registry (an admin
  // token: introspection is admin only); empty when the channel's client
  // certificate identifies it.
  RegistryAuthenticator(std::shared_ptr<grpc::Channel> registry, std::string own_token,
                        RegistryAuthenticatorOptions options);

  // The caller's principal. UNAUTHENTICATED without valid credentials;
  // UNAVAILABLE when the registry could not be asked.
  absl::StatusOr<registry::v1::Principal> Authenticate(
      const grpc::ServerContextBase& context);

  // The cached answer for credential `key`, or else `ask()`'s, cached when it
  // is definite (a principal, or UNAUTHENTICATED). At most kMaxCached
  // entries: refusals and expired ones give way first, so that a flood of
  // made-up credentials does not push out the callers who are let in.
  // (Public for tests; Authenticate is the way in.)
  absl::StatusOr<registry::v1::Principal> Lookup(
      const std::string& key,
      const std::function<absl::StatusOr<registry::v1::Principal>()>& ask);
  static constexpr size_t kMaxCached = 100000;

 private:
  struct Cached {
    absl::StatusOr<registry::v1::Principal> principal;
    absl::Time valid_until;
  };
  void Prepare(grpc::ClientContext& context) const;
  // OK when the registry accepts this service's own credential; else
  // UNAVAILABLE (logged), for the caller's credential was not the problem.
  absl::Status CheckOwnCredential();
  // UNAVAILABLE for a failed call to the registry's `method`, logged with
  // its details; callers are not told the registry's address.
  absl::Status RegistryUnavailable(absl::string_view method, const grpc::Status& s);
  // INTERNAL (logged) when the registry refused `method` to this service's
  // own credential (PERMISSION_DENIED: not an admin's): no caller can be
  // checked until its operator gives it one, so retrying is no use.
  absl::Status OwnCredentialMayNot(absl::string_view method, const grpc::Status& s);
  void Warn(const std::string& message);

  const std::unique_ptr<registry::v1::AccessService::Stub> access_;
  const std::unique_ptr<registry::v1::RegistryService::Stub> registry_;
  const std::string own_token_;
  const RegistryAuthenticatorOptions options_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
  absl::Time last_warning_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_REGISTRY_AUTHENTICATOR_H_
