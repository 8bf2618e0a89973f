#include "matching-service/core/worker_pool.h"

#include <sched.h>

#include <algorithm>

namespace samenspel::matching {
namespace {

void Pause() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

// Waits awake, for at most `limit`, while `waiting()` holds.
template <typename Waiting>
void SpinWhile(Waiting waiting, absl::Duration limit) {
  const absl::Time until = absl::Now() + limit;
  while (waiting() && absl::Now() < until) {
    for (int i = 0; i < 64; ++i) Pause();
  }
}

}  // namespace

WorkerPool::WorkerPool(int threads) : awake_(threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

WorkerPool::Hold WorkerPool::KeepAwake() {
  if (threads_.empty()) return Hold();
  holds_.fetch_add(1, std::memory_order_relaxed);
  if (awake_.load(std::memory_order_relaxed) < static_cast<int>(threads_.size())) {
    // Sleeping workers see holds_ (in ready()) when mu_ is released.
    absl::MutexLock lock(&mu_);
  }
  return Hold(this);
}

void WorkerPool::Wake() {
  if (threads_.empty() || awake_.load(std::memory_order_relaxed) > 0) return;
  absl::MutexLock lock(&mu_);
  wake_ = true;
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::Run(int parts, absl::FunctionRef<void(int)> part) {
  if (parts <= 0) return;
  Job job{part, parts};
  absl::MutexLock lock(&mu_);
  if (!threads_.empty() && parts > 1) {
    jobs_.push_back(&job);
    queued_.store(static_cast<int>(jobs_.size()), std::memory_order_relaxed);
  }
  while (job.next < job.parts) {
    const int i = job.next++;
    if (job.next == job.parts) {
      auto it = std::find(jobs_.begin(), jobs_.end(), &job);
      if (it != jobs_.end()) jobs_.erase(it);
      queued_.store(static_cast<int>(jobs_.size()), std::memory_order_relaxed);
    }
    mu_.Unlock();
    job.part(i);
    mu_.Lock();
    ++job.done;
  }
  // The workers' parts, started at about the same time, usually end within
  // microseconds of the caller's: wait for them awake before sleeping (a
  // sleeping caller costs a wake-up, tens of microseconds, per call).
  if (job.done.load() != job.parts) {
    mu_.Unlock();
    SpinWhile([&job] { return job.done.load(std::memory_order_acquire) != job.parts; },
              kSpin);
    mu_.Lock();
  }
  // Workers touch the job only under the lock, until their last ++done.
  auto all_done = [&job]() { return job.done.load() == job.parts; };
  mu_.Await(absl::Condition(&all_done));
}

void WorkerPool::Work() {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !jobs_.empty() || wake_ ||
           holds_.load(std::memory_order_relaxed) > 0;
  };
  for (;;) {
    if (jobs_.empty() && !stopping_) {
      // Queries come in bursts of calls: wait a little awake before
      // sleeping (waking a sleeping thread costs tens of microseconds).
      // And while a Hold lives (see KeepAwake).
      mu_.Unlock();
      SpinWhile([this] { return queued_.load(std::memory_order_relaxed) == 0; }, kSpin);
      // Held awake, a worker may wait through a query's serial phases,
      // milliseconds: it yields its core to any thread that wants it (the
      // server's gRPC threads, or the query's own caller moved there), or
      // that thread waits for the spinner's time slice (a server-side p99
      // of 6.5-7 ms instead of 3.5 ms at 100k experts).
      while (queued_.load(std::memory_order_relaxed) == 0 &&
             holds_.load(std::memory_order_relaxed) > 0) {
        sched_yield();
      }
      mu_.Lock();
    }
    if (!ready()) {
      awake_.fetch_sub(1, std::memory_order_relaxed);
      mu_.Await(absl::Condition(&ready));
      awake_.fetch_add(1, std::memory_order_relaxed);
    }
    if (jobs_.empty()) {
      if (stopping_) return;  // and nothing left to run
      wake_ = false;          // woken by Wake() or KeepAwake(): wait awake again
      continue;
    }
    Job* job = jobs_.front();
    const int i = job->next++;
    if (job->next == job->parts) {
      jobs_.pop_front();
      queued_.store(static_cast<int>(jobs_.size()), std::memory_order_relaxed);
    }
    mu_.Unlock();
    job->part(i);
    mu_.Lock();
    ++job->done;
  }
}

}  // namespace samenspel::matching
