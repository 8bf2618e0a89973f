// Leader/follower batching, without a thread of its own: callers queue their
// items; while fewer than `max_in_flight` batches run, the longest-waiting
// caller leads the next batch (the oldest items, up to `max_items` and
// `max_bytes`) and runs it for everyone in it. An item that comes alone runs
// at once; under load, the items that arrive while batches run share the next
// one. RedisPipeline batches commands and RedisStore batches commits with it.
//
// Each waiter sleeps on a condition variable of its own, and the leader wakes
// exactly the callers it served and the next leader: no thundering herd and no
// chain of wake-ups through one mutex (which costs a thread switch per waiter
// in turn on a busy machine).
//
// Thread-safe: Run() may be called from any thread concurrently.
//
// Example:
//   Batcher<Command> batcher(/*max_in_flight=*/2, /*max_items=*/64, 4 << 20);
//   batcher.Run(&command, command.bytes, [&](absl::Span<Command* const> batch) {
//     ... send every command of `batch`, set each one's reply ...
//   });
#ifndef SAMENSPEL_REGISTRY_REDIS_BATCHER_H_
#define SAMENSPEL_REGISTRY_REDIS_BATCHER_H_

#include <cstddef>
#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace samenspel::registry {

template <typename Item>
class Batcher {
 public:
  // REQUIRES: max_in_flight > 0, max_items > 0.
  Batcher(int max_in_flight, int max_items, size_t max_bytes)
      : max_in_flight_(max_in_flight), max_items_(max_items), max_bytes_(max_bytes) {}

  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues `item` (of `bytes`, for the batch size limit) and returns once a
  // batch holding it ran: `run(batch)` was called, on this thread or on the
  // leader's, with `item` and others; it must finish every item of it.
  void Run(Item* item, size_t bytes,
           absl::FunctionRef<void(absl::Span<Item* const>)> run) {
    Waiter self(item, bytes);
    absl::MutexLock lock(&mu_);
    waiting_.push_back(&self);
    for (;;) {
      while (!self.done && !(in_flight_ < max_in_flight_ && waiting_.front() == &self)) {
        self.wake.Wait(&mu_);
      }
      if (self.done) return;
      std::vector<Waiter*> batch;
      std::vector<Item*> items;
      size_t batch_bytes = 0;
      while (!waiting_.empty() && static_cast<int>(batch.size()) < max_items_ &&
             (batch.empty() || batch_bytes + waiting_.front()->bytes <= max_bytes_)) {
        batch_bytes += waiting_.front()->bytes;
        batch.push_back(waiting_.front());
        items.push_back(waiting_.front()->item);
        waiting_.pop_front();
      }
      ++in_flight_;
      WakeNextLeader();
      mu_.Unlock();
      run(items);
      mu_.Lock();
      --in_flight_;
      for (Waiter* waiter : batch) {
        waiter->done = true;
        waiter->wake.Signal();
      }
      WakeNextLeader();
    }
  }

 private:
  struct Waiter {
    Waiter(Item* item, size_t bytes) : item(item), bytes(bytes) {}
    Item* const item;
    const size_t bytes;
    bool done = false;
    absl::CondVar wake;
  };

  // Keeps the invariant: while a batch may start, the oldest waiter was woken.
  void WakeNextLeader() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (in_flight_ < max_in_flight_ && !waiting_.empty()) waiting_.front()->wake.Signal();
  }

  const int max_in_flight_;
  const int max_items_;
  const size_t max_bytes_;

  absl::Mutex mu_;
  // Callers waiting for a batch, longest-waiting first.
  std::deque<Waiter*> waiting_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace samenspel::registry

#endif  // SAMENSPEL_REGISTRY_REDIS_BATCHER_H_
