#include "registry-service/core/change_feed.h"

#include <algorithm>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/log.h"

namespace samenspel::registry {
namespace {

// The same change, as far as a reader can tell (a redacted copy is the same
// change as its original).
bool SameChange(const StoredChange& a, const StoredChange& b) {
  return a.revision == b.revision && a.kind == b.kind && a.id == b.id &&
         absl::ToUnixMicros(a.commit_time) == absl::ToUnixMicros(b.commit_time);
}

// What the tail keeps of the change it read last: enough for SameChange.
StoredChange Identity(const StoredChange& c) {
  StoredChange id;
  id.revision = c.revision;
  id.kind = c.kind;
  id.id = c.id;
  id.commit_time = c.commit_time;
  return id;
}

// How long a read waits for a tail behind the store before it reads the
// store itself (see Read).
constexpr absl::Duration kCatchUpWait = absl::Milliseconds(100);

}  // namespace

// The tail starts at rest: the first Read wakes it.
ChangeFeed::ChangeFeed(Store* store, ChangeFeedOptions options)
    : store_(store),
      options_(options),
      last_read_(absl::InfinitePast()),
      tail_thread_([this] { TailLoop(); }) {}

ChangeFeed::~ChangeFeed() {
  Stop();
  tail_thread_.join();
}

void ChangeFeed::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

void ChangeFeed::TailLoop() {
  absl::Duration backoff = absl::Milliseconds(50);
  int64_t after = -1;
  // The change at `after` as the tail read it. Each read starts with it: a
  // store that went back (FLUSHALL, a restore from an older backup, a Redis
  // failover that lost the old primary's last writes) has another change
  // there or none, even once new writes took it past `after` again, and
  // must not have its new changes under those revisions skipped.
  std::optional<StoredChange> last;
  for (;;) {
    absl::Status failure;  // this round's, when the store could not be read
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      if (readers_ == 0 && absl::Now() - last_read_ >= options_.idle_after) {
        // Nobody reads: rest until someone does. What the tail saw may be
        // outdated by then, so it starts over from the store's revision.
        cache_.clear();
        tail_revision_ = -1;
        resting_ = true;
        auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || readers_ > 0;
        };
        mu_.Await(absl::Condition(&wake));
        resting_ = false;
        tail_error_ = absl::OkStatus();
        after = -1;
        last.reset();
        backoff = absl::Milliseconds(50);
        continue;
      }
    }
    if (after < 0) {
      // (Re)start at the store's revision, and the change there.
      absl::StatusOr<int64_t> current = store_->CurrentRevision();
      absl::StatusOr<std::optional<StoredChange>> at =
          current.ok() ? StoredChangeAt(*current) : current.status();
      failure = at.status();
      if (at.ok()) {
        after = *current;
        last.reset();
        if (at->has_value()) last = Identity(**at);
        absl::MutexLock lock(&mu_);
        tail_revision_ = after;
        tail_error_ = absl::OkStatus();
        backoff = absl::Milliseconds(50);
        continue;
      }
    } else {
      absl::StatusOr<std::vector<StoredChange>> changes =
          last.has_value() ? store_->ReadChanges(after - 1, 1000, absl::ZeroDuration())
                           : store_->ReadChanges(after, 1000, options_.tail_wait);
      if (changes.ok() && last.has_value()) {
        if (changes->empty() || !SameChange(changes->front(), *last)) {
          // The changes up to `after` no longer exist: forget them, wake
          // every reader of this epoch (they resync: FEED_REWRITTEN), and
          // start over at the store's revision.
          samenspel::Log(
              "the feed's change at revision %d is gone from the store (a Redis "
              "failover, a restore or a wipe): watchers are told FEED_REWRITTEN and "
              "resync; the feed starts over at the store's revision",
              after);
          absl::MutexLock lock(&mu_);
          cache_.clear();
          tail_revision_ = -1;
          ++epoch_;
          after = -1;
          continue;
        }
        {
          absl::MutexLock lock(&mu_);
          tail_error_ = absl::OkStatus();
        }
        backoff = absl::Milliseconds(50);
        changes->erase(changes->begin());
        if (changes->empty()) {
          // Nothing new yet: wait for it. What the wait brings is read again
          // from `after`, as above.
          changes = store_->ReadChanges(after, 1, options_.tail_wait);
          if (changes.ok() || absl::IsOutOfRange(changes.status())) {
            absl::MutexLock lock(&mu_);
            tail_error_ = absl::OkStatus();
            backoff = absl::Milliseconds(50);
            continue;
          }
        }
      }
      failure = changes.status();
      if (changes.ok()) {
        backoff = absl::Milliseconds(50);
        absl::MutexLock lock(&mu_);
        tail_error_ = absl::OkStatus();
        if (changes->empty()) continue;
        for (StoredChange& c : *changes) {
          // Erasure reaches the cache too (see Store::Commit): an expert's
          // deletion redacts the changes of that expert held here.
          if (c.type == ChangeType::kDeleted && c.kind == Kind::kExpert) {
            for (StoredChange& old : cache_) {
              if (old.kind == c.kind && old.id == c.id) {
                old.type = ChangeType::kRedacted;
                old.data.clear();
              }
            }
          }
          cache_.push_back(std::move(c));
        }
        while (static_cast<int>(cache_.size()) > options_.cache_size) cache_.pop_front();
        after = tail_revision_ = cache_.back().revision;
        last = Identity(cache_.back());
        continue;
      }
      if (absl::IsOutOfRange(changes.status())) {
        // The tail fell behind retention (a long Redis outage): start over
        // at the current revision; readers behind it get OUT_OF_RANGE from
        // the store and resync.
        absl::MutexLock lock(&mu_);
        cache_.clear();
        after = -1;
        continue;
      }
    }
    // Store unavailable: readers waiting for changes learn it (see Read);
    // back off, but wake promptly on Stop(), or when a reader found the
    // store answering again.
    absl::MutexLock lock(&mu_);
    tail_error_ = failure;
    retry_now_ = false;
    auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || retry_now_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&wake), backoff);
    backoff = std::min(backoff * 2, absl::Seconds(1));
  }
}

