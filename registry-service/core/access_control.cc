#include "registry-service/core/access_control.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "openssl/crypto.h"
#include "openssl/rand.h"
#include "openssl/sha.h"
#include "registry-service/core/access_policy.h"
#include "registry-service/core/names.h"
#include "registry-service/core/page_token.h"
#include "registry-service/core/validation.h"

namespace samenspel::registry {
namespace {

using google::protobuf::util::TimeUtil;

constexpr absl::string_view kTokenPrefix = "sst";
constexpr absl::string_view kTokenCollection = "accessTokens/";

absl::Status Unauthenticated(absl::string_view why) {
  return WithReason(absl::UnauthenticatedError(why), "UNAUTHENTICATED");
}

std::string RandomBytes(int n) {
  std::string out(n, '\0');
  // RAND_bytes only fails when the kernel has no entropy: cannot happen on
  // Linux after boot, and a token must never be predictable.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), n) != 1) abort();
  return out;
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMillis(TimeUtil::TimestampToMilliseconds(t));
}
google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(t));
}

// The id part of "sst.<id>.<random>"; empty when malformed.
std::string TokenId(absl::string_view secret) {
  std::vector<absl::string_view> parts = absl::StrSplit(secret, '.');
  if (parts.size() != 3 || parts[0] != kTokenPrefix || !IsValidId(parts[1]) ||
      parts[2].size() < 32) {
    return "";
  }
  return std::string(parts[1]);
}

absl::Status NotAToken() { return Unauthenticated("not a Samenspel access token"); }

