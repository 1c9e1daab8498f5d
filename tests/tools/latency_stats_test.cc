// The statistics qrun reports, on sets of times whose figures are known by hand.
#include "latency_stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace qrun::tools {
namespace {

TEST(LatencyStats, FourRunsOutOfOrder) {
  const LatencyStats s = summarize_latency({4, 1, 3, 2});
  EXPECT_EQ(s.runs, 4u);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 4);
  EXPECT_EQ(s.median, 2.5);  // the mean of the two middle runs
  EXPECT_EQ(s.mean, 2.5);
  EXPECT_EQ(s.p90, 4);  // nearest rank: ceil(0.9 * 4) = 4th
  EXPECT_EQ(s.p99, 4);
  EXPECT_NEAR(s.stddev, std::sqrt(5.0 / 3.0), 1e-12);  // sample deviation: divides by n - 1
  EXPECT_NEAR(s.cv, std::sqrt(5.0 / 3.0) / 2.5, 1e-12);
  EXPECT_EQ(s.slow_runs, 1u);  // 4 > 1.5 * 2.5
}

TEST(LatencyStats, PercentilesByNearestRank) {
  std::vector<double> times;
  for (int i = 100; i >= 1; --i) times.push_back(i);
  const LatencyStats s = summarize_latency(times);
  EXPECT_EQ(s.median, 50.5);
  EXPECT_EQ(s.p90, 90);
  EXPECT_EQ(s.p99, 99);
  EXPECT_EQ(s.slow_runs, 25u);  // 76..100 are over 75.75
}

TEST(LatencyStats, OddCountTakesTheMiddleRun) {
  const LatencyStats s = summarize_latency({5, 1, 9});
  EXPECT_EQ(s.median, 5);
  EXPECT_EQ(s.p90, 9);
}

TEST(LatencyStats, OneRunHasNoSpread) {
  const LatencyStats s = summarize_latency({7.5});
  EXPECT_EQ(s.median, 7.5);
  EXPECT_EQ(s.p99, 7.5);
  EXPECT_EQ(s.stddev, 0);
  EXPECT_EQ(s.cv, 0);
  EXPECT_EQ(s.slow_runs, 0u);
}

}  // namespace
}  // namespace qrun::tools
