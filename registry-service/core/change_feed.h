// Fans the store's change feed out to many watchers. One thread tails the
// store (so N watchers cost one blocking read, not N), keeps the most recent
// changes in memory and wakes waiting readers. Readers behind the in-memory
// window read the store directly. Changes committed by other registry
// replicas over the same Redis arrive through the same tail. While nobody
// reads, the tail rests (it would read every change, data and all, for no
// one: a replica that no watcher is connected to); the next Read wakes it.
//
// Thread-safe. Read() may be called from any number of threads.
//
// Example:
//   ChangeFeed feed(&store, {});
//   auto changes = feed.Read(/*after_revision=*/41, /*max=*/100, absl::Seconds(1));
#ifndef SAMENSPEL_REGISTRY_CORE_CHANGE_FEED_H_
#define SAMENSPEL_REGISTRY_CORE_CHANGE_FEED_H_

#include <deque>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "registry-service/core/store.h"

namespace samenspel::registry {

struct ChangeFeedOptions {
  // Changes kept in memory for readers that are nearly caught up (default 10000).
  int cache_size = 10000;
  // How long one blocking tail read of the store lasts (default 250 ms; also bounds how
  // long Stop() takes).
  absl::Duration tail_wait = absl::Milliseconds(250);
  // The tail rests once no Read has been running for this long (default
  // 10 s), and starts again at the next Read from the store's current
  // revision with an empty window (readers behind it read the store).
  absl::Duration idle_after = absl::Seconds(10);
};

class ChangeFeed {
 public:
  // Starts the tail thread. `store` must outlive the feed.
  ChangeFeed(Store* store, ChangeFeedOptions options);
  // Stops the tail thread and wakes every reader.
  ~ChangeFeed();

  // Up to `max` changes with revision > after_revision, in order, without
  // gaps; waits up to `wait` when there are none yet (then returns empty).
  // OUT_OF_RANGE when no longer retained; UNAVAILABLE when the store is down
  // (also while waiting: as soon as the tail fails to read it), and once
  // Stop() was called. With `epoch` (Epoch() when the reader started),
  // OUT_OF_RANGE (reason FEED_REWRITTEN) once the tail found since that the
  // store went back: what the reader has seen may no longer exist.
  absl::StatusOr<std::vector<StoredChange>> Read(
      int64_t after_revision, int max, absl::Duration wait,
      std::optional<uint64_t> epoch = std::nullopt);

  // How often the tail found the store gone back (its changes replaced).
  uint64_t Epoch();

  // Wakes all readers and makes further reads return UNAVAILABLE. Idempotent.
  void Stop();

  // The store's own change at `revision` (not this replica's cache, which may
  // hold changes a Redis failover lost); none when the store does not have
  // it (not yet, or no longer retained). UNAVAILABLE when it cannot be read.
  absl::StatusOr<std::optional<StoredChange>> StoredChangeAt(int64_t revision);

  // Whether the tail reads the store now (false while it rests).
  bool Tailing();

 private:
  void TailLoop();
  // Up to `max` changes after `after_revision` from the in-memory window;
  // none when the window does not reach back that far (or is empty).
  // REQUIRES: tail_revision_ > after_revision.
  std::optional<std::vector<StoredChange>> FromWindow(int64_t after_revision, int max)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* const store_;
  const ChangeFeedOptions options_;
  absl::Mutex mu_;
  // Consecutive changes (tail_revision_ - cache_.size(), tail_revision_].
  std::deque<StoredChange> cache_ ABSL_GUARDED_BY(mu_);
  // The last revision the tail has seen; -1 until the first successful read.
  int64_t tail_revision_ ABSL_GUARDED_BY(mu_) = -1;
  // Why the tail's last read of the store failed; OK once one succeeds.
  absl::Status tail_error_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Reads running now, and when the last one started or ended.
  int readers_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_read_ ABSL_GUARDED_BY(mu_);
  bool resting_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  // Set by a reader that found the store answering while the tail waits
  // out its backoff: the tail retries at once.
  bool retry_now_ ABSL_GUARDED_BY(mu_) = false;
  std::thread tail_thread_;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_CORE_CHANGE_FEED_H_
