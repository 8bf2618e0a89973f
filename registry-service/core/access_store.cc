#include "registry-service/core/access_store.h"

#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "google/protobuf/util/time_util.h"

namespace samenspel::registry {

using google::protobuf::util::TimeUtil;

absl::Status MemoryAccessStore::CreateToken(const StoredToken& token) {
  absl::MutexLock lock(&mu_);
  if (!tokens_.emplace(token.id, token).second) {
    return AlreadyExistsError(token.token.name());
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredToken> MemoryAccessStore::GetToken(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = tokens_.find(id);
  if (it == tokens_.end()) return NotFoundError("accessTokens/" + id);
  return it->second;
}

absl::Status MemoryAccessStore::UpdateToken(const std::string& id,
                                            const v1::AccessToken& token) {
  absl::MutexLock lock(&mu_);
  auto it = tokens_.find(id);
  if (it == tokens_.end()) return NotFoundError("accessTokens/" + id);
  it->second.token = token;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredToken>> MemoryAccessStore::ListTokens(
    const std::string& after_id, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<StoredToken> out;
  for (auto it = tokens_.upper_bound(after_id);
       it != tokens_.end() && static_cast<int>(out.size()) < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

absl::Status MemoryAccessStore::AppendAudit(const std::vector<v1::AuditEvent>& events,
                                            absl::Duration retention) {
  absl::MutexLock lock(&mu_);
  for (const v1::AuditEvent& e : events) {
    audit_.emplace(absl::StrFormat("%020d", next_audit_++), e);
  }
  const int64_t oldest_ms = absl::ToUnixMillis(absl::Now() - retention);
  while (!audit_.empty() &&
         TimeUtil::TimestampToMilliseconds(audit_.begin()->second.time()) < oldest_ms) {
    audit_.erase(audit_.begin());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredAuditEvent>> MemoryAccessStore::ListAudit(
    const std::string& before_id, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<StoredAuditEvent> out;
  auto it = before_id.empty() ? audit_.end() : audit_.lower_bound(before_id);
  while (it != audit_.begin() && static_cast<int>(out.size()) < limit) {
    --it;
    out.push_back({it->first, it->second});
  }
  return out;
}

}  // namespace samenspel::registry
