// Authentication and the AccessService logic: bearer tokens (issued by
// admins, stored only as SHA-256 hashes, with expiry and revocation), the
// bootstrap admin secret, client-certificate principals by OIN, and queries
// of the audit log. No gRPC here: the adapter extracts the bearer secret or
// the certificate's OIN and calls Authenticate*.
//
// Token secrets look like "sst.<id>.<random>": the id finds the stored hash,
// the random part (32 bytes) is what makes it secret.
//
// Thread-safe. Verified tokens are cached for `cache_ttl`, so a revocation
// (or a change of the token's organisation: OrganisationChanged) takes
// effect at once on this replica and within cache_ttl on others.
//
// Example:
//   AccessControl access(&access_store, &store, {.bootstrap_admin_secret = s});
//   absl::StatusOr<v1::Principal> admin = access.AuthenticateBearer(s);
//   v1::CreateAccessTokenRequest req;  // organisation, role, expire_time
//   auto issued = access.CreateToken(*admin, req);
//   access.AuthenticateBearer(issued->secret());  // the new principal
#ifndef SAMENSPEL_REGISTRY_CORE_ACCESS_CONTROL_H_
#define SAMENSPEL_REGISTRY_CORE_ACCESS_CONTROL_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "registry-service/core/access_store.h"
#include "registry-service/core/store.h"
#include "samenspel/registry/v1/access_service.pb.h"

namespace samenspel::registry {

struct AccessControlOptions {
  // The bootstrap admin credential (from --admin_token_file); empty for none.
  std::string bootstrap_admin_secret;
  // How long a verified token or OIN stays trusted without a store read
  // (default 5 s).
  absl::Duration cache_ttl = absl::Seconds(5);
  // The longest lifetime a token may be issued with (default 366 days).
  absl::Duration max_token_lifetime = absl::Hours(24 * 366);
  // Client certificates with one of these OINs act as admins.
  std::vector<std::string> admin_oins;
  // The role of other client-certificate principals (default editor).
  v1::Role certificate_role = v1::ROLE_EDITOR;
  // default page size, maximum page size of the list methods.
  int default_page_size = 50;
  int max_page_size = 1000;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class AccessControl {
 public:
  // Both stores must outlive this object.
  AccessControl(AccessStore* access_store, Store* store, AccessControlOptions options);

  // The principal of a bearer secret. UNAUTHENTICATED (with a reason) when
  // the secret is malformed, unknown, expired or revoked.
  absl::StatusOr<v1::Principal> AuthenticateBearer(absl::string_view secret);

  // The principal of a client certificate carrying `oin` (its subject
  // serialNumber). UNAUTHENTICATED when no organisation has that OIN.
  absl::StatusOr<v1::Principal> AuthenticateOin(absl::string_view oin);

  // The same answers when they need no store read (the bootstrap secret, a
  // string that is not a token at all, or a cached verification); nullopt
  // when they would read the store.
  std::optional<absl::StatusOr<v1::Principal>> CachedBearer(absl::string_view secret);
  std::optional<absl::StatusOr<v1::Principal>> CachedOin(absl::string_view oin);

  // The AccessService methods; PERMISSION_DENIED unless `caller` is an admin.
  absl::StatusOr<v1::CreateAccessTokenResponse> CreateToken(
      const v1::Principal& caller, const v1::CreateAccessTokenRequest& request);
  absl::StatusOr<v1::ListAccessTokensResponse> ListTokens(
      const v1::Principal& caller, const v1::ListAccessTokensRequest& request);
  absl::StatusOr<v1::AccessToken> RevokeToken(
      const v1::Principal& caller, const v1::RevokeAccessTokenRequest& request);
  absl::StatusOr<v1::Principal> Introspect(
      const v1::Principal& caller, const v1::IntrospectAccessTokenRequest& request);
  absl::StatusOr<v1::ListAuditEventsResponse> ListAudit(
      const v1::Principal& caller, const v1::ListAuditEventsRequest& request);

  // Forgets what was cached for `organisation` ("organisations/{id}"): its
  // tokens' and certificates' verifications, and every OIN lookup (an OIN
  // may have moved to or from it). The registry calls it when it created,
  // updated or deleted the organisation, so that on this replica a token
  // stops at once when its organisation is deleted, and an OIN change holds
  // at once; on other replicas within cache_ttl.
  void OrganisationChanged(absl::string_view organisation);

  // Hex SHA-256 of a secret, as stored.
  static std::string HashSecret(absl::string_view secret);

 private:
  struct Cached {
    absl::StatusOr<v1::Principal> principal;
    absl::Time valid_until;
    std::string token_id;
  };

  // Caches `entry` under `key`, within kMaxCached entries.
  void Remember(const std::string& key, Cached entry, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static constexpr size_t kMaxCached = 100000;

  // The cache entry of `key` if still valid at `now`.
  std::optional<absl::StatusOr<v1::Principal>> Lookup(const std::string& key,
                                                      absl::Time now);
  // Sets *expires to the token's expiry when it is found.
  absl::StatusOr<v1::Principal> VerifyToken(absl::string_view secret,
                                            absl::Time* expires);
  absl::Status RequireAdmin(const v1::Principal& caller, absl::string_view what) const;
  int PageSize(int requested) const;

  AccessStore* const access_store_;
  Store* const store_;
  const AccessControlOptions options_;
  const std::string bootstrap_hash_;

  absl::Mutex mu_;
  // Keyed by the secret's hash (or "oin:" + OIN).
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
  // Revocations and organisation changes on this replica so far: a
  // verification that one overlapped is not cached.
  uint64_t invalidations_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_ACCESS_CONTROL_H_
