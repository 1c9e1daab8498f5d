// Reference kernels against cases worked out by hand. The NumPy-computed cases are in
// numpy_cases_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "add/add.h"
#include "batch_matmul/batch_matmul.h"
#include "common/requantize.h"
#include "concat/concat.h"
#include "conv2d/conv2d.h"
#include "elementwise_unary/elementwise_unary.h"
#include "fully_connected/fully_connected.h"
#include "layer_norm/layer_norm.h"
#include "mul/mul.h"
#include "pooling/pool2d.h"
#include "quantize/quantize.h"
#include "softmax/softmax.h"
#include "transpose/transpose.h"

namespace qrun::kernels {
namespace {

TEST(Requantize, RoundsHalfToEven) {
  EXPECT_EQ(requantize(5, 0.5f, 0, -128, 127), 2);    // 2.5 -> 2
  EXPECT_EQ(requantize(7, 0.5f, 0, -128, 127), 4);    // 3.5 -> 4
  EXPECT_EQ(requantize(-5, 0.5f, 0, -128, 127), -2);  // -2.5 -> -2
  EXPECT_EQ(requantize(-7, 0.5f, 0, -128, 127), -4);  // -3.5 -> -4
  EXPECT_EQ(requantize(3, 0.5f, 10, -128, 127), 12);  // 1.5 -> 2, plus the zero point
}

TEST(Requantize, ClampsToTheFusedRange) {
  EXPECT_EQ(requantize(1000, 1.0f, 0, -128, 127), 127);
  EXPECT_EQ(requantize(-1000, 1.0f, 0, -128, 127), -128);
  EXPECT_EQ(requantize(-20, 1.0f, -5, -5, 127), -5);          // ReLU: nothing below the zero point
  EXPECT_EQ(requantize(100, 1.0f, -5, -5, 55), 55);           // ReLU6 with 6 at q = 55
  EXPECT_EQ(requantize(INT32_MAX, 1e9f, 0, -128, 127), 127);  // no int32 overflow
  EXPECT_EQ(requantize(NAN, 0, -128, 127), -128);
}

// Input 3x3x1 holding 1..9 with zero point 1, so the values seen are 0..8.
std::vector<int8_t> ramp3x3() {
  return {1, 2, 3, 4, 5, 6, 7, 8, 9};
}

Conv2dGeometry geometry_3x3(int kernel, int stride, int pad, int dilation, int out) {
  Conv2dGeometry g;
  g.input_height = g.input_width = 3;
  g.input_channels = g.output_channels = 1;
  g.kernel_height = g.kernel_width = kernel;
  g.stride_height = g.stride_width = stride;
  g.pad_top = g.pad_left = pad;
  g.dilation_height = g.dilation_width = dilation;
  g.output_height = g.output_width = out;
  return g;
}

std::vector<int8_t> run_conv(const Conv2dGeometry& g, const std::vector<int8_t>& input,
                             const std::vector<int8_t>& weights, const std::vector<int32_t>& bias,
                             int32_t input_zero_point, Qs8Output output = {}) {
  std::vector<float> multipliers(g.output_channels, 1.0f);
  const Conv2dQs8Params params{input_zero_point, multipliers.data(), output};
  std::vector<int8_t> result(g.output_rows() * g.output_width * g.output_channels);
  conv2d_qs8_reference(g, params, {weights.data(), bias.data(), nullptr}, input.data(),
                       result.data(),
                       {0, g.output_rows(), 0, static_cast<size_t>(g.output_channels)});
  return result;
}

TEST(Conv2dQs8Reference, ValidWindowSubtractsTheInputZeroPoint) {
  const auto out = run_conv(geometry_3x3(2, 1, 0, 1, 2), ramp3x3(), {1, 1, 1, 1}, {0}, 1);
  EXPECT_EQ(out, (std::vector<int8_t>{8, 12, 20, 24}));
}

TEST(Conv2dQs8Reference, PaddingAddsNothingEvenWithANonzeroZeroPoint) {
  // Pad 1, stride 2: windows start at -1 and 1.
  const auto out = run_conv(geometry_3x3(2, 2, 1, 1, 2), ramp3x3(), {1, 1, 1, 1}, {0}, 1);
  EXPECT_EQ(out, (std::vector<int8_t>{0, 3, 9, 24}));
}

TEST(Conv2dQs8Reference, DilationSpreadsTheTaps) {
  const auto out = run_conv(geometry_3x3(2, 1, 0, 2, 1), ramp3x3(), {1, 1, 1, 1}, {0}, 1);
  EXPECT_EQ(out, (std::vector<int8_t>{0 + 2 + 6 + 8}));
}

TEST(Conv2dQs8Reference, AsymmetricPaddingShiftsOnlyOneSide) {
  Conv2dGeometry g = geometry_3x3(2, 1, 0, 1, 0);
  g.pad_top = 1;  // pad_left 0; the bottom and right need none
  g.output_height = 3;
  g.output_width = 2;
  const auto out = run_conv(g, ramp3x3(), {1, 1, 1, 1}, {0}, 1);
  EXPECT_EQ(out, (std::vector<int8_t>{0 + 1, 1 + 2, 8, 12, 20, 24}));
}

TEST(Conv2dQs8Reference, GroupsSeeOnlyTheirChannels) {
  Conv2dGeometry g;
  g.input_height = g.input_width = g.output_height = g.output_width = 1;
  g.input_channels = g.output_channels = g.groups = 2;
  EXPECT_EQ(run_conv(g, {5, 7}, {2, -3}, {0, 0}, 0), (std::vector<int8_t>{10, -21}));
}

TEST(Conv2dQs8Reference, DepthwiseWithMultiplierTwo) {
  Conv2dGeometry g;
  g.input_height = g.input_width = g.output_height = g.output_width = 1;
  g.input_channels = g.groups = 2;
  g.output_channels = 4;
  EXPECT_EQ(run_conv(g, {5, 7}, {1, 2, 3, 4}, {0, 0, 0, 0}, 0),
            (std::vector<int8_t>{5, 10, 21, 28}));
}

TEST(Conv2dQs8Reference, BiasMultiplierZeroPointAndRange) {
  Conv2dGeometry g;
  g.input_height = g.input_width = g.output_height = g.output_width = 1;
  g.input_channels = 1;
  g.output_channels = 2;
  std::vector<float> multipliers = {0.25f, 0.25f};
  const Conv2dQs8Params params{-128, multipliers.data(), {-10, -10, 50}};
  const std::vector<int8_t> weights = {127, -127};
  const std::vector<int32_t> bias = {2, 2};
  std::vector<int8_t> out(2);
  const int8_t input = 127;  // 255 above the zero point
  conv2d_qs8_reference(g, params, {weights.data(), bias.data(), nullptr}, &input, out.data(),
                       {0, 1, 0, 2});
  // (255 * 127 + 2) / 4 = 8096.75 -> clamp to 50; (-32385 + 2) / 4 -> clamp to -10.
  EXPECT_EQ(out, (std::vector<int8_t>{50, -10}));
}

TEST(Conv2dF32Reference, MatchesTheIntegerCaseAndClamps) {
  Conv2dGeometry g = geometry_3x3(2, 1, 0, 1, 2);
  const std::vector<float> input = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<float> weights = {1, 1, 1, 1};
  const std::vector<float> bias = {0.5f};
  std::vector<float> out(4);
  conv2d_f32_reference(g, {-INFINITY, 20.0f}, {weights.data(), bias.data(), nullptr}, input.data(),
                       out.data(), {0, 2, 0, 1});
  EXPECT_EQ(out, (std::vector<float>{8.5f, 12.5f, 20.0f, 20.0f}));
}

TEST(FullyConnectedQs8Reference, PerChannelMultipliers) {
  const FullyConnectedGeometry g{2, 3, 2};
  const std::vector<int8_t> input = {1, 2, 3, -1, 0, 1};  // zero point 1
  const std::vector<int8_t> weights = {1, 1, 1, 2, 0, -2};
  const std::vector<int32_t> bias = {1, 0};
  std::vector<float> multipliers = {1.0f, 0.5f};
  const FullyConnectedQs8Params params{1, multipliers.data(), {3, -128, 127}};
  std::vector<int8_t> out(4);
  fully_connected_qs8_reference(g, params, {weights.data(), bias.data(), nullptr}, input.data(),
                                out.data(), 0, 2);
  // Row 0 sees {0,1,2}: 1+3 = 4 -> 7; (0-4)/2 = -2 -> 1. Row 1 sees {-2,-1,0}: 1-3 = -2 -> 1;
  // (-4-0)/2 = -2 -> 1.
  EXPECT_EQ(out, (std::vector<int8_t>{7, 1, 1, 1}));
}

// Each row of the input quantized from its own range: row [0, 2.55] gets scale 0.01 and zero
// point -128; row [-1, 0] scale 1/255 and zero point 127. Then int32 sums, times scale x weight
// scale, plus the bias.
TEST(FullyConnectedDynamicReference, QuantizesEachRowFromItsOwnRange) {
  const FullyConnectedGeometry g{2, 2, 2};
  const std::vector<int8_t> weights = {1, 2, -3, 4};  // OI
  const std::vector<float> scales = {0.5f, 0.25f};
  const std::vector<float> bias = {1.0f, -1.0f};
  const std::vector<float> input = {2.55f, 1.0f, -1.0f, 0.0f};
  std::vector<int8_t> row(2);
  std::vector<float> out(4);
  fully_connected_dynamic_reference(g, {}, {weights.data(), scales.data(), bias.data()},
                                    input.data(), row.data(), out.data());
  // Row 0: q = {127, -28}, minus zp -128: {255, 100}; acc {255 + 200, -765 + 400}.
  EXPECT_FLOAT_EQ(out[0], 455 * (0.01f * 0.5f) + 1.0f);
  EXPECT_FLOAT_EQ(out[1], -365 * (0.01f * 0.25f) - 1.0f);
  // Row 1: q = {-128, 127}, minus zp 127: {-255, 0}; acc {-255, 765}.
  const float s1 = 1.0f / 255.0f;
  EXPECT_FLOAT_EQ(out[2], -255 * (s1 * 0.5f) + 1.0f);
  EXPECT_FLOAT_EQ(out[3], 765 * (s1 * 0.25f) - 1.0f);
}

TEST(BatchMatMulReference, MultipliesEachBatchAndRequantizes) {
  const BatchMatMulGeometry g{2, 1, 2, 2};
  // Batch 0: [1 2] x [[1 0] [0 1]] = [1 2]; batch 1: [3 4] x [[1 1] [1 -1]] = [7 -1].
  const std::vector<float> a = {1, 2, 3, 4};
  const std::vector<float> b = {1, 0, 0, 1, 1, 1, 1, -1};
  std::vector<float> out(4);
  batch_matmul_f32_reference(g, {0.0f, INFINITY}, a.data(), b.data(), out.data());
  EXPECT_EQ(out, (std::vector<float>{1, 2, 7, 0}));  // the ReLU clamps -1
  // The same in int8 with zero points 1 (a) and -1 (b), multiplier 0.5, output zero point 3.
  std::vector<int8_t> qa = {2, 3, 4, 5};
  std::vector<int8_t> qb = {0, -1, -1, 0, 0, 0, 0, -2};
  std::vector<int8_t> q(4);
  BatchMatMulQs8Params p;
  p.a_zero_point = 1;
  p.b_zero_point = -1;
  p.multiplier = 0.5f;
  p.output.zero_point = 3;
  batch_matmul_qs8_reference(g, p, qa.data(), qb.data(), q.data());
  // Sums 1, 2, 7, -1 halved and rounded half to even: 0, 1, 4, -0 (-0.5 -> 0); plus 3.
  EXPECT_EQ(q, (std::vector<int8_t>{3, 4, 7, 3}));
}

TEST(BatchMatMulReference, TransposedBHoldsEachColumnOfTheProductAsARow) {
  BatchMatMulGeometry g{1, 1, 3, 2};
  g.transpose_b = true;
  // [1 2 3] x [[1 0 2] [0 1 -1]]^T = [7 -1].
  const std::vector<float> a = {1, 2, 3};
  const std::vector<float> b = {1, 0, 2, 0, 1, -1};
  std::vector<float> out(2);
  batch_matmul_f32_reference(g, {-INFINITY, INFINITY}, a.data(), b.data(), out.data());
  EXPECT_EQ(out, (std::vector<float>{7, -1}));
  // The same in int8 with zero points 1 (a) and -1 (b), multiplier 1, output zero point 2.
  const std::vector<int8_t> qa = {2, 3, 4};
  const std::vector<int8_t> qb = {0, -1, 1, -1, 0, -2};
  std::vector<int8_t> q(2);
  BatchMatMulQs8Params p;
  p.a_zero_point = 1;
  p.b_zero_point = -1;
  p.multiplier = 1.0f;
  p.output.zero_point = 2;
  batch_matmul_qs8_reference(g, p, qa.data(), qb.data(), q.data());
  EXPECT_EQ(q, (std::vector<int8_t>{9, 1}));
}

TEST(LayerNormReference, NormalizesEachRowThenScalesAndShifts) {
  const LayerNormGeometry g{2, 4, 0.0f};
  const std::vector<float> x = {1, 2, 3, 4, 5, 5, 5, 5};
  const std::vector<float> gamma = {1, 1, 2, 2};
  const std::vector<float> beta = {0, 0, 0, 1};
  std::vector<float> y(8), mean(2), inverse(2);
  layer_norm_f32_reference(g, gamma.data(), beta.data(), x.data(), y.data(), mean.data(),
                           inverse.data());
  // Row 0: mean 2.5, variance 1.25.
  const float d = 1.0f / std::sqrt(1.25f);
  EXPECT_NEAR(y[0], -1.5f * d, 1e-6f);
  EXPECT_NEAR(y[1], -0.5f * d, 1e-6f);
  EXPECT_NEAR(y[2], 2 * 0.5f * d, 1e-6f);
  EXPECT_NEAR(y[3], 2 * 1.5f * d + 1, 1e-6f);
  EXPECT_EQ(mean[0], 2.5f);
  EXPECT_NEAR(inverse[0], d, 1e-6f);
  // Row 1 is constant: with epsilon 0 that is 0 / 0; the output is NaN, as PyTorch's is.
  EXPECT_TRUE(std::isnan(y[4]));
  EXPECT_EQ(mean[1], 5.0f);
  EXPECT_TRUE(std::isinf(inverse[1]));
  // Without the statistics (null pointers) the output is the same.
  std::vector<float> y_alone(8);
  layer_norm_f32_reference(g, gamma.data(), beta.data(), x.data(), y_alone.data(), nullptr,
                           nullptr);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(y_alone[i], y[i]);
}

TEST(LayerNormQs8Reference, IntegerStatisticsThenScaleAndShiftRoundedHalfToEven) {
  // A row of zp - 1, zp + 1: sum 0, squares 2, mean 0, variance (2 * 2 - 0) / 4 = 1.
  const LayerNormGeometry g{2, 2, 0.0f};
  const float scale[] = {10.0f, 20.0f};
  const float shift[] = {0.5f, -0.5f};
  LayerNormQs8Params p;
  p.input_zero_point = 4;
  p.scale = scale;
  p.shift = shift;
  p.output.zero_point = 3;
  const std::vector<int8_t> x = {3, 5, 7, 7};
  std::vector<int8_t> y(4);
  layer_norm_qs8_reference(g, p, x.data(), y.data());
  // Row 0: -1 * 10 + 0.5 = -9.5 -> -10; 1 * 20 - 0.5 = 19.5 -> 20; plus 3.
  EXPECT_EQ(y[0], -7);
  EXPECT_EQ(y[1], 23);
  // Row 1 is constant: 0 / 0 with epsilon 0 is NaN, which lands on the low end.
  EXPECT_EQ(y[2], -128);
  EXPECT_EQ(y[3], -128);
}

TEST(AddQs8Reference, BroadcastsARowAndRequantizesEachSide) {
  BroadcastGeometry g;
  g.output_dims[2] = 2;
  g.output_dims[3] = 3;
  g.a_strides[2] = 3;
  g.a_strides[3] = 1;
  g.b_strides[3] = 1;  // b is [3], repeated over both rows
  const AddQs8Params params{0, 10, 0.5f, 2.0f, {-1, -128, 127}};
  const std::vector<int8_t> a = {2, 4, 6, 8, 10, 12};
  const std::vector<int8_t> b = {10, 11, 12};
  std::vector<int8_t> out(6);
  add_qs8_reference(g, params, a.data(), b.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{0, 3, 6, 3, 6, 9}));
}

TEST(AddF32Reference, FusedRelu) {
  BroadcastGeometry g;
  g.output_dims[3] = 3;
  g.a_strides[3] = 1;
  g.b_strides[3] = 1;
  const std::vector<float> a = {1, -5, 2};
  const std::vector<float> b = {1, 1, 1};
  std::vector<float> out(3);
  add_f32_reference(g, {0.0f, INFINITY}, a.data(), b.data(), out.data());
  EXPECT_EQ(out, (std::vector<float>{2, 0, 3}));
}

TEST(MulQs8Reference, ScalesEachRowByAChannelVectorAndRoundsHalfToEven) {
  BroadcastGeometry g;  // [2, 3] times b [3]
  g.output_dims[2] = 2;
  g.output_dims[3] = 3;
  g.a_strides[2] = 3;
  g.a_strides[3] = 1;
  g.b_strides[3] = 1;
  // (a - 1) * (b - 2) * 0.25 + 3, clamped to [-128, 5].
  const MulQs8Params params{1, 2, 0.25f, {3, -128, 5}};
  const std::vector<int8_t> a = {3, 7, -1, 11, 1, 9};
  const std::vector<int8_t> b = {3, 4, 0};
  std::vector<int8_t> out(6);
  mul_qs8_reference(g, params, a.data(), b.data(), out.data());
  // 2*1/4 = 0.5 -> 0; 6*2/4 = 3; -2*-2/4 = 1; 10/4 = 2.5 -> 2; 0; 8*-2/4 = -4.
  EXPECT_EQ(out, (std::vector<int8_t>{3, 5, 4, 5, 3, -1}));
}

TEST(UnaryF32Reference, HardSwishAndHardSigmoid) {
  const std::vector<float> x = {-4, -3, 0, 1.5f, 3, 5};
  std::vector<float> swish(6), sigmoid(6);
  unary_f32_reference(6, {UnaryFunction::kHardSwish, 1.0f / 6, 0.5f}, x.data(), swish.data());
  unary_f32_reference(6, {UnaryFunction::kHardSigmoid, 1.0f / 6, 0.5f}, x.data(), sigmoid.data());
  for (size_t i = 0; i < x.size(); ++i) {
    const double relu6 = std::min(6.0, std::max(0.0, x[i] + 3.0));
    EXPECT_NEAR(swish[i], x[i] * relu6 / 6, 1e-6) << x[i];
    EXPECT_NEAR(sigmoid[i], relu6 / 6, 1e-7) << x[i];
  }
}

TEST(LookupTableS8Reference, IndexesByTheValuePlus128) {
  std::vector<int8_t> table(kLookupTableSize);
  for (int i = 0; i < kLookupTableSize; ++i) table[i] = static_cast<int8_t>(127 - i);
  const std::vector<int8_t> x = {-128, -1, 0, 127};
  std::vector<int8_t> y(4);
  lookup_table_s8_reference(4, table.data(), x.data(), y.data());
  EXPECT_EQ(y, (std::vector<int8_t>{127, 0, -1, -128}));
}

Pool2dGeometry pool_2x2_padded(bool count_include_pad) {
  Pool2dGeometry g;
  g.input_height = g.input_width = 2;
  g.channels = 1;
  g.kernel_height = g.kernel_width = 2;
  g.pad_top = g.pad_left = 1;
  g.output_height = g.output_width = 3;
  g.count_include_pad = count_include_pad;
  return g;
}

TEST(Pool2dReference, MaxIgnoresPaddingEvenForNegativeValues) {
  const std::vector<int8_t> input = {-5, -6, -7, -8};
  std::vector<int8_t> out(9);
  max_pool2d_s8_reference(pool_2x2_padded(false), -128, 127, input.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{-5, -5, -6, -5, -5, -6, -7, -7, -8}));
}

