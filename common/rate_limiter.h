// Per-key token buckets: each key (a principal's subject) may make `rate`
// calls per second on average, with bursts up to `burst`. Used by both
// services to answer RESOURCE_EXHAUSTED instead of letting one agency system
// starve the others.
//
// Thread-safe.
//
// Example:
//   RateLimiter limiter({.rate = 200, .burst = 400});
//   if (!limiter.Allow("accessTokens/1a2b")) return ResourceExhausted(...);
#ifndef SAMENSPEL_COMMON_RATE_LIMITER_H_
#define SAMENSPEL_COMMON_RATE_LIMITER_H_

#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace samenspel {

struct RateLimiterOptions {
  // Calls per second per key; <= 0 turns limiting off.
  double rate = 0;
  // Largest burst per key (at least 1).
  double burst = 1;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimiterOptions options);

  // Takes one call from `key`'s bucket; false when it is empty.
  bool Allow(absl::string_view key);

  // Seconds until `key` may call again (0 when it may now): for the error.
  double RetryAfterSeconds(absl::string_view key);

  // Drops the buckets that are full again (a new one starts full: nothing
  // changes), so that keys seen once do not stay for good. Returns how many
  // buckets are left.
  size_t ForgetFull();

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  Bucket& Refill(absl::string_view key, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RateLimiterOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_RATE_LIMITER_H_
