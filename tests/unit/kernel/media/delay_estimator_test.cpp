#include <gtest/gtest.h>

#include "media/delay_estimator.hpp"
#include "media/seeded_random.hpp"

namespace parley::media {
namespace {

TEST(DelayEstimator, ASteadyStreamHasNoJitter) {
  DelayEstimator estimator({});
  for (int n = 0; n < 200; ++n) estimator.add(100 + 20.0 * n, 20.0 * n);
  EXPECT_EQ(estimator.jitter_ms(), 0);
  EXPECT_EQ(estimator.min_transit_ms(), 100);
  EXPECT_EQ(estimator.relative_delay_percentile_ms(0.95), 0);
}

TEST(DelayEstimator, PercentileOfRelativeDelays) {
  DelayEstimator estimator({});
  // Every 10th packet 50 ms late, the rest on time.
  for (int n = 0; n < 500; ++n) estimator.add(20.0 * n + (n % 10 == 3 ? 50 : 0), 20.0 * n);
  EXPECT_EQ(estimator.relative_delay_percentile_ms(0.85), 0);
  EXPECT_EQ(estimator.relative_delay_percentile_ms(0.95), 50);
}

TEST(DelayEstimator, Rfc3550JitterOfUniformDelay) {
  // Transit uniform in [0, 30) ms: E|D1 - D2| = 30 / 3 = 10 ms.
  DelayEstimator estimator({});
  SeededRandom random(5);
  double jitter_sum = 0;
  for (int n = 0; n < 20000; ++n) {
    estimator.add(20.0 * n + 30 * random.uniform(), 20.0 * n);
    if (n >= 1000) jitter_sum += estimator.jitter_ms();
  }
  EXPECT_NEAR(jitter_sum / 19000, 10, 0.5);
}

TEST(DelayEstimator, TheReferenceFollowsClockSkew) {
  // The sender's clock runs 1% slow: transit grows 0.2 ms a packet. The
  // fastest-path reference spans 2 s, so relative delays stay within 2 s of drift.
  DelayEstimator estimator({});
  for (int n = 0; n < 5000; ++n) estimator.add(20.2 * n, 20.0 * n);
  EXPECT_LE(estimator.relative_delay_percentile_ms(1.0), 21);
  EXPECT_NEAR(estimator.jitter_ms(), 0.2, 1e-6);
}

}  // namespace
}  // namespace parley::media
