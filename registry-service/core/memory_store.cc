#include "registry-service/core/memory_store.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace samenspel::registry {

MemoryStore::MemoryStore(MemoryStoreOptions options) : options_(options) {}

absl::StatusOr<StoredRecord> MemoryStore::Get(Kind kind, absl::string_view id) {
  absl::MutexLock lock(&mu_);
  auto it = records_.find({kind, std::string(id)});
  if (it == records_.end()) return NotFoundError(ResourceName(kind, id));
  return it->second.record;
}

absl::StatusOr<int64_t> MemoryStore::CountIndexed(Kind kind, const IndexEntry& index) {
  absl::MutexLock lock(&mu_);
  auto it = indexes_.find({kind, index.field, index.value});
  return it == indexes_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

absl::StatusOr<ListResult> MemoryStore::List(const ListRequest& request) {
  if (request.limit <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("list limit ", request.limit));
  }
  absl::MutexLock lock(&mu_);
  ListResult result;
  result.revision = revision_;
  auto take = [&](const std::string& id) {
    if (static_cast<int>(result.records.size()) == request.limit) {
      result.more = true;
      return false;
    }
    result.records.push_back(records_.at({request.kind, id}).record);
    return true;
  };
  if (request.index) {
    auto it = indexes_.find({request.kind, request.index->field, request.index->value});
    if (it == indexes_.end()) return result;
    for (auto e = it->second.upper_bound(request.after_position); e != it->second.end();
         ++e) {
      if (!take(e->second)) break;
    }
    return result;
  }
  for (auto it = order_.upper_bound({request.kind, request.after_position});
       it != order_.end() && it->first.first == request.kind; ++it) {
    if (!take(it->second)) break;
  }
  return result;
}

absl::Status MemoryStore::CheckLocked(const CommitRequest& request) const {
  for (const Precondition& p : request.preconditions) {
    bool ok;
    if (p.type == Precondition::Type::kExists) {
      ok = records_.contains({p.kind, p.id});
    } else if (p.type == Precondition::Type::kAtRevision) {
      auto it = records_.find({p.kind, p.id});
      ok = it != records_.end() && it->second.record.revision == p.revision;
    } else if (p.type == Precondition::Type::kIndexExactly) {
      std::vector<std::string> ids;
      auto it = indexes_.find({p.kind, p.index.field, p.index.value});
      if (it != indexes_.end()) {
        for (const auto& [position, id] : it->second) ids.push_back(id);
      }
      std::sort(ids.begin(), ids.end());
      ok = ids == p.ids;
    } else {
      auto it = indexes_.find({p.kind, p.index.field, p.index.value});
      ok = it == indexes_.end() || it->second.empty();
    }
    if (!ok) return p.FailureStatus();
  }
  for (const Mutation& m : request.mutations) {
    auto it = records_.find({m.kind, m.id});
    if (m.op == Mutation::Op::kCreate) {
      if (it != records_.end())
        return MutationFailure(m, absl::StatusCode::kAlreadyExists);
      continue;
    }
    if (it == records_.end()) return MutationFailure(m, absl::StatusCode::kNotFound);
    if (m.expected_revision > 0 && it->second.record.revision != m.expected_revision) {
      return MutationFailure(m, absl::StatusCode::kAborted);
    }
  }
  return absl::OkStatus();
}

void MemoryStore::RedactFeedLocked(Kind kind, const std::string& id) {
  for (StoredChange& c : feed_) {
    if (c.kind == kind && c.id == id) {
      c.type = ChangeType::kRedacted;
      c.data.clear();
    }
  }
}

void MemoryStore::IndexLocked(Kind kind, const std::string& id, int64_t position,
                              const std::vector<IndexEntry>& entries, bool add) {
  for (const IndexEntry& e : entries) {
    IndexKey key{kind, e.field, e.value};
    if (add) {
      indexes_[key].emplace(position, id);
      continue;
    }
    auto it = indexes_.find(key);
    if (it == indexes_.end()) continue;
    it->second.erase(position);
    if (it->second.empty()) indexes_.erase(it);
  }
}

