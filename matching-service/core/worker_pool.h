// A few background threads that run the parts of a call alongside the
// calling thread: one query's scoring split by ranges of experts, so that a
// query on a large index uses the machine's cores when they are idle.
//
// Thread-safe: any number of threads may call Run() at once; each call's
// parts are taken by the caller and by whichever workers are free, so a
// busy pool only means the caller does more of its parts itself.
//
// Example:
//   WorkerPool pool(1);
//   pool.Run(2, [&](int part) { Score(ranges[part]); });
#ifndef SAMENSPEL_MATCHING_CORE_WORKER_POOL_H_
#define SAMENSPEL_MATCHING_CORE_WORKER_POOL_H_

#include <atomic>
#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace samenspel::matching {

class WorkerPool {
 public:
  // `threads` background threads (0: Run() does everything on the caller).
  explicit WorkerPool(int threads);
  ~WorkerPool();  // joins the threads
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs part(0) .. part(parts - 1), each once, on this thread and on free
  // workers; returns when all have returned.
  void Run(int parts, absl::FunctionRef<void(int)> part);

  // Wakes an idle worker, if none is awake, to wait awake (kSpin) for the
  // next Run(): a caller that will soon Run() (a query about to be scored,
  // once analysed) calls this first, so that the worker's wake-up, tens of
  // microseconds, overlaps the caller's work instead of delaying the parts.
  // Cheap when a worker is awake already.
  void Wake();

  // While a Hold lives, idle workers wait awake for Run() (as after Wake(),
  // but for as long as it lives, not kSpin): a call that runs several
  // phases on the pool, with serial work between them longer than kSpin,
  // holds it from start to end so that no phase waits for a wake-up (tens
  // of microseconds) or, worse, runs all its parts on the caller because
  // the worker woke too late. Movable; cheap.
  class Hold {
   public:
    Hold() = default;
    Hold(Hold&& other) noexcept : pool_(std::exchange(other.pool_, nullptr)) {}
    Hold& operator=(Hold&& other) noexcept {
      if (this != &other) {
        Release();
        pool_ = std::exchange(other.pool_, nullptr);
      }
      return *this;
    }
    ~Hold() { Release(); }

   private:
    friend class WorkerPool;
    explicit Hold(WorkerPool* pool) : pool_(pool) {}
    void Release() {
      if (pool_ != nullptr) pool_->holds_.fetch_sub(1, std::memory_order_relaxed);
      pool_ = nullptr;
    }
    WorkerPool* pool_ = nullptr;
  };
  // Keeps every worker awake until the returned Hold is destroyed (and
  // kSpin after), waking those asleep.
  Hold KeepAwake();

  // Workers not asleep (spinning or running parts): for tests and metrics.
  int awake_workers() const { return awake_.load(std::memory_order_relaxed); }

  // Threads that may run parts of one call: the workers and the caller.
  int parallelism() const { return static_cast<int>(threads_.size()) + 1; }

 private:
  struct Job {
    absl::FunctionRef<void(int)> part;
    int parts;
    int next = 0;              // the next part to hand out
    std::atomic<int> done{0};  // parts that have returned (changed under mu_)
  };
  void Work();

  // How long an idle worker stays awake for the next call, and a caller for
  // the workers' parts once its own are done.
  static constexpr absl::Duration kSpin = absl::Microseconds(200);

  absl::Mutex mu_;
  std::deque<Job*> jobs_ ABSL_GUARDED_BY(mu_);  // jobs with parts left to hand out
  std::atomic<int> queued_{0};                  // jobs_.size(), read without mu_
  std::atomic<int> awake_{0};                   // workers not asleep on mu_
  std::atomic<int> holds_{0};                   // Holds alive
  bool wake_ ABSL_GUARDED_BY(mu_) = false;      // Wake() asked for a worker
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_MATCHING_CORE_WORKER_POOL_H_
