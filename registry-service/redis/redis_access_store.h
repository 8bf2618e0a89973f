// AccessStore on Redis: each token a hash at RedisKeys::Token (the secret's
// hash and the serialized AccessToken), every id in the sorted set
// RedisKeys::TokenIds for ordered listing, and the audit log as the stream
// RedisKeys::Audit, trimmed by age (XADD MINID). A batch of audit events is
// one script call, so the log costs one round trip per batch, and its events
// share stream entries (up to 100 each, the field "e" once per event, in
// order), so Redis's work is per entry rather than per event.
//
// Thread-safe. UNAVAILABLE when Redis cannot be reached (the connection is
// replaced on the next call).
#ifndef SAMENSPEL_REGISTRY_REDIS_REDIS_ACCESS_STORE_H_
#define SAMENSPEL_REGISTRY_REDIS_REDIS_ACCESS_STORE_H_

#include <memory>
#include <string>

#include "registry-service/core/access_store.h"
#include "registry-service/redis/redis_connection.h"
#include "registry-service/redis/redis_keys.h"

namespace samenspel::registry {

class RedisAccessStore : public AccessStore {
 public:
  // Does not connect until the first call. With `wait_replicas` > 0, a
  // token's creation or change (a revocation) is acknowledged only once that
  // many replicas have it (Redis WAIT), as RedisStoreOptions::wait_replicas
  // for records; audit events are appended without.
  RedisAccessStore(RedisConnectOptions options, std::string key_prefix, int pool_size = 4,
                   int wait_replicas = 0, absl::Duration wait_timeout = absl::Seconds(1));

  absl::Status CreateToken(const StoredToken& token) override;
  absl::StatusOr<StoredToken> GetToken(const std::string& id) override;
  absl::Status UpdateToken(const std::string& id, const v1::AccessToken& token) override;
  absl::StatusOr<std::vector<StoredToken>> ListTokens(const std::string& after_id,
                                                      int limit) override;
  absl::Status AppendAudit(const std::vector<v1::AuditEvent>& events,
                           absl::Duration retention) override;
  // The audit stream's memory (MEMORY USAGE) within `max_bytes`, or with 0
  // within half of Redis' maxmemory (no cap when that is not set, or CONFIG
  // is refused): over it, the oldest entries are trimmed to 90% of the cap.
  absl::StatusOr<std::optional<std::string>> CapAudit(int64_t max_bytes) override;
  absl::StatusOr<std::vector<StoredAuditEvent>> ListAudit(const std::string& before_id,
                                                          int limit) override;

 private:
  absl::StatusOr<RedisReply> Run(absl::Span<const absl::string_view> argv);
  // Run, then WAIT on the same connection when wait_replicas_ > 0.
  absl::StatusOr<RedisReply> RunWrite(absl::Span<const absl::string_view> argv);

  const RedisKeys keys_;
  ConnectionPool pool_;
  const int wait_replicas_;
  const absl::Duration wait_timeout_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_REDIS_REDIS_ACCESS_STORE_H_