absl::StatusOr<CommitResult> MemoryStore::Commit(const CommitRequest& request) {
  SAMENSPEL_RETURN_IF_ERROR(request.CheckAbandoned());
  absl::MutexLock lock(&mu_);
  CommitResult result;
  if (!request.request_id.empty()) {
    auto it = request_results_.find(request.request_id);
    if (it != request_results_.end()) {
      result.replayed = true;
      result.request_result = it->second.first;
      result.request_fingerprint = it->second.second;
      return result;
    }
  }
  if (request.replay_only) return NoEarlierRequest();
  if (absl::Status s = CheckLocked(request); !s.ok()) return s;
  // Mutations of one commit may touch the same record twice only in the
  // order given; CheckLocked saw the state before the first, which is what
  // the Redis script checks too.
  for (const Mutation& m : request.mutations) {
    const int64_t revision = ++revision_;
    result.revisions.push_back(revision);
    StoredChange change;
    change.revision = revision;
    change.kind = m.kind;
    change.id = m.id;
    change.commit_time = request.commit_time;
    auto it = records_.find({m.kind, m.id});
    // A record keeps the position of its create (its revision).
    int64_t position = revision;
    if (it != records_.end()) {
      position = it->second.record.position;
      IndexLocked(m.kind, m.id, position, it->second.indexes, /*add=*/false);
    }
    if (m.op == Mutation::Op::kDelete) {
      if (it != records_.end()) {
        order_.erase({m.kind, position});
        records_.erase(it);
      }
      change.type = ChangeType::kDeleted;
      if (m.kind == Kind::kExpert) RedactFeedLocked(m.kind, m.id);
    } else {
      Entry& entry = records_[{m.kind, m.id}];
      entry.record = StoredRecord{m.kind, m.id, m.data, revision, position};
      entry.indexes = m.indexes;
      order_[{m.kind, position}] = m.id;
      IndexLocked(m.kind, m.id, position, m.indexes, /*add=*/true);
      change.type =
          m.op == Mutation::Op::kCreate ? ChangeType::kCreated : ChangeType::kUpdated;
      change.data = m.data;
    }
    feed_.push_back(std::move(change));
  }
  while (static_cast<int64_t>(feed_.size()) > options_.feed_retention) feed_.pop_front();
  if (!request.request_id.empty()) {
    request_results_[request.request_id] = {request.request_result,
                                            request.request_fingerprint};
  }
  return result;
}

absl::StatusOr<std::vector<StoredChange>> MemoryStore::ReadChanges(int64_t after_revision,
                                                                   int max,
                                                                   absl::Duration wait) {
  if (max <= 0 || after_revision < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("read changes after ", after_revision, " max ", max));
  }
  absl::MutexLock lock(&mu_);
  auto has_new = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return revision_ > after_revision;
  };
  if (!has_new()) {
    mu_.AwaitWithTimeout(absl::Condition(&has_new), wait);
  }
  std::vector<StoredChange> out;
  if (!has_new()) return out;
  const int64_t first = feed_.empty() ? revision_ + 1 : feed_.front().revision;
  if (after_revision == 0) after_revision = first - 1;  // the oldest retained on
  if (after_revision + 1 < first) {
    return WithReason(
        absl::OutOfRangeError(absl::StrCat(
            "changes after revision ", after_revision,
            " are no longer retained (oldest retained: ", first, "); resync from List")),
        "REVISION_NOT_RETAINED", {{"oldest_retained_revision", absl::StrCat(first)}});
  }
  for (auto it = feed_.begin() + (after_revision + 1 - first);
       it != feed_.end() && static_cast<int>(out.size()) < max; ++it) {
    out.push_back(*it);
  }
  return out;
}

absl::StatusOr<int64_t> MemoryStore::CurrentRevision() {
  absl::MutexLock lock(&mu_);
  return revision_;
}

}  // namespace samenspel::registry