TEST(Pool2dReference, AverageDivisorWithAndWithoutPadding) {
  const std::vector<float> input = {1, 2, 3, 4};
  std::vector<float> excluded(9), included(9);
  average_pool2d_f32_reference(pool_2x2_padded(false), {}, input.data(), excluded.data());
  average_pool2d_f32_reference(pool_2x2_padded(true), {}, input.data(), included.data());
  EXPECT_EQ(excluded, (std::vector<float>{1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4}));
  EXPECT_EQ(included, (std::vector<float>{0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1}));
}

TEST(Pool2dReference, Int8AverageSumsInIntegersThenScalesByTheCount) {
  const std::vector<int8_t> input = {1, 2, 3, 5};  // zero point 1: 0, 1, 2, 4
  std::vector<int8_t> out(9);
  const AveragePoolQs8Params params{1, 2.0f, {0, -128, 127}};
  average_pool2d_qs8_reference(pool_2x2_padded(false), params, input.data(), out.data());
  // Centre: 7 * 2 / 4 = 3.5 -> 4; top middle: (0 + 1) * 2 / 2 = 1; right middle: 5 * 2 / 2 = 5.
  EXPECT_EQ(out, (std::vector<int8_t>{0, 1, 2, 2, 4, 5, 4, 6, 8}));
}

