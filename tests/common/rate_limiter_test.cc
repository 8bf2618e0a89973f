#include "common/rate_limiter.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace samenspel {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  RateLimiterOptions Options(double rate, double burst, size_t max_keys = 0) {
    RateLimiterOptions o;
    o.rate = rate;
    o.burst = burst;
    o.max_keys = max_keys;
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

// Keys a caller can make up cannot grow the map without bound: a new key
// beyond max_keys drops the refilled buckets first, so an emptied bucket
// that has not refilled is kept.
TEST_F(RateLimiterTest, KeysBeyondTheBoundDropRefilledBucketsFirst) {
  RateLimiter limiter(Options(1, 2, /*max_keys=*/100));
  EXPECT_TRUE(limiter.Allow("attacker"));
  EXPECT_TRUE(limiter.Allow("attacker"));
  EXPECT_FALSE(limiter.Allow("attacker"));
  // Keys looked at but not used: full buckets.
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(limiter.RetryAfterSeconds(absl::StrCat("k", i)), 0);
  // "attacker" is still empty: only full buckets went.
  EXPECT_FALSE(limiter.Allow("attacker"));
  // When every bucket is in use, all start afresh rather than grow.
  RateLimiter busy(Options(1, 1, /*max_keys=*/10));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(busy.Allow(absl::StrCat("k", i)));
  EXPECT_FALSE(busy.Allow("k0"));
  EXPECT_TRUE(busy.Allow("k10"));  // made room by starting over
  EXPECT_TRUE(busy.Allow("k0"));
}

}  // namespace
}  // namespace samenspel
