// An in-memory Store for unit tests and quick local trials. Same semantics and
// error contract as RedisStore (the conformance suite runs on both); never a
// stand-in for Redis in integration tests.
//
// Example:
//   MemoryStore store;
//   Registry registry(&store, RegistryOptions{});
#ifndef SAMENSPEL_REGISTRY_CORE_MEMORY_STORE_H_
#define SAMENSPEL_REGISTRY_CORE_MEMORY_STORE_H_

#include <deque>
#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "registry-service/core/store.h"

namespace samenspel::registry {

struct MemoryStoreOptions {
  // How many of the most recent changes the feed keeps (default 1,000,000).
  int64_t feed_retention = 1000000;
};

// Thread-safe: one mutex guards everything; ReadChanges waits on it without
// holding it.
class MemoryStore : public Store {
 public:
  explicit MemoryStore(MemoryStoreOptions options = {});

  absl::StatusOr<StoredRecord> Get(Kind kind, absl::string_view id) override;
  absl::StatusOr<ListResult> List(const ListRequest& request) override;
  absl::StatusOr<int64_t> CountIndexed(Kind kind, const IndexEntry& index) override;
  absl::StatusOr<CommitResult> Commit(const CommitRequest& request) override;
  absl::StatusOr<std::vector<StoredChange>> ReadChanges(int64_t after_revision, int max,
                                                        absl::Duration wait) override;
  absl::StatusOr<int64_t> CurrentRevision() override;

 private:
  struct Entry {
    StoredRecord record;
    std::vector<IndexEntry> indexes;
  };
  using RecordKey = std::pair<Kind, std::string>;
  using IndexKey = std::tuple<Kind, std::string, std::string>;

  absl::Status CheckLocked(const CommitRequest& request) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IndexLocked(Kind kind, const std::string& id, int64_t position,
                   const std::vector<IndexEntry>& entries, bool add)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Erasure: the feed entries of the record so far become kRedacted.
  void RedactFeedLocked(Kind kind, const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const MemoryStoreOptions options_;
  mutable absl::Mutex mu_;
  std::map<RecordKey, Entry> records_ ABSL_GUARDED_BY(mu_);
  // In list order: (kind, position) -> id, and per index position -> id.
  std::map<std::pair<Kind, int64_t>, std::string> order_ ABSL_GUARDED_BY(mu_);
  std::map<IndexKey, std::map<int64_t, std::string>> indexes_ ABSL_GUARDED_BY(mu_);
  std::deque<StoredChange> feed_ ABSL_GUARDED_BY(mu_);
  int64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  // request_id -> (request_result, request_fingerprint).
  std::map<std::string, std::pair<std::string, std::string>> request_results_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_MEMORY_STORE_H_
