// Every Add, Mul, Sub / Div / Maximum / Minimum, PReLU, reduction, table lookup, MaxPool2D and
// AveragePool2D kernel this CPU can run, held to the reference bit for bit over random shapes,
// broadcasts, windows and quantization parameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "cpu_features.h"
#include "registry.h"

namespace qrun::kernels {
namespace {

int pick(std::mt19937& random, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(random);
}

std::vector<int8_t> random_bytes(std::mt19937& random, size_t count) {
  std::vector<int8_t> bytes(count);
  for (int8_t& b : bytes) b = static_cast<int8_t>(pick(random, -128, 127));
  return bytes;
}

// Contiguous strides for an input whose dimension d is either the output's or 1 (broadcast).
size_t strides_for(const size_t* dims, const bool* broadcast, size_t* strides) {
  size_t stride = 1;
  for (int d = kMaxBroadcastRank - 1; d >= 0; --d) {
    strides[d] = broadcast[d] ? 0 : stride;
    stride *= broadcast[d] ? 1 : dims[d];
  }
  return stride;
}

TEST(AddQs8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(7);
  for (int trial = 0; trial < 300; ++trial) {
    BroadcastGeometry g;
    bool a_broadcast[kMaxBroadcastRank], b_broadcast[kMaxBroadcastRank];
    for (int d = 0; d < kMaxBroadcastRank; ++d) {
      g.output_dims[d] = static_cast<size_t>(pick(random, 1, d == 3 ? 200 : 5));
      a_broadcast[d] = pick(random, 0, 4) == 0;
      b_broadcast[d] = pick(random, 0, 2) == 0;
    }
    const std::vector<int8_t> a =
        random_bytes(random, strides_for(g.output_dims, a_broadcast, g.a_strides));
    const std::vector<int8_t> b =
        random_bytes(random, strides_for(g.output_dims, b_broadcast, g.b_strides));
    AddQs8Params p;
    p.a_zero_point = pick(random, -128, 127);
    p.b_zero_point = pick(random, 0, 1) ? -128 : pick(random, -128, 127);
    p.a_multiplier =
        static_cast<float>(std::pow(10.0, std::uniform_real_distribution<double>(-3, 1)(random)));
    p.b_multiplier =
        static_cast<float>(std::pow(10.0, std::uniform_real_distribution<double>(-3, 1)(random)));
    p.output.zero_point = pick(random, -128, 127);
    p.output.min = pick(random, 0, 1) ? -128 : p.output.zero_point;
    p.output.max = pick(random, 0, 1) ? 127 : pick(random, p.output.min, 127);
    const size_t count = g.output_dims[0] * g.output_dims[1] * g.output_dims[2] * g.output_dims[3];
    std::vector<int8_t> expected(count);
    add_qs8_reference(g, p, a.data(), b.data(), expected.data());
    for (const AddQs8Kernel& kernel : add_qs8_candidates(cpu, g)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      std::vector<int8_t> actual(count);
      kernel.run(g, p, a.data(), b.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial;
    }
  }
}

// Sub, Div, Maximum and Minimum: as Add, with divisors that are often zero.
TEST(BinaryQs8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(11);
  const BinaryFunction functions[] = {BinaryFunction::kSub, BinaryFunction::kDiv,
                                      BinaryFunction::kMaximum, BinaryFunction::kMinimum};
  for (int trial = 0; trial < 400; ++trial) {
    BroadcastGeometry g;
    bool a_broadcast[kMaxBroadcastRank], b_broadcast[kMaxBroadcastRank];
    for (int d = 0; d < kMaxBroadcastRank; ++d) {
      g.output_dims[d] = static_cast<size_t>(pick(random, 1, d == 3 ? 200 : 5));
      a_broadcast[d] = pick(random, 0, 4) == 0;
      b_broadcast[d] = pick(random, 0, 2) == 0;
    }
    const std::vector<int8_t> a =
        random_bytes(random, strides_for(g.output_dims, a_broadcast, g.a_strides));
    std::vector<int8_t> b =
        random_bytes(random, strides_for(g.output_dims, b_broadcast, g.b_strides));
    BinaryQs8Params p;
    p.function = functions[trial % 4];
    p.a_zero_point = pick(random, -128, 127);
    p.b_zero_point = pick(random, 0, 1) ? -128 : pick(random, -128, 127);
    // A divisor equal to its zero point is a division by zero: make it common.
    for (int8_t& v : b) {
      if (pick(random, 0, 3) == 0) v = static_cast<int8_t>(p.b_zero_point);
    }
    p.a_multiplier =
        static_cast<float>(std::pow(10.0, std::uniform_real_distribution<double>(-3, 1)(random)));
    p.b_multiplier =
        static_cast<float>(std::pow(10.0, std::uniform_real_distribution<double>(-3, 1)(random)));
    p.output.zero_point = pick(random, -128, 127);
    p.output.min = pick(random, 0, 1) ? -128 : p.output.zero_point;
    p.output.max = pick(random, 0, 1) ? 127 : pick(random, p.output.min, 127);
    const size_t count = g.output_dims[0] * g.output_dims[1] * g.output_dims[2] * g.output_dims[3];
    std::vector<int8_t> expected(count);
    binary_qs8_reference(g, p, a.data(), b.data(), expected.data());
    for (const BinaryQs8Kernel& kernel : binary_qs8_candidates(cpu, g)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      std::vector<int8_t> actual(count);
      kernel.run(g, p, a.data(), b.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial << ", function "
                                  << static_cast<int>(p.function);
    }
  }
}

// PReLU: the negative side's multipliers broadcast as the slope does (per channel, one, or more).
TEST(PReluQs8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(13);
  for (int trial = 0; trial < 300; ++trial) {
    BroadcastGeometry g;
    bool x_broadcast[kMaxBroadcastRank], m_broadcast[kMaxBroadcastRank];
    for (int d = 0; d < kMaxBroadcastRank; ++d) {
      g.output_dims[d] = static_cast<size_t>(pick(random, 1, d == 3 ? 200 : 5));
      x_broadcast[d] = false;
      m_broadcast[d] = pick(random, 0, 1) == 0;
    }
    const std::vector<int8_t> x =
        random_bytes(random, strides_for(g.output_dims, x_broadcast, g.a_strides));
    std::vector<float> negative(strides_for(g.output_dims, m_broadcast, g.b_strides));
    for (float& m : negative) m = std::uniform_real_distribution<float>(-2.0f, 2.0f)(random);
    PReluQs8Params p;
    p.input_zero_point = pick(random, -128, 127);
    p.positive_multiplier =
        static_cast<float>(std::pow(10.0, std::uniform_real_distribution<double>(-2, 1)(random)));
    p.output.zero_point = pick(random, -128, 127);
    p.output.min = pick(random, 0, 1) ? -128 : p.output.zero_point;
    p.output.max = pick(random, 0, 1) ? 127 : pick(random, p.output.min, 127);
    const size_t count = g.output_dims[0] * g.output_dims[1] * g.output_dims[2] * g.output_dims[3];
    std::vector<int8_t> expected(count);
    prelu_qs8_reference(g, p, x.data(), negative.data(), expected.data());
    for (const PReluQs8Kernel& kernel : prelu_qs8_candidates(cpu, g)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      std::vector<int8_t> actual(count);
      kernel.run(g, p, x.data(), negative.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial;
    }
  }
}

// Reductions over random sets of axes of random tensors (rank 1 to 5, extents up to 300 along
// one axis so that rows run past the portable kernel's 256-element chunks), every function, with
// extreme zero points and inputs all at one extreme, so the sums run near their bound.
TEST(ReduceQs8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(17);
  const ReduceFunction functions[] = {ReduceFunction::kMean, ReduceFunction::kSum,
                                      ReduceFunction::kMaximum, ReduceFunction::kMinimum};
  std::vector<std::string> exercised;
  for (int trial = 0; trial < 400; ++trial) {
    ReduceGeometry g;
    g.rank = pick(random, 1, 5);
    const int long_axis = pick(random, 0, g.rank - 1);
    size_t count = 1, outputs = 1;
    for (int d = 0; d < g.rank; ++d) {
      g.dims[d] = static_cast<size_t>(d == long_axis ? pick(random, 1, 300) : pick(random, 1, 6));
      g.reduced[d] = pick(random, 0, 1) == 1;
      count *= g.dims[d];
      outputs *= g.reduced[d] ? 1 : g.dims[d];
    }
    std::vector<int8_t> x = random_bytes(random, count);
    ReduceQs8Params p;
    p.function = functions[trial % 4];
    const int extremes[] = {-128, 127};
    p.input_zero_point =
        pick(random, 0, 1) ? extremes[pick(random, 0, 1)] : pick(random, -128, 127);
    if (pick(random, 0, 5) == 0) {
      std::fill(x.begin(), x.end(), static_cast<int8_t>(p.input_zero_point < 0 ? 127 : -128));
    }
    p.multiplier =
        static_cast<float>(std::pow(10.0, std::uniform_real_distribution<double>(-4, 1)(random)));
    p.output.zero_point = pick(random, -128, 127);
    p.output.min = pick(random, 0, 1) ? -128 : p.output.zero_point;
    p.output.max = pick(random, 0, 1) ? 127 : pick(random, p.output.min, 127);
    std::vector<int8_t> expected(outputs);
    reduce_qs8_reference(g, p, x.data(), expected.data());
    for (const ReduceQs8Kernel& kernel : reduce_qs8_candidates(cpu, g)) {
      if (std::find(exercised.begin(), exercised.end(), kernel.name) == exercised.end()) {
        exercised.push_back(kernel.name);
        std::printf("kernel checked: %s\n", kernel.name);
      }
      std::vector<int8_t> actual(outputs, 0x55);
      kernel.run(g, p, x.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial << ", function "
                                  << static_cast<int>(p.function);
    }
  }
  EXPECT_EQ(exercised.size(), 2u) << "both the portable kernel and the reference ran";
}

// Every third case gates a whole tensor by one per-channel row, as squeeze-and-excite does (either
// operand the gate), which some kernels walk as one flat run.
TEST(MulQs8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(8);
  for (int trial = 0; trial < 300; ++trial) {
    BroadcastGeometry g;
    bool a_broadcast[kMaxBroadcastRank], b_broadcast[kMaxBroadcastRank];
    for (int d = 0; d < kMaxBroadcastRank; ++d) {
      g.output_dims[d] = static_cast<size_t>(pick(random, 1, d == 3 ? 200 : 5));
      a_broadcast[d] = pick(random, 0, 4) == 0;
      b_broadcast[d] = pick(random, 0, 2) == 0;
      if (trial % 3 != 0) {
        const bool gate_dim = d < kMaxBroadcastRank - 1;
        a_broadcast[d] = trial % 3 == 1 ? false : gate_dim;
        b_broadcast[d] = trial % 3 == 1 ? gate_dim : false;
      }
    }
    const std::vector<int8_t> a =
        random_bytes(random, strides_for(g.output_dims, a_broadcast, g.a_strides));
    const std::vector<int8_t> b =
        random_bytes(random, strides_for(g.output_dims, b_broadcast, g.b_strides));
    MulQs8Params p;
    p.a_zero_point = pick(random, 0, 1) ? 127 : pick(random, -128, 127);
    p.b_zero_point = pick(random, 0, 1) ? -128 : pick(random, -128, 127);
    // A power of two makes ties (halves) common; otherwise a scale that spreads the outputs.
    p.multiplier = pick(random, 0, 3) == 0
                       ? std::ldexp(1.0f, -pick(random, 1, 10))
                       : static_cast<float>(std::pow(
                             10.0, std::uniform_real_distribution<double>(-4, -1)(random)));
    p.output.zero_point = pick(random, -128, 127);
    p.output.min = pick(random, 0, 1) ? -128 : p.output.zero_point;
    p.output.max = pick(random, 0, 1) ? 127 : pick(random, p.output.min, 127);
    const size_t count = g.output_dims[0] * g.output_dims[1] * g.output_dims[2] * g.output_dims[3];
    std::vector<int8_t> expected(count);
    mul_qs8_reference(g, p, a.data(), b.data(), expected.data());
    for (const MulQs8Kernel& kernel : mul_qs8_candidates(cpu)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      std::vector<int8_t> actual(count);
      kernel.run(g, p, a.data(), b.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial;
    }
  }
}

// Every input value, at every position of a vector, through random tables and lengths.
TEST(LookupTableS8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(9);
  for (int trial = 0; trial < 100; ++trial) {
    const std::vector<int8_t> table = random_bytes(random, kLookupTableSize);
    const size_t count = trial == 0 ? 256 * 3 : static_cast<size_t>(pick(random, 0, 300));
    std::vector<int8_t> input = random_bytes(random, count);
    if (trial == 0) {
      for (size_t i = 0; i < count; ++i) input[i] = static_cast<int8_t>(i * 7 % 256);
    }
    std::vector<int8_t> expected(count);
    lookup_table_s8_reference(count, table.data(), input.data(), expected.data());
    for (const LookupTableS8Kernel& kernel : lookup_table_s8_candidates(cpu)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      std::vector<int8_t> actual(count);
      kernel.run(count, table.data(), input.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial;
    }
  }
}

TEST(MaxPool2dS8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(11);
  for (int trial = 0; trial < 300; ++trial) {
    Pool2dGeometry g;
    g.batch = pick(random, 1, 2);
    g.channels = pick(random, 1, 150);
    g.kernel_height = pick(random, 1, 4);
    g.kernel_width = pick(random, 1, 4);
    g.stride_height = pick(random, 1, 3);
    g.stride_width = pick(random, 1, 3);
    g.pad_top = pick(random, 0, g.kernel_height - 1);
    g.pad_left = pick(random, 0, g.kernel_width - 1);
    g.input_height = pick(random, g.kernel_height, 12);
    g.input_width = pick(random, g.kernel_width, 12);
    g.output_height = (g.input_height + g.pad_top - g.kernel_height) / g.stride_height + 1;
    g.output_width = (g.input_width + g.pad_left - g.kernel_width) / g.stride_width + 1;
    const std::vector<int8_t> input = random_bytes(
        random, static_cast<size_t>(g.batch) * g.input_height * g.input_width * g.channels);
    const int32_t low = pick(random, 0, 1) ? -128 : pick(random, -128, 0);
    const int32_t high = pick(random, 0, 1) ? 127 : pick(random, low, 127);
    const size_t count =
        static_cast<size_t>(g.batch) * g.output_height * g.output_width * g.channels;
    std::vector<int8_t> expected(count);
    max_pool2d_s8_reference(g, low, high, input.data(), expected.data());
    for (const MaxPool2dS8Kernel& kernel : max_pool2d_s8_candidates(cpu, g)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      std::vector<int8_t> actual(count);
      kernel.run(g, low, high, input.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial;
    }
  }
}

TEST(AveragePool2dQs8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(13);
  for (int trial = 0; trial < 300; ++trial) {
    Pool2dGeometry g;
    g.batch = pick(random, 1, 2);
    g.channels = pick(random, 1, 150);
    // Every eighth, a large image: a global mean over more positions than a kernel may sum in
    // narrow lanes at once.
    const int largest = trial % 8 == 0 ? 40 : 12;
    g.input_height = pick(random, 1, largest);
    g.input_width = pick(random, 1, largest);
    if (trial % 4 == 0) {
      // The global mean: one window over the whole image.
      g.kernel_height = g.input_height;
      g.kernel_width = g.input_width;
    } else {
      g.kernel_height = pick(random, 1, std::min(4, g.input_height));
      g.kernel_width = pick(random, 1, std::min(4, g.input_width));
      g.stride_height = pick(random, 1, 3);
      g.stride_width = pick(random, 1, 3);
      g.pad_top = pick(random, 0, g.kernel_height - 1);
      g.pad_left = pick(random, 0, g.kernel_width - 1);
      g.count_include_pad = pick(random, 0, 1) == 1;
    }
    g.output_height = (g.input_height + g.pad_top - g.kernel_height) / g.stride_height + 1;
    g.output_width = (g.input_width + g.pad_left - g.kernel_width) / g.stride_width + 1;
    std::vector<int8_t> input = random_bytes(
        random, static_cast<size_t>(g.batch) * g.input_height * g.input_width * g.channels);
    // Now and then the extreme sums: every value at one end of the range.
    if (trial % 16 == 0) std::fill(input.begin(), input.end(), trial % 32 == 0 ? -128 : 127);
    AveragePoolQs8Params p;
    p.input_zero_point = pick(random, 0, 1) ? -128 : pick(random, -128, 127);
    p.multiplier =
        static_cast<float>(std::pow(10.0, std::uniform_real_distribution<double>(-2, 1)(random)));
    p.output.zero_point = pick(random, -128, 127);
    p.output.min = pick(random, 0, 1) ? -128 : p.output.zero_point;
    const size_t count =
        static_cast<size_t>(g.batch) * g.output_height * g.output_width * g.channels;
    std::vector<int8_t> expected(count);
    average_pool2d_qs8_reference(g, p, input.data(), expected.data());
    for (const AveragePool2dQs8Kernel& kernel : average_pool2d_qs8_candidates(cpu, g)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      std::vector<int8_t> actual(count);
      kernel.run(g, p, input.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial;
    }
  }
}

}  // namespace
}  // namespace qrun::kernels
