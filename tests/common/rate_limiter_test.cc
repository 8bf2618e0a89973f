#include "common/rate_limiter.h"

#include <string>

#include "gtest/gtest.h"

namespace samenspel {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  RateLimiterOptions Options(double rate, double burst) {
    RateLimiterOptions o;
    o.rate = rate;
    o.burst = burst;
    o.clock = [this] { return now_; };
    return o;
  }
  absl::Time now_ = absl::FromUnixSeconds(1796000000);
};

TEST_F(RateLimiterTest, ABurstThenTheRate) {
  RateLimiter limiter(Options(2, 3));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow("a")) << i;
  EXPECT_FALSE(limiter.Allow("a"));
  EXPECT_DOUBLE_EQ(limiter.RetryAfterSeconds("a"), 0.5);
  EXPECT_TRUE(limiter.Allow("b"));  // a bucket per key
  now_ += absl::Milliseconds(500);
  EXPECT_EQ(limiter.RetryAfterSeconds("a"), 0);
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
}

TEST_F(RateLimiterTest, ARateOfZeroLimitsNothing) {
  RateLimiter limiter(Options(0, 1));
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_EQ(limiter.RetryAfterSeconds("a"), 0);
}

}  // namespace
}  // namespace samenspel
