// The int8 and fp32 definitions of PReLU, Sub / Div / Maximum / Minimum, the reductions, and the
// unary functions Tanh, LeakyRelu and Clip, on hand-checked values and against brute force.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "elementwise_binary/elementwise_binary.h"
#include "elementwise_unary/elementwise_unary.h"
#include "prelu/prelu.h"
#include "reduce/reduce.h"

namespace qrun::kernels {
namespace {

// a [2, 3] against b [3] (one value per column).
BroadcastGeometry RowsAgainstAVector() {
  BroadcastGeometry g;
  g.output_dims[2] = 2;
  g.output_dims[3] = 3;
  g.a_strides[2] = 3;
  g.a_strides[3] = 1;
  g.b_strides[3] = 1;
  return g;
}

TEST(PReluQs8Reference, EachSideHasItsOwnMultiplierAndTheNegativeOneIsPerChannel) {
  PReluQs8Params params;
  params.input_zero_point = 2;
  params.positive_multiplier = 0.5f;
  params.output = {-3, -128, 127};
  const std::vector<int8_t> x = {2, 7, -6, 5, -2, 0};
  const std::vector<float> negative = {0.25f, 0.5f, -1.0f};
  std::vector<int8_t> y(6);
  prelu_qs8_reference(RowsAgainstAVector(), params, x.data(), negative.data(), y.data());
  // Columns take 0.25, 0.5, -1 below zero. d = 0 -> 0; 5 * 0.5 = 2.5 -> 2; -8 * -1 = 8;
  // 3 * 0.5 = 1.5 -> 2; -4 * 0.5 = -2; -2 * -1 = 2; each plus -3.
  EXPECT_EQ(y, (std::vector<int8_t>{-3, -1, 5, -1, -5, -1}));
}

TEST(PReluF32Reference, ScalesOnlyTheNegativeSide) {
  const std::vector<float> x = {1, -2, -3, 0, -1, 4};
  const std::vector<float> slope = {0.5f, 0.25f, -1};
  std::vector<float> y(6);
  prelu_f32_reference(RowsAgainstAVector(), x.data(), slope.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{1, -0.5f, 3, 0, -0.25f, 4}));
}

TEST(BinaryQs8Reference, SubIsAddWithTheSecondSideNegated) {
  BinaryQs8Params params;
  params.function = BinaryFunction::kSub;
  params.a_zero_point = 1;
  params.b_zero_point = -1;
  params.a_multiplier = 0.5f;
  params.b_multiplier = 2.0f;
  params.output = {4, -128, 127};
  const std::vector<int8_t> a = {1, 6, 20, -9, 1, 101};
  const std::vector<int8_t> b = {-1, 0, 3};
  std::vector<int8_t> y(6);
  binary_qs8_reference(RowsAgainstAVector(), params, a.data(), b.data(), y.data());
  // (a - 1) / 2 - (b + 1) * 2 + 4: 0 - 0; 2.5 - 2 = 0.5 -> 0; 9.5 - 8 = 1.5 -> 2; -5 - 0; 0 - 2;
  // 50 - 8 = 42.
  EXPECT_EQ(y, (std::vector<int8_t>{4, 4, 6, -1, 2, 46}));
}

TEST(BinaryQs8Reference, MaximumAndMinimumCompareTheRequantizedSides) {
  BinaryQs8Params params;
  params.a_multiplier = 1.0f;
  params.b_multiplier = 0.5f;
  params.output = {0, -10, 10};
  const std::vector<int8_t> a = {3, -3, 0, 20, -20, 1};
  const std::vector<int8_t> b = {8, -8, 1};
  std::vector<int8_t> maximum(6), minimum(6);
  params.function = BinaryFunction::kMaximum;
  binary_qs8_reference(RowsAgainstAVector(), params, a.data(), b.data(), maximum.data());
  params.function = BinaryFunction::kMinimum;
  binary_qs8_reference(RowsAgainstAVector(), params, a.data(), b.data(), minimum.data());
  // b' = {4, -4, 0.5}; results clamped to [-10, 10]; 0.5 rounds to 0.
  EXPECT_EQ(maximum, (std::vector<int8_t>{4, -3, 0, 10, -4, 1}));
  EXPECT_EQ(minimum, (std::vector<int8_t>{3, -4, 0, 4, -10, 0}));
}

TEST(BinaryQs8Reference, DivDividesFirstAndSaturatesOnAZeroDivisor) {
  BinaryQs8Params params;
  params.function = BinaryFunction::kDiv;
  params.b_zero_point = 2;
  params.a_multiplier = 3.0f;
  params.output = {1, -20, 20};
  const std::vector<int8_t> a = {5, -7, 0, 1, -1, 0};
  const std::vector<int8_t> b = {4, 2, 2};
  std::vector<int8_t> y(6);
  binary_qs8_reference(RowsAgainstAVector(), params, a.data(), b.data(), y.data());
  // 5 / 2 * 3 = 7.5 -> 8; -7 / 0 -> min; 0 / 0 -> the zero point; 1 / 2 * 3 = 1.5 -> 2;
  // -1 / 0 -> min; 0 / 0 -> zero point. Each plus 1 but the saturated ones.
  EXPECT_EQ(y, (std::vector<int8_t>{9, -20, 1, 3, -20, 1}));
}

TEST(BinaryF32Reference, FunctionsAndTheFusedRange) {
  const std::vector<float> a = {6, -1, 2, 0, 5, -8};
  const std::vector<float> b = {2, 4, -1};
  BinaryF32Params params;
  std::vector<float> y(6);
  params.function = BinaryFunction::kDiv;
  binary_f32_reference(RowsAgainstAVector(), params, a.data(), b.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{3, -0.25f, -2, 0, 1.25f, 8}));
  params.function = BinaryFunction::kSub;
  params.range = {0.0f, 6.0f};
  binary_f32_reference(RowsAgainstAVector(), params, a.data(), b.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{4, 0, 3, 0, 1, 0}));
  params.range = {};
  params.function = BinaryFunction::kMinimum;
  binary_f32_reference(RowsAgainstAVector(), params, a.data(), b.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{2, -1, -1, 0, 4, -8}));
}

