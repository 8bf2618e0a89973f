// Storage of access tokens and the audit log, apart from the resource Store:
// neither is part of the change feed. RedisAccessStore
// (registry-service/redis) and MemoryAccessStore (here) implement it; the
// same conformance tests run on both (tests/registry/access_store_test.cc).
#ifndef SAMENSPEL_REGISTRY_CORE_ACCESS_STORE_H_
#define SAMENSPEL_REGISTRY_CORE_ACCESS_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "samenspel/registry/v1/access_service.pb.h"

namespace samenspel::registry {

struct StoredToken {
  // The token's id (the part of its name after "accessTokens/").
  std::string id;
  // Hex SHA-256 of the secret; the secret itself is never stored.
  std::string secret_hash;
  v1::AccessToken token;
  // The create_time of the organisation the token was issued for (its
  // record then): the token acts for that organisation only, never for
  // one created later under the same id. Empty (no nanos, no seconds) for
  // tokens issued before 2026-12-01.
  google::protobuf::Timestamp organisation_create_time;
};

struct StoredAuditEvent {
  // Opaque, increasing with time: the paging key.
  std::string id;
  v1::AuditEvent event;
};

// Thread-safe. Every method may return UNAVAILABLE when the backing store
// cannot be reached, and INTERNAL for corrupt data.
class AccessStore {
 public:
  virtual ~AccessStore() = default;

  // ALREADY_EXISTS when a token with this id exists.
  virtual absl::Status CreateToken(const StoredToken& token) = 0;
  // NOT_FOUND when absent.
  virtual absl::StatusOr<StoredToken> GetToken(const std::string& id) = 0;
  // Replaces the token's metadata (the hash stays). NOT_FOUND when absent.
  virtual absl::Status UpdateToken(const std::string& id,
                                   const v1::AccessToken& token) = 0;
  // Tokens with id > after_id in id order, at most `limit` (> 0).
  virtual absl::StatusOr<std::vector<StoredToken>> ListTokens(const std::string& after_id,
                                                              int limit) = 0;

  // Appends events in order; events older than `retention` may be dropped.
  virtual absl::Status AppendAudit(const std::vector<v1::AuditEvent>& events,
                                   absl::Duration retention) = 0;
  // Events with id < before_id ("" for the newest), newest first, at most
  // `limit` (> 0).
  virtual absl::StatusOr<std::vector<StoredAuditEvent>> ListAudit(
      const std::string& before_id, int limit) = 0;

  // Keeps the audit log within `max_bytes` of the store's memory (0: a cap
  // the store chooses, or none), dropping its oldest events. What it did, for
  // the operator's log, when it dropped any; nothing otherwise (and by
  // default: a store without such a limit).
  virtual absl::StatusOr<std::optional<std::string>> CapAudit(int64_t /*max_bytes*/) {
    return std::nullopt;
  }
};

// For unit tests and local trials; everything is lost with the process.
class MemoryAccessStore : public AccessStore {
 public:
  absl::Status CreateToken(const StoredToken& token) override;
  absl::StatusOr<StoredToken> GetToken(const std::string& id) override;
  absl::Status UpdateToken(const std::string& id, const v1::AccessToken& token) override;
  absl::StatusOr<std::vector<StoredToken>> ListTokens(const std::string& after_id,
                                                      int limit) override;
  absl::Status AppendAudit(const std::vector<v1::AuditEvent>& events,
                           absl::Duration retention) override;
  absl::StatusOr<std::vector<StoredAuditEvent>> ListAudit(const std::string& before_id,
                                                          int limit) override;

 private:
  absl::Mutex mu_;
  absl::btree_map<std::string, StoredToken> tokens_ ABSL_GUARDED_BY(mu_);
  // Keyed by a zero-padded sequence number, so string order is time order.
  absl::btree_map<std::string, v1::AuditEvent> audit_ ABSL_GUARDED_BY(mu_);
  int64_t next_audit_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_ACCESS_STORE_H_
