#include "common/rate_limiter.h"

#include <algorithm>

namespace samenspel {

RateLimiter::RateLimiter(RateLimiterOptions options) : options_(std::move(options)) {}

RateLimiter::Bucket& RateLimiter::Refill(absl::string_view key, absl::Time now) {
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{options_.burst, now});
  Bucket& b = it->second;
  if (!inserted) {
    const double earned = absl::ToDoubleSeconds(now - b.updated) * options_.rate;
    b.tokens = std::min(options_.burst, b.tokens + std::max(0.0, earned));
    b.updated = now;
  }
  return b;
}

bool RateLimiter::Allow(absl::string_view key) {
  if (options_.rate <= 0) return true;
  absl::MutexLock lock(&mu_);
  Bucket& b = Refill(key, options_.clock());
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

double RateLimiter::RetryAfterSeconds(absl::string_view key) {
  if (options_.rate <= 0) return 0;
  absl::MutexLock lock(&mu_);
  const Bucket& b = Refill(key, options_.clock());
  return b.tokens >= 1 ? 0 : (1 - b.tokens) / options_.rate;
}

size_t RateLimiter::ForgetFull() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = options_.clock();
  absl::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& b = entry.second;
    return b.tokens + absl::ToDoubleSeconds(now - b.updated) * options_.rate >=
           options_.burst;
  });
  return buckets_.size();
}

}  // namespace samenspel