std::vector<int32_t> softmax_table(float input_scale) {
  std::vector<int32_t> table(kSoftmaxTableSize);
  for (int d = 0; d < kSoftmaxTableSize; ++d) {
    table[d] = static_cast<int32_t>(std::lround(8388608.0 * std::exp(-double(input_scale) * d)));
  }
  return table;
}

TEST(SoftmaxQs8Reference, UniformRowGivesOneOverN) {
  const auto table = softmax_table(0.1f);
  const std::vector<int8_t> input = {3, 3, 3, 3, -7, -7};
  std::vector<int8_t> out(6);
  softmax_qs8_reference(2, 3, table.data(), input.data(), out.data());
  // Row 0 is [3, 3, 3]: 1/3 of 256 = 85.33 -> 85, minus 128 = -43.
  EXPECT_EQ(out[0], -43);
  EXPECT_EQ(out[1], -43);
  EXPECT_EQ(out[2], -43);
  // Row 1 is [3, -7, -7]: table[10] = round(2^23 * exp(-1)) = 3085996, the sum 14560600;
  // 2^23 * 256 / sum = 147.486 -> 147 -> 19, and 3085996 * 256 / sum = 54.257 -> 54 -> -74.
  EXPECT_EQ(out[3], 19);
  EXPECT_EQ(out[4], -74);
  EXPECT_EQ(out[5], -74);
}

