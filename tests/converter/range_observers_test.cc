// The calibration observers on distributions whose right answer is known: a bulk of values with
// rare outliers (which every clipping method must clip and min/max must keep), a ReLU's output
// (half exact zeros), and the same values in another order (the same histogram, the same range).
#include "converter/range_observers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace qrun::converter {
namespace {

// 100000 values, normal with sigma 1, plus 10 at +-50: an outlier share of 1e-4.
std::vector<float> BulkWithOutliers() {
  std::mt19937 random(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(100000);
  for (float& v : values) v = normal(random);
  for (int i = 0; i < 10; ++i) values[i * 9973] = i % 2 ? 50.0f : -50.0f;
  return values;
}

Histogram Observe(const std::vector<float>& values) {
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  Histogram h(*low, *high);
  h.add(values.data(), values.size());
  return h;
}

TEST(Histogram, CountsEachValueOnceAndZerosApart) {
  Histogram h(-1.0f, 3.0f, 4);
  const std::vector<float> values = {-1.0f, -0.5f, 0.0f, 0.5f, 1.5f, 3.0f, 7.0f, -9.0f, NAN};
  h.add(values.data(), values.size());
  // Bins of width 1 from -1; the maximum and anything beyond land in the last bin, anything below
  // in the first; NaN nowhere; 0 apart.
  EXPECT_EQ(h.counts(), (std::vector<uint64_t>{3, 1, 1, 2}));
  EXPECT_EQ(h.zeros(), 1u);
}

TEST(Histogram, DegenerateRangeTakesEverythingInOneBin) {
  Histogram h(2.0f, 2.0f, 8);
  const float values[] = {2.0f, 2.0f, 2.0f};
  h.add(values, 3);
  EXPECT_EQ(h.counts()[0], 3u);
  const TensorRange r = ChooseRange(RangeMethod::kEntropy, h, 99.99);
  EXPECT_EQ(r.min, 2.0f);
  EXPECT_EQ(r.max, 2.0f);
}

TEST(ChooseRange, MinMaxKeepsTheOutliers) {
  const TensorRange r = ChooseRange(RangeMethod::kMinMax, Observe(BulkWithOutliers()), 99.99);
  EXPECT_EQ(r.min, -50.0f);
  EXPECT_EQ(r.max, 50.0f);
}

TEST(ChooseRange, PercentileKeepsItsShare) {
  // Uniform 0..9999: the 99% range leaves 0.5% on each side.
  std::vector<float> values(10000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  Histogram h(0.0f, 9999.0f, 10000);
  h.add(values.data(), values.size());
  const TensorRange r = ChooseRange(RangeMethod::kPercentile, h, 99.0);
  EXPECT_NEAR(r.min, 50.0f, 2.0f);
  EXPECT_NEAR(r.max, 9950.0f, 2.0f);
}

TEST(ChooseRange, ClippingMethodsClipRareOutliersButKeepTheBulk) {
  const Histogram h = Observe(BulkWithOutliers());
  for (RangeMethod method : {RangeMethod::kPercentile, RangeMethod::kEntropy}) {
    const TensorRange r = ChooseRange(method, h, 99.9);
    SCOPED_TRACE(RangeMethodName(method));
    // The bulk reaches about +-4.4 sigma in 1e5 draws; the outliers sit at 50.
    EXPECT_GT(r.max, 2.5f);
    EXPECT_LT(r.max, 12.0f);
    EXPECT_LT(r.min, -2.5f);
    EXPECT_GT(r.min, -12.0f);
  }
}

TEST(ChooseRange, MseWeighsOutliersByTheirSquaredError) {
  // Ten values at 50 against 1e5 at sigma 1: clipping them to 5 costs 10 * 45^2 = 20250, while
  // the rounding error over [-50, 50] is 1e5 * (100/255)^2 / 12 = 1282: mse keeps them. One value
  // at 20 is cut back to where its clipping error, (20 - t)^2, meets the rounding error it saves
  // (about t = 17), still well above the bulk.
  const std::vector<float> values = BulkWithOutliers();
  EXPECT_GT(ChooseRange(RangeMethod::kMse, Observe(values), 99.99).max, 40.0f);
  std::vector<float> one_outlier = values;
  for (int i = 1; i < 10; ++i) one_outlier[i * 9973] = 0.5f;
  one_outlier[0] = 20.0f;
  const TensorRange r = ChooseRange(RangeMethod::kMse, Observe(one_outlier), 99.99);
  EXPECT_LT(r.max, 19.0f);
  EXPECT_GT(r.max, 15.0f);
}

TEST(ChooseRange, ReluOutputKeepsItsLowEndAtZero) {
  std::vector<float> values = BulkWithOutliers();
  for (float& v : values) v = std::max(v, 0.0f);
  const Histogram h = Observe(values);
  EXPECT_GT(h.zeros(), 40000u);
  for (RangeMethod method : {RangeMethod::kPercentile, RangeMethod::kEntropy, RangeMethod::kMse}) {
    const TensorRange r = ChooseRange(method, h, 99.9);
    SCOPED_TRACE(RangeMethodName(method));
    EXPECT_EQ(r.min, 0.0f);
    EXPECT_GT(r.max, 2.5f);
  }
}

TEST(ChooseRange, OrderOfArrivalDoesNotMatter) {
  std::vector<float> values = BulkWithOutliers();
  const Histogram forward = Observe(values);
  std::reverse(values.begin(), values.end());
  const Histogram backward = Observe(values);
  EXPECT_EQ(forward.counts(), backward.counts());
  for (RangeMethod method : {RangeMethod::kPercentile, RangeMethod::kEntropy, RangeMethod::kMse}) {
    const TensorRange a = ChooseRange(method, forward, 99.99);
    const TensorRange b = ChooseRange(method, backward, 99.99);
    EXPECT_EQ(a.min, b.min);
    EXPECT_EQ(a.max, b.max);
  }
}

TEST(ParseRangeMethod, NamesEachMethodAndRefusesOthers) {
  RangeMethod method = RangeMethod::kMinMax;
  for (const char* name : {"minmax", "percentile", "entropy", "mse"}) {
    ASSERT_TRUE(ParseRangeMethod(name, &method).ok());
    EXPECT_STREQ(RangeMethodName(method), name);
  }
  const Status bad = ParseRangeMethod("kl", &method);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("'kl'"), std::string::npos);
}

}  // namespace
}  // namespace qrun::converter