// Brute force over a [2, 3, 4, 5] tensor: every subset of axes, against sums and extremes taken
// element by element.
TEST(ReduceQs8Reference, EverySetOfAxesAgainstBruteForce) {
  const size_t dims[4] = {2, 3, 4, 5};
  std::mt19937 random(3);
  std::uniform_int_distribution<int> value(-128, 127);
  std::vector<int8_t> x(120);
  for (int8_t& v : x) v = static_cast<int8_t>(value(random));
  for (int mask = 1; mask < 16; ++mask) {
    ReduceGeometry g;
    g.rank = 4;
    for (int d = 0; d < 4; ++d) {
      g.dims[d] = dims[d];
      g.reduced[d] = (mask >> d) & 1;
    }
    size_t outputs = 1;
    for (int d = 0; d < 4; ++d) outputs *= g.reduced[d] ? 1 : dims[d];
    for (ReduceFunction function : {ReduceFunction::kMean, ReduceFunction::kSum,
                                    ReduceFunction::kMaximum, ReduceFunction::kMinimum}) {
      ReduceQs8Params params;
      params.function = function;
      params.input_zero_point = -3;
      params.multiplier = function == ReduceFunction::kSum ? 0.01f : 0.5f;
      params.output = {2, -128, 127};
      std::vector<int8_t> y(outputs);
      reduce_qs8_reference(g, params, x.data(), y.data());
      // Output i takes the inputs whose kept coordinates, in order, make i.
      std::vector<int32_t> sum(outputs, 0), high(outputs, -1000), low(outputs, 1000);
      size_t index[4];
      for (index[0] = 0; index[0] < 2; ++index[0]) {
        for (index[1] = 0; index[1] < 3; ++index[1]) {
          for (index[2] = 0; index[2] < 4; ++index[2]) {
            for (index[3] = 0; index[3] < 5; ++index[3]) {
              size_t out = 0, in = 0;
              for (int d = 0; d < 4; ++d) {
                in = in * dims[d] + index[d];
                if (!g.reduced[d]) out = out * dims[d] + index[d];
              }
              const int32_t v = x[in] + 3;
              sum[out] += v;
              high[out] = std::max(high[out], v);
              low[out] = std::min(low[out], v);
            }
          }
        }
      }
      const float count = static_cast<float>(120 / outputs);
      for (size_t i = 0; i < outputs; ++i) {
        const int32_t acc = function == ReduceFunction::kMaximum   ? high[i]
                            : function == ReduceFunction::kMinimum ? low[i]
                                                                   : sum[i];
        const float multiplier =
            function == ReduceFunction::kMean ? params.multiplier / count : params.multiplier;
        const float scaled = std::nearbyint(static_cast<float>(acc) * multiplier) + 2;
        EXPECT_EQ(y[i], static_cast<int8_t>(std::min(127.0f, std::max(-128.0f, scaled))))
            << "axes mask " << mask << ", function " << static_cast<int>(function) << ", output "
            << i;
      }
    }
  }
}

TEST(ReduceF32Reference, KeptAxesStayInOrder) {
  // [2, 3] reduced over axis 0, and over axis 1.
  ReduceGeometry g;
  g.rank = 2;
  g.dims[0] = 2;
  g.dims[1] = 3;
  const std::vector<float> x = {1, 5, -2, 3, -1, 4};
  std::vector<float> columns(3), rows(2);
  g.reduced[0] = true;
  reduce_f32_reference(g, ReduceFunction::kMean, x.data(), columns.data());
  EXPECT_EQ(columns, (std::vector<float>{2, 2, 1}));
  g.reduced[0] = false;
  g.reduced[1] = true;
  reduce_f32_reference(g, ReduceFunction::kMaximum, x.data(), rows.data());
  EXPECT_EQ(rows, (std::vector<float>{5, 4}));
  reduce_f32_reference(g, ReduceFunction::kSum, x.data(), rows.data());
  EXPECT_EQ(rows, (std::vector<float>{4, 6}));
}

TEST(UnaryF32Reference, TanhLeakyReluAndClip) {
  const std::vector<float> x = {-3, -0.5f, 0, 0.25f, 2};
  std::vector<float> tanh(5), leaky(5), clip(5);
  unary_f32_reference(5, {UnaryFunction::kTanh, 0, 0}, x.data(), tanh.data());
  unary_f32_reference(5, {UnaryFunction::kLeakyRelu, 0.1f, 0}, x.data(), leaky.data());
  unary_f32_reference(5, {UnaryFunction::kClip, -1.0f, 0.5f}, x.data(), clip.data());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(tanh[i], std::tanh(x[i]), 1e-7) << x[i];
  EXPECT_EQ(leaky, (std::vector<float>{-0.3f, -0.05f, 0, 0.25f, 2}));
  EXPECT_EQ(clip, (std::vector<float>{-1, -0.5f, 0, 0.25f, 0.5f}));
}

}  // namespace
}  // namespace qrun::kernels