bool SameHash(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

AccessControl::AccessControl(AccessStore* access_store, Store* store,
                             AccessControlOptions options)
    : access_store_(access_store),
      store_(store),
      options_(std::move(options)),
      bootstrap_hash_(options_.bootstrap_admin_secret.empty()
                          ? ""
                          : HashSecret(options_.bootstrap_admin_secret)) {}

std::string AccessControl::HashSecret(absl::string_view secret) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

absl::StatusOr<v1::Principal> AccessControl::AuthenticateBearer(
    absl::string_view secret) {
  const std::string hash = HashSecret(secret);
  if (!bootstrap_hash_.empty() && SameHash(hash, bootstrap_hash_)) {
    return MakePrincipal("bootstrap-admin", "", v1::ROLE_ADMIN);
  }
  const absl::Time now = options_.clock();
  if (auto cached = Lookup(hash, now)) return *std::move(cached);
  uint64_t invalidations;
  {
    absl::MutexLock lock(&mu_);
    invalidations = invalidations_;
  }
  absl::Time expires = absl::InfiniteFuture();
  const std::string id = TokenId(secret);
  absl::StatusOr<v1::Principal> principal = VerifyToken(secret, &expires);
  if (absl::IsUnavailable(principal.status())) return principal;  // do not cache
  // Not a token at all: refused again without a read, so not remembered.
  if (id.empty()) return principal;
  absl::MutexLock lock(&mu_);
  // A revocation or organisation change on this replica while the token was
  // read: what was read may predate it, so it is not cached (the next call
  // reads again).
  if (invalidations != invalidations_) return principal;
  // Never trusted from the cache beyond the token's own expiry.
  Remember(hash, Cached{principal, std::min(now + options_.cache_ttl, expires), id}, now);
  return principal;
}

void AccessControl::Remember(const std::string& key, Cached entry, absl::Time now) {
  // Bounded against floods of made-up tokens: refusals and expired entries
  // go first, so that they do not push out the callers who are let in (each
  // would cost a store read again).
  if (cache_.size() >= kMaxCached) {
    absl::erase_if(cache_, [now](const auto& e) {
      return !e.second.principal.ok() || e.second.valid_until <= now;
    });
    if (cache_.size() >= kMaxCached) cache_.clear();
  }
  cache_[key] = std::move(entry);
}

std::optional<absl::StatusOr<v1::Principal>> AccessControl::CachedBearer(
    absl::string_view secret) {
  const std::string hash = HashSecret(secret);
  if (!bootstrap_hash_.empty() && SameHash(hash, bootstrap_hash_)) {
    return MakePrincipal("bootstrap-admin", "", v1::ROLE_ADMIN);
  }
  // Not a token at all: refused without a read (and never cached).
  if (TokenId(secret).empty()) return NotAToken();
  return Lookup(hash, options_.clock());
}

std::optional<absl::StatusOr<v1::Principal>> AccessControl::CachedOin(
    absl::string_view oin) {
  return Lookup(absl::StrCat("oin:", oin), options_.clock());
}

std::optional<absl::StatusOr<v1::Principal>> AccessControl::Lookup(const std::string& key,
                                                                   absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(key);
  if (it != cache_.end() && it->second.valid_until > now) return it->second.principal;
  return std::nullopt;
}

absl::StatusOr<v1::Principal> AccessControl::VerifyToken(absl::string_view secret,
                                                         absl::Time* expires) {
  const std::string id = TokenId(secret);
  if (id.empty()) return NotAToken();
  absl::StatusOr<StoredToken> stored = access_store_->GetToken(id);
  if (absl::IsNotFound(stored.status())) return Unauthenticated("unknown access token");
  SAMENSPEL_RETURN_IF_ERROR(stored.status());
  if (!SameHash(HashSecret(secret), stored->secret_hash)) {
    return Unauthenticated("unknown access token");
  }
  const v1::AccessToken& t = stored->token;
  if (t.has_revoke_time()) return Unauthenticated("the access token was revoked");
  *expires = FromProto(t.expire_time());
  if (*expires <= options_.clock())
    return Unauthenticated("the access token has expired");
  // A token acts for its organisation as long as that exists: not after it
  // was deleted, nor for a new organisation under the same name.
  absl::StatusOr<std::string> org_id =
      ParseName(Kind::kOrganisation, t.organisation(), "organisation");
  if (!org_id.ok()) return Unauthenticated("the access token names no organisation");
  absl::StatusOr<StoredRecord> org = store_->Get(Kind::kOrganisation, *org_id);
  if (absl::IsNotFound(org.status())) {
    return Unauthenticated(absl::StrCat("the access token's organisation ",
                                        t.organisation(), " no longer exists"));
  }
  SAMENSPEL_RETURN_IF_ERROR(org.status());
  v1::Organisation o;
  if (!o.ParseFromString(org->data)) return absl::InternalError("corrupt organisation");
  const google::protobuf::Timestamp& issued_for = stored->organisation_create_time;
  const bool bound = issued_for.seconds() != 0 || issued_for.nanos() != 0;
  // A token knows the organisation record it was issued for. One issued
  // before it did is judged by times, with a minute's leeway for the clocks
  // of registry replicas (so it may still act for an organisation created
  // again within that minute).
  if (bound
          ? !(o.create_time().seconds() == issued_for.seconds() &&
              o.create_time().nanos() == issued_for.nanos())
          : FromProto(o.create_time()) > FromProto(t.create_time()) + absl::Minutes(1)) {
    return Unauthenticated(
        absl::StrCat("the access token was issued before ", t.organisation(),
                     " was created again: it acted for the earlier one"));
  }
  v1::Principal principal = MakePrincipal(t.name(), t.organisation(), t.role());
  *principal.mutable_expire_time() = t.expire_time();
  return principal;
}

absl::StatusOr<v1::Principal> AccessControl::AuthenticateOin(absl::string_view oin) {
  const std::string key = absl::StrCat("oin:", oin);
  const absl::Time now = options_.clock();
  if (auto cached = Lookup(key, now)) return *std::move(cached);
  uint64_t invalidations;
  {
    absl::MutexLock lock(&mu_);
    invalidations = invalidations_;
  }
  ListRequest list;
  list.kind = Kind::kOrganisation;
  list.index = IndexEntry{"oin", std::string(oin)};
  list.limit = 2;
  SAMENSPEL_ASSIGN_OR_RETURN(ListResult found, store_->List(list));
  absl::StatusOr<v1::Principal> principal;
  if (found.records.size() != 1) {
    principal = Unauthenticated(
        absl::StrCat("the client certificate's OIN ", oin,
                     found.records.empty() ? " belongs to no registered organisation"
                                           : " belongs to more than one organisation"));
  } else {
    const bool admin = std::find(options_.admin_oins.begin(), options_.admin_oins.end(),
                                 oin) != options_.admin_oins.end();
    principal = MakePrincipal(absl::StrCat("oin/", oin),
                              ResourceName(Kind::kOrganisation, found.records[0].id),
                              admin ? v1::ROLE_ADMIN : options_.certificate_role);
  }
  absl::MutexLock lock(&mu_);
  if (invalidations == invalidations_) {
    Remember(key, Cached{principal, now + options_.cache_ttl, ""}, now);
  }
  return principal;
}

void AccessControl::OrganisationChanged(absl::string_view organisation) {
  absl::MutexLock lock(&mu_);
  ++invalidations_;
  absl::erase_if(cache_, [&](const auto& entry) {
    return absl::StartsWith(entry.first, "oin:") ||
           (entry.second.principal.ok() &&
            entry.second.principal->organisation() == organisation);
  });
}

absl::Status AccessControl::RequireAdmin(const v1::Principal& caller,
                                         absl::string_view what) const {
  if (IsAdmin(caller)) return absl::OkStatus();
  return WithReason(absl::PermissionDeniedError(
                        absl::StrCat("only admins may ", what, "; ", caller.subject(),
                                     " is ", RoleName(caller.role()))),
                    "PERMISSION_DENIED");
}

int AccessControl::PageSize(int requested) const {
  return requested <= 0 ? options_.default_page_size
                        : std::min(requested, options_.max_page_size);
}

absl::StatusOr<v1::CreateAccessTokenResponse> AccessControl::CreateToken(
    const v1::Principal& caller, const v1::CreateAccessTokenRequest& request) {
  SAMENSPEL_RETURN_IF_ERROR(RequireAdmin(caller, "issue access tokens"));
  const v1::AccessToken& in = request.access_token();
  const absl::Time now = options_.clock();
  FieldViolations v;
  absl::StatusOr<std::string> org_id =
      ParseName(Kind::kOrganisation, in.organisation(), "access_token.organisation");
  if (!org_id.ok()) v.Add("access_token.organisation", "must be organisations/{id}");
  if (in.role() == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(in.role())) {
    v.Add("access_token.role", "ROLE_READER, ROLE_EDITOR or ROLE_ADMIN");
  }
  // (gRPC already rejects invalid UTF-8 in proto3 strings.)
  if (in.description().size() > 200) {
    v.Add("access_token.description", "at most 200 bytes");
  }
  if (!in.has_expire_time()) {
    v.Add("access_token.expire_time", "required: tokens do not live forever");
  } else if (!IsValidTimestamp(in.expire_time())) {
    v.Add("access_token.expire_time", std::string(kInvalidTimestamp));
  } else if (FromProto(in.expire_time()) <= now) {
    v.Add("access_token.expire_time", "must be in the future");
  } else if (FromProto(in.expire_time()) > now + options_.max_token_lifetime) {
    v.Add("access_token.expire_time",
          absl::StrCat("at most ", absl::ToInt64Hours(options_.max_token_lifetime) / 24,
                       " days ahead"));
  }
  SAMENSPEL_RETURN_IF_ERROR(v.ToStatus());
  absl::StatusOr<StoredRecord> org = store_->Get(Kind::kOrganisation, *org_id);
  if (absl::IsNotFound(org.status())) {
    return InvalidField("access_token.organisation",
                        absl::StrCat(in.organisation(), " does not exist"));
  }
  SAMENSPEL_RETURN_IF_ERROR(org.status());
  v1::Organisation organisation;
  if (!organisation.ParseFromString(org->data))
    return absl::InternalError("corrupt organisation");

  StoredToken stored;
  stored.organisation_create_time = organisation.create_time();
  stored.id = absl::BytesToHexString(RandomBytes(8));
  const std::string secret = absl::StrCat(kTokenPrefix, ".", stored.id, ".",
                                          absl::WebSafeBase64Escape(RandomBytes(32)));
  stored.secret_hash = HashSecret(secret);
  stored.token = in;
  stored.token.set_name(absl::StrCat(kTokenCollection, stored.id));
  *stored.token.mutable_create_time() = ToProto(now);
  stored.token.clear_revoke_time();
  stored.token.set_creator(caller.subject());
  SAMENSPEL_RETURN_IF_ERROR(access_store_->CreateToken(stored));
  v1::CreateAccessTokenResponse response;
  *response.mutable_access_token() = stored.token;
  response.set_secret(secret);
  return response;
}

absl::StatusOr<v1::ListAccessTokensResponse> AccessControl::ListTokens(
    const v1::Principal& caller, const v1::ListAccessTokensRequest& request) {
  SAMENSPEL_RETURN_IF_ERROR(RequireAdmin(caller, "list access tokens"));
  if (request.page_size() < 0) return InvalidField("page_size", "must not be negative");
  const int page_size = PageSize(request.page_size());
  const std::string filter = request.organisation();
  SAMENSPEL_ASSIGN_OR_RETURN(std::string after,
                             DecodePageToken(request.page_token(), filter));
  v1::ListAccessTokensResponse response;
  for (int scanned = 0; response.access_tokens_size() < page_size;) {
    SAMENSPEL_ASSIGN_OR_RETURN(std::vector<StoredToken> page,
                               access_store_->ListTokens(after, page_size));
    size_t used = 0;  // of `page`, up to the last one looked at
    for (const StoredToken& t : page) {
      after = t.id;
      ++scanned;
      ++used;
      if (filter.empty() || t.token.organisation() == filter) {
        *response.add_access_tokens() = t.token;
        if (response.access_tokens_size() == page_size) break;
      }
    }
    // The end: the store's last, short page, all of it looked at.
    if (static_cast<int>(page.size()) < page_size && used == page.size()) return response;
    if (scanned >= 20 * page_size + 1000) break;
  }
  response.set_next_page_token(EncodePageToken(filter, after));
  return response;
}

absl::StatusOr<v1::AccessToken> AccessControl::RevokeToken(
    const v1::Principal& caller, const v1::RevokeAccessTokenRequest& request) {
  SAMENSPEL_RETURN_IF_ERROR(RequireAdmin(caller, "revoke access tokens"));
  if (!absl::StartsWith(request.name(), kTokenCollection) ||
      !IsValidId(request.name().substr(kTokenCollection.size()))) {
    return InvalidField("name", "must be accessTokens/{id}");
  }
  const std::string id = request.name().substr(kTokenCollection.size());
  SAMENSPEL_ASSIGN_OR_RETURN(StoredToken stored, access_store_->GetToken(id));
  if (!stored.token.has_revoke_time()) {
    *stored.token.mutable_revoke_time() = ToProto(options_.clock());
    SAMENSPEL_RETURN_IF_ERROR(access_store_->UpdateToken(id, stored.token));
  }
  absl::MutexLock lock(&mu_);
  ++invalidations_;
  absl::erase_if(cache_, [&](const auto& entry) { return entry.second.token_id == id; });
  return stored.token;
}

absl::StatusOr<v1::Principal> AccessControl::Introspect(
    const v1::Principal& caller, const v1::IntrospectAccessTokenRequest& request) {
  SAMENSPEL_RETURN_IF_ERROR(RequireAdmin(caller, "introspect access tokens"));
  // Read, not answered from this registry's cache: the asking service caches
  // the answer for its own --token_cache_ttl, and a revocation must reach it
  // within that, not within twice that.
  const std::string hash = HashSecret(request.secret());
  if (!bootstrap_hash_.empty() && SameHash(hash, bootstrap_hash_)) {
    return MakePrincipal("bootstrap-admin", "", v1::ROLE_ADMIN);
  }
  absl::Time expires = absl::InfiniteFuture();
  return VerifyToken(request.secret(), &expires);
}

absl::StatusOr<v1::ListAuditEventsResponse> AccessControl::ListAudit(
    const v1::Principal& caller, const v1::ListAuditEventsRequest& request) {
  SAMENSPEL_RETURN_IF_ERROR(RequireAdmin(caller, "read the audit log"));
  FieldViolations v;
  if (request.page_size() < 0) v.Add("page_size", "must not be negative");
  if (request.has_start_time() && !IsValidTimestamp(request.start_time())) {
    v.Add("start_time", std::string(kInvalidTimestamp));
  }
  if (request.has_end_time() && !IsValidTimestamp(request.end_time())) {
    v.Add("end_time", std::string(kInvalidTimestamp));
  }
  SAMENSPEL_RETURN_IF_ERROR(v.ToStatus());
  const int page_size = PageSize(request.page_size());
  const bool has_start = request.has_start_time();
  const bool has_end = request.has_end_time();
  const absl::Time start = FromProto(request.start_time());
  const absl::Time end = FromProto(request.end_time());
  const std::string filter =
      absl::StrCat(request.subject(), "\n", request.organisation(), "\n",
                   request.resource(), "\n", request.start_time().ShortDebugString(),
                   "\n", request.end_time().ShortDebugString());
  SAMENSPEL_ASSIGN_OR_RETURN(std::string before,
                             DecodePageToken(request.page_token(), filter));
  auto matches = [&](const v1::AuditEvent& e) {
    const auto& res = e.resources();
    const auto& orgs = e.organisations();
    return (request.subject().empty() || e.principal().subject() == request.subject()) &&
           (request.organisation().empty() ||
            e.principal().organisation() == request.organisation() ||
            std::find(orgs.begin(), orgs.end(), request.organisation()) != orgs.end()) &&
           (request.resource().empty() ||
            std::find(res.begin(), res.end(), request.resource()) != res.end()) &&
           (!has_end || FromProto(e.time()) < end);
  };
  v1::ListAuditEventsResponse response;
  for (int scanned = 0; response.audit_events_size() < page_size;) {
    SAMENSPEL_ASSIGN_OR_RETURN(std::vector<StoredAuditEvent> page,
                               access_store_->ListAudit(before, page_size));
    size_t used = 0;  // of `page`, up to the last one looked at
    for (const StoredAuditEvent& e : page) {
      // Newest first: once before start_time, nothing older can match.
      if (has_start && FromProto(e.event.time()) < start) return response;
      before = e.id;
      ++scanned;
      ++used;
      if (matches(e.event)) {
        *response.add_audit_events() = e.event;
        if (response.audit_events_size() == page_size) break;
      }
    }
    // The end: the store's last, short page, all of it looked at.
    if (static_cast<int>(page.size()) < page_size && used == page.size()) return response;
    if (scanned >= 20 * page_size + 1000) break;
  }
  response.set_next_page_token(EncodePageToken(filter, before));
  return response;
}

}  // namespace samenspel::registry