absl::StatusOr<std::optional<StoredChange>> ChangeFeed::StoredChangeAt(int64_t revision) {
  if (revision < 1) return std::nullopt;
  absl::StatusOr<std::vector<StoredChange>> changes =
      store_->ReadChanges(revision - 1, 1, absl::ZeroDuration());
  if (absl::IsOutOfRange(changes.status())) return std::nullopt;
  if (!changes.ok()) return changes.status();
  if (changes->empty() || changes->front().revision != revision) return std::nullopt;
  return std::move(changes->front());
}

std::optional<std::vector<StoredChange>> ChangeFeed::FromWindow(int64_t after_revision,
                                                                int max) {
  const int64_t first = tail_revision_ - static_cast<int64_t>(cache_.size()) + 1;
  if (cache_.empty() || after_revision + 1 < first) return std::nullopt;
  auto begin = cache_.begin() + (after_revision + 1 - first);
  auto end = begin + std::min<int64_t>(max, cache_.end() - begin);
  return std::vector<StoredChange>(begin, end);
}

bool ChangeFeed::Tailing() {
  absl::MutexLock lock(&mu_);
  return !resting_;
}

uint64_t ChangeFeed::Epoch() {
  absl::MutexLock lock(&mu_);
  return epoch_;
}

absl::StatusOr<std::vector<StoredChange>> ChangeFeed::Read(
    int64_t after_revision, int max, absl::Duration wait, std::optional<uint64_t> epoch) {
  {
    absl::MutexLock lock(&mu_);
    ++readers_;  // wakes a resting tail
    last_read_ = absl::Now();
  }
  absl::Cleanup done = [this] {
    absl::MutexLock lock(&mu_);
    --readers_;
    last_read_ = absl::Now();
  };
  std::vector<StoredChange> cached;   // from the cache, which held them up to
  int64_t cached_up_to = -1;          // this revision
  std::optional<absl::Status> blind;  // why the tail could not read the store
  {
    absl::MutexLock lock(&mu_);
    auto rewritten = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return epoch.has_value() && *epoch != epoch_;
    };
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || tail_revision_ > after_revision || !tail_error_.ok() ||
             rewritten();
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
    if (stopping_) {
      // UNAVAILABLE, as for any server going away: the watcher retries
      // (another replica, or this one once it is back).
      return absl::UnavailableError("the registry is shutting down; watch again");
    }
    if (rewritten()) {
      return WithReason(
          absl::OutOfRangeError(
              "the registry's store went back (a Redis failover, a restore or a wipe): "
              "the "
              "changes you have seen no longer all exist; resync from List"),
          "FEED_REWRITTEN");
    }
    if (tail_revision_ <= after_revision && !tail_error_.ok()) {
      // Nothing to read, and no way to tell whether there is: a watcher must
      // not take a blind registry for a quiet one. Unless the store answers
      // again and the tail is only waiting to retry (below).
      blind = absl::Status(tail_error_.code(),
                           absl::StrCat("the registry cannot read its change feed: ",
                                        tail_error_.message()));
      tail_error_.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
        blind->SetPayload(url, payload);
      });
    } else if (tail_revision_ <= after_revision) {
      if (tail_revision_ == after_revision || tail_revision_ < 0) {
        return std::vector<StoredChange>();
      }
      // Ahead of this replica's tail: maybe just lag behind Redis, maybe a
      // revision this registry never had (data restored from an older
      // backup). The store decides, below, without the lock.
    } else if (std::optional<std::vector<StoredChange>> in_window =
                   FromWindow(after_revision, max)) {
      cached = *std::move(in_window);
      cached_up_to = tail_revision_;
    }
  }
  if (cached_up_to >= 0) {
    // An expert deleted after the tail's last read (the store erased its
    // changes, the tail has not heard of it yet) must not be served from
    // the cache with its data. When the store is past the tail, the tail
    // gets a moment to catch up (and redact what the cache holds); failing
    // that, the store, which has erased them, answers.
    const bool personal = std::any_of(
        cached.begin(), cached.end(),
        [](const StoredChange& c) { return c.kind == Kind::kExpert && !c.data.empty(); });
    if (!personal) return cached;
    absl::StatusOr<int64_t> current = store_->CurrentRevision();
    if (!current.ok()) return current.status();
    if (*current <= cached_up_to) return cached;
    {
      absl::MutexLock lock(&mu_);
      auto caught_up = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || tail_revision_ >= *current;
      };
      if (mu_.AwaitWithTimeout(absl::Condition(&caught_up), kCatchUpWait) && !stopping_) {
        if (std::optional<std::vector<StoredChange>> in_window =
                FromWindow(after_revision, max)) {
          return *std::move(in_window);
        }
      }
    }
    return store_->ReadChanges(after_revision, max, absl::ZeroDuration());
  }
  absl::StatusOr<int64_t> current = store_->CurrentRevision();
  if (!current.ok()) return blind.value_or(current.status());
  if (blind.has_value()) {
    // The store is back: the tail retries now rather than after its
    // backoff, and this reader reads the store meanwhile.
    absl::MutexLock lock(&mu_);
    retry_now_ = true;
  }
  if (*current < after_revision) {
    return WithReason(absl::OutOfRangeError(absl::StrCat(
                          "revision ", after_revision, " is ahead of the registry (at ",
                          *current, "); resync from List")),
                      "REVISION_AHEAD", {{"revision", absl::StrCat(*current)}});
  }
  // Behind the in-memory window: the store has them (or says OUT_OF_RANGE).
  return store_->ReadChanges(after_revision, max, absl::ZeroDuration());
}

}  // namespace samenspel::registry
