// Every BatchMatMul, Softmax and LayerNorm kernel this CPU can run (attention's int8 ops), held to
// the reference bit for bit over random shapes (lengths not multiples of the kernels' steps, row
// counts around the tiles'), zero points at the ends of their range, multipliers that land on
// rounding ties, and constant rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "common/overread.h"
#include "cpu_features.h"
#include "registry.h"

namespace qrun::kernels {
namespace {

int pick(std::mt19937& random, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(random);
}

// Random bytes followed by the slack a kernel may read past an activation.
std::vector<int8_t> random_activation(std::mt19937& random, size_t count) {
  std::vector<int8_t> bytes(count + kInputOverreadBytes);
  for (int8_t& b : bytes) b = static_cast<int8_t>(pick(random, -128, 127));
  return bytes;
}

int32_t extreme_or_random_zero_point(std::mt19937& random) {
  switch (pick(random, 0, 3)) {
    case 0: return -128;
    case 1: return 127;
    default: return pick(random, -128, 127);
  }
}

// b ([batch][k][n]) as [batch][n][k], with the slack a kernel may read past it.
std::vector<int8_t> transposed(const BatchMatMulGeometry& g, const std::vector<int8_t>& b) {
  std::vector<int8_t> t(b.size());
  for (size_t batch = 0; batch < g.batch; ++batch) {
    for (size_t k = 0; k < g.k; ++k) {
      for (size_t j = 0; j < g.n; ++j) {
        t[(batch * g.n + j) * g.k + k] = b[(batch * g.k + k) * g.n + j];
      }
    }
  }
  return t;
}

// Each trial runs b as given ([k][n]) and transposed ([n][k], transpose_b): the reference must
// give the same bytes both ways, and every kernel the reference's.
TEST(BatchMatMulQs8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(11);
  for (int trial = 0; trial < 150; ++trial) {
    BatchMatMulGeometry g;
    g.batch = static_cast<size_t>(pick(random, 1, 3));
    // Every tenth trial has more rows than the AVX512-VNNI kernel's block of row sums (192), with
    // a short reduction to keep the trial quick.
    const bool many_rows = trial % 10 == 5;
    g.m = static_cast<size_t>(many_rows ? pick(random, 180, 420) : pick(random, 1, 20));
    g.k = static_cast<size_t>(many_rows                 ? pick(random, 1, 80)
                              : pick(random, 0, 3) == 0 ? pick(random, 1, 600)
                                                        : pick(random, 1, 140));
    g.n = static_cast<size_t>(pick(random, 1, 150));
    const std::vector<int8_t> a = random_activation(random, g.batch * g.m * g.k);
    const std::vector<int8_t> b = random_activation(random, g.batch * g.k * g.n);
    const std::vector<int8_t> b_transposed = transposed(g, b);
    BatchMatMulQs8Params p;
    p.a_zero_point = extreme_or_random_zero_point(random);
    p.b_zero_point = extreme_or_random_zero_point(random);
    // A power of two makes ties (halves) common; otherwise a scale that spreads the outputs.
    p.multiplier = pick(random, 0, 3) == 0
                       ? std::ldexp(1.0f, -pick(random, 1, 14))
                       : static_cast<float>(std::pow(
                             10.0, std::uniform_real_distribution<double>(-6, -2)(random)));
    p.output.zero_point = pick(random, -128, 127);
    p.output.min = pick(random, 0, 1) ? -128 : p.output.zero_point;
    // Sometimes a fused upper bound, and products far past int32 once scaled (the kernels clamp
    // before converting to integers).
    if (trial % 4 == 1) p.output.max = pick(random, p.output.min, 127);
    if (trial % 8 == 3) p.multiplier = static_cast<float>(std::ldexp(1.0, pick(random, 20, 40)));
    const size_t count = g.batch * g.m * g.n;
    std::vector<int8_t> expected(count);
    batch_matmul_qs8_reference(g, p, a.data(), b.data(), expected.data());
    BatchMatMulGeometry g_transposed = g;
    g_transposed.transpose_b = true;
    std::vector<int8_t> expected_transposed(count);
    batch_matmul_qs8_reference(g_transposed, p, a.data(), b_transposed.data(),
                               expected_transposed.data());
    ASSERT_EQ(expected, expected_transposed) << "trial " << trial;
    for (const BatchMatMulQs8Kernel& kernel : batch_matmul_qs8_candidates(cpu)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      for (const bool transpose_b : {false, true}) {
        std::vector<int8_t> actual(count);
        kernel.run(transpose_b ? g_transposed : g, p, a.data(),
                   transpose_b ? b_transposed.data() : b.data(), actual.data());
        ASSERT_EQ(expected, actual)
            << kernel.name << ", trial " << trial << ", transpose_b " << transpose_b << ", batch "
            << g.batch << ", m " << g.m << ", k " << g.k << ", n " << g.n;
      }
    }
  }
}

TEST(SoftmaxQs8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(12);
  for (int trial = 0; trial < 150; ++trial) {
    // The converter's table for a random input scale: round(2^23 * exp(-s * d)). Now and then
    // the extremes the loader allows: scale 0 (every entry 2^23), a scale so large that only the
    // first entries are nonzero, or any entries in [0, 2^23] (entry 0 positive).
    const double scale =
        trial % 7 == 2   ? 0.0
        : trial % 7 == 3 ? std::uniform_real_distribution<double>(2, 20)(random)
                         : std::pow(10.0, std::uniform_real_distribution<double>(-3, 0)(random));
    std::vector<int32_t> exp_table(kSoftmaxTableSize);
    for (int d = 0; d < kSoftmaxTableSize; ++d) {
      exp_table[d] = trial % 7 == 4
                         ? pick(random, d == 0 ? 1 : 0, 1 << 23)
                         : static_cast<int32_t>(std::lround(std::ldexp(std::exp(-scale * d), 23)));
    }
    // Sometimes more rows than a kernel takes in one group (softmax_qs8_avx512vbmi: 16 / blocks
    // of 64 elements, 16 long rows).
    const size_t rows =
        static_cast<size_t>(pick(random, 0, 2) == 0 ? pick(random, 7, 40) : pick(random, 1, 6));
    // Lengths around the kernels' 16 and 64-element steps, past the rows they keep (up to 2048)
    // and those that get a table of outputs (from 256).
    const size_t length =
        static_cast<size_t>(pick(random, 0, 3) == 0 ? pick(random, 1, 4200) : pick(random, 1, 150));
    std::vector<int8_t> input = random_activation(random, rows * length);
    // Rows of one value, and rows with a narrow range (sums of many near-equal entries).
    if (trial % 5 == 0) std::fill(input.begin(), input.begin() + length, input[0]);
    if (trial % 5 == 1) {
      for (size_t i = 0; i < rows * length; ++i) input[i] = static_cast<int8_t>(input[i] % 3 + 100);
    }
    std::vector<int8_t> expected(rows * length);
    softmax_qs8_reference(rows, length, exp_table.data(), input.data(), expected.data());
    for (const SoftmaxQs8Kernel& kernel : softmax_qs8_candidates(cpu)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      std::vector<int8_t> actual(rows * length);
      kernel.run(rows, length, exp_table.data(), input.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial << ", length " << length;
    }
  }
}

// Rows of 256 maxima (entry 2^23), one every 8 or 16 elements, the rest 255 steps below them
// (entry 0): the maxima sum to 2^31, all in one lane of an 8- or of a 16-lane kernel, where an
// int32 sum would wrap. The maxima's output is then exactly 1 (-127), which a wrapped sum loses.
TEST(SoftmaxQs8Kernels, SumsOfTheLargestEntriesStayExact) {
  const CpuFeatures cpu = detect_cpu_features();
  std::vector<int32_t> exp_table(kSoftmaxTableSize, 0);
  exp_table[0] = 1 << 23;
  for (const size_t stride : {8, 16}) {
    for (const size_t length : {256 * stride, 256 * stride + 1, 256 * stride + 15}) {
      std::vector<int8_t> input(length, -128);
      for (size_t i = 0; i < 256 * stride; i += stride) input[i] = 127;
      std::vector<int8_t> expected(length);
      softmax_qs8_reference(1, length, exp_table.data(), input.data(), expected.data());
      ASSERT_EQ(expected[0], -127);
      for (const SoftmaxQs8Kernel& kernel : softmax_qs8_candidates(cpu)) {
        std::vector<int8_t> actual(length);
        kernel.run(1, length, exp_table.data(), input.data(), actual.data());
        ASSERT_EQ(expected, actual)
            << kernel.name << ", maxima " << stride << " apart, length " << length;
      }
    }
  }
}

TEST(LayerNormQs8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(13);
  for (int trial = 0; trial < 150; ++trial) {
    LayerNormGeometry g;
    g.rows = static_cast<size_t>(pick(random, 1, 6));
    g.channels =
        static_cast<size_t>(pick(random, 0, 3) == 0 ? pick(random, 1, 2000) : pick(random, 1, 300));
    std::vector<int8_t> input = random_activation(random, g.rows * g.channels);
    // A constant row: with epsilon 0 its inverse deviation is infinite and its outputs NaN.
    if (trial % 4 == 0) std::fill(input.begin(), input.begin() + g.channels, input[0]);
    std::vector<float> scale(g.channels), shift(g.channels);
    for (size_t c = 0; c < g.channels; ++c) {
      scale[c] = std::uniform_real_distribution<float>(-40, 40)(random);
      // Halves now and then: ties for the rounding.
      shift[c] = pick(random, 0, 3) == 0 ? static_cast<float>(pick(random, -50, 50)) + 0.5f
                                         : std::uniform_real_distribution<float>(-50, 50)(random);
    }
    LayerNormQs8Params p;
    p.input_zero_point = extreme_or_random_zero_point(random);
    p.epsilon_in_input_steps =
        trial % 8 == 0 ? 0.0
                       : std::pow(10.0, std::uniform_real_distribution<double>(-3, 2)(random));
    p.scale = scale.data();
    p.shift = shift.data();
    p.output.zero_point = pick(random, -128, 127);
    p.output.min = pick(random, 0, 1) ? -128 : p.output.zero_point;
    p.output.max = pick(random, 0, 1) ? 127 : pick(random, p.output.min, 127);
    std::vector<int8_t> expected(g.rows * g.channels);
    layer_norm_qs8_reference(g, p, input.data(), expected.data());
    for (const LayerNormQs8Kernel& kernel : layer_norm_qs8_candidates(cpu)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      std::vector<int8_t> actual(g.rows * g.channels);
      kernel.run(g, p, input.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial << ", channels "
                                  << g.channels;
    }
  }
}

// One row long enough that its sum of squares overflows int32 many times over (each value 255 steps
// from the zero point, or on it): the kernels' integer statistics must still be exact.
TEST(LayerNormQs8Kernels, LongRowsKeepExactStatistics) {
  const CpuFeatures cpu = detect_cpu_features();
  LayerNormGeometry g;
  g.rows = 1;
  g.channels = 300007;
  std::vector<int8_t> input(g.channels);
  for (size_t c = 0; c < g.channels; ++c) input[c] = c % 3 == 0 ? -128 : 127;
  std::vector<float> scale(g.channels, 30.0f), shift(g.channels, 0.5f);
  LayerNormQs8Params p;
  p.input_zero_point = -128;
  p.epsilon_in_input_steps = 0.01;
  p.scale = scale.data();
  p.shift = shift.data();
  p.output = {3, -128, 127};
  std::vector<int8_t> expected(g.channels);
  layer_norm_qs8_reference(g, p, input.data(), expected.data());
  for (const LayerNormQs8Kernel& kernel : layer_norm_qs8_candidates(cpu)) {
    std::vector<int8_t> actual(g.channels);
    kernel.run(g, p, input.data(), actual.data());
    ASSERT_EQ(expected, actual) << kernel.name;
  }
}

}  // namespace
}  // namespace qrun::kernels