TEST(ConcatQs8Reference, RequantizesInputsIntoTheOutput) {
  const std::vector<int8_t> a = {1, 2, 3, 4};  // [2, 2], zero point 0, same scale as the output
  const std::vector<int8_t> b = {10, 20};      // [2, 1], zero point 10, twice the output's scale
  const int8_t* inputs[] = {a.data(), b.data()};
  const size_t blocks[] = {2, 1};
  const int32_t zero_points[] = {0, 10};
  const float multipliers[] = {1.0f, 2.0f};
  std::vector<int8_t> out(6);
  concat_qs8_reference({2, 2, blocks}, {zero_points, multipliers, {0, -128, 127}}, inputs,
                       out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{1, 2, 0, 3, 4, 20}));
}

TEST(TransposeReference, NhwcToNchw) {
  TransposeGeometry g;
  g.rank = 4;
  g.input_dims[0] = 1;
  g.input_dims[1] = 2;
  g.input_dims[2] = 1;
  g.input_dims[3] = 3;
  const int perm[] = {0, 3, 1, 2};
  for (int d = 0; d < 4; ++d) g.perm[d] = perm[d];
  g.element_size = 1;
  const std::vector<int8_t> nhwc = {1, 2, 3, 4, 5, 6};  // two pixels, three channels
  std::vector<int8_t> nchw(6);
  transpose_reference(g, nhwc.data(), nchw.data());
  EXPECT_EQ(nchw, (std::vector<int8_t>{1, 4, 2, 5, 3, 6}));
}

TEST(QuantizeReference, RoundTrip) {
  const std::vector<float> x = {0.25f, 0.75f, -0.25f, 100.0f, -100.0f};
  std::vector<int8_t> q(5);
  quantize_f32_qs8_reference(5, 0.5f, 3, x.data(), q.data());
  EXPECT_EQ(q, (std::vector<int8_t>{3, 5, 3, 127, -128}));  // 0.5 -> 0, 1.5 -> 2, -0.5 -> -0
  std::vector<float> back(5);
  dequantize_qs8_f32_reference(5, 0.5f, 3, q.data(), back.data());
  EXPECT_EQ(back, (std::vector<float>{0.0f, 1.0f, 0.0f, 62.0f, -65.5f}));
}

}  // namespace
}  // namespace qrun::kernels
