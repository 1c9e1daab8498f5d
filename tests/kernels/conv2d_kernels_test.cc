// Every int8 Conv2D kernel this CPU can run, held to the reference bit for bit over randomized
// shapes: odd channel counts, reductions that are not a multiple of the vector width, strides,
// asymmetric padding, dilation, groups, extreme zero points and multipliers, accumulators near
// the int32 limit, and the work split into arbitrary row and channel ranges as threads split it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/overread.h"
#include "cpu_features.h"
#include "registry.h"

namespace qrun::kernels {
namespace {

struct Case {
  Conv2dGeometry g;
  int32_t input_zero_point;
  Qs8Output output;
  std::vector<int8_t> input;
  std::vector<int8_t> weights;
  std::vector<int32_t> bias;
  std::vector<float> multipliers;
  // With a fused Add: its operand, shaped like the output, and its parameters.
  std::vector<int8_t> residual;
  Conv2dQs8Residual fused_add;
};

int pick(std::mt19937& random, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(random);
}

void fill_case(std::mt19937& random, Case* c);

Case random_case(std::mt19937& random) {
  Case c;
  Conv2dGeometry& g = c.g;
  g.batch = pick(random, 1, 2);
  g.kernel_height = pick(random, 1, 5);
  g.kernel_width = pick(random, 1, 5);
  g.stride_height = pick(random, 1, 3);
  g.stride_width = pick(random, 1, 3);
  g.dilation_height = pick(random, 1, 2);
  g.dilation_width = pick(random, 1, 2);
  // A third each: dense, grouped, depthwise.
  const int kind = pick(random, 0, 2);
  if (kind == 2) {
    g.groups = g.input_channels = g.output_channels = pick(random, 1, 150);
  } else {
    g.groups = kind == 1 ? pick(random, 2, 3) : 1;
    g.input_channels = g.groups * pick(random, 1, 70);
    g.output_channels = g.groups * pick(random, 1, 150);
  }
  g.input_height = pick(random, 1, 11) + g.dilation_height * (g.kernel_height - 1);
  g.input_width = pick(random, 1, 11) + g.dilation_width * (g.kernel_width - 1);
  g.pad_top = pick(random, 0, g.kernel_height - 1);
  g.pad_left = pick(random, 0, g.kernel_width - 1);
  const int pad_bottom = pick(random, 0, g.kernel_height - 1);
  const int pad_right = pick(random, 0, g.kernel_width - 1);
  g.output_height =
      (g.input_height + g.pad_top + pad_bottom - g.dilation_height * (g.kernel_height - 1) - 1) /
          g.stride_height +
      1;
  g.output_width =
      (g.input_width + g.pad_left + pad_right - g.dilation_width * (g.kernel_width - 1) - 1) /
          g.stride_width +
      1;
  fill_case(random, &c);
  return c;
}

// Random quantization, input, weights and bias for the case's geometry.
void fill_case(std::mt19937& random, Case* case_) {
  Case& c = *case_;
  const Conv2dGeometry& g = c.g;
  const int extremes[] = {-128, 127, 0};
  c.input_zero_point =
      pick(random, 0, 2) < 2 ? extremes[pick(random, 0, 2)] : pick(random, -128, 127);
  c.output.zero_point = pick(random, -128, 127);
  c.output.min = pick(random, 0, 1) ? -128 : pick(random, -128, c.output.zero_point);
  c.output.max = pick(random, 0, 1) ? 127 : pick(random, c.output.min, 127);

  std::uniform_int_distribution<int> byte(-128, 127);
  c.input.resize(static_cast<size_t>(g.batch) * g.input_height * g.input_width * g.input_channels);
  for (int8_t& x : c.input) x = static_cast<int8_t>(byte(random));
  const size_t reduction =
      static_cast<size_t>(g.kernel_height) * g.kernel_width * g.input_channels_per_group();
  c.weights.resize(g.output_channels * reduction);
  // Sometimes every weight at the extreme, so the sums run near their bound.
  const bool saturated = pick(random, 0, 5) == 0;
  for (int8_t& w : c.weights) w = static_cast<int8_t>(saturated ? 127 : pick(random, -127, 127));
  if (saturated) std::fill(c.input.begin(), c.input.end(), c.input_zero_point == -128 ? 127 : -128);
  const int64_t headroom = (int64_t{1} << 31) - 1 - static_cast<int64_t>(reduction) * 255 * 127;
  // Sometimes biases up to the int32 bound and multipliers up to 2^10, so that float(acc) * m
  // leaves the int32 range both ways and the kernels' conversions must still clamp as the
  // reference does.
  const bool overflowing = pick(random, 0, 7) == 0;
  const int32_t bias_limit =
      static_cast<int32_t>(overflowing ? headroom : std::min<int64_t>(headroom, 1 << 24));
  for (int o = 0; o < g.output_channels; ++o) {
    c.bias.push_back(pick(random, -bias_limit, bias_limit));
    // Multipliers from 1e-6 to 4, log-uniform, so both clamping and fine rounding happen; a
    // quarter are powers of two, 2^-1 to 2^-12, whose products land exactly on halves, so that
    // rounding half to even is checked too (a kernel rounding half away from zero fails).
    c.multipliers.push_back(
        overflowing ? std::ldexp(1.0f, pick(random, 0, 10))
        : pick(random, 0, 3) == 0
            ? std::ldexp(1.0f, -pick(random, 1, 12))
            : static_cast<float>(
                  std::pow(10.0, std::uniform_real_distribution<double>(-6, 0.6)(random))));
  }
}

// Runs `kernel` over the whole output, one slice at a time: rows cut at `row_cuts`, and for dense
// and depthwise convolutions channels cut every `channel_steps` of the kernel's channel step.
std::vector<int8_t> run(const Conv2dQs8Kernel& kernel, const Case& c,
                        const std::vector<size_t>& row_cuts, size_t channel_steps) {
  Conv2dQs8Params params{c.input_zero_point, c.multipliers.data(), c.output};
  Conv2dQs8Residual fused_add = c.fused_add;
  if (!c.residual.empty()) {
    fused_add.data = c.residual.data();
    params.residual = &fused_add;
  }
  Conv2dQs8Weights weights{c.weights.data(), c.bias.data(), nullptr};
  std::vector<uint8_t> packed;
  std::vector<uint8_t> storage;
  if (kernel.pack != nullptr) {
    storage.resize(kernel.packed_size(c.g) + 64);
    void* aligned = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
    kernel.pack(c.g, params, weights, aligned);
    weights.packed = aligned;
  }
  // The input with the slack a kernel may read past its end, as the runtime's arena leaves.
  std::vector<int8_t> input(c.input);
  input.resize(input.size() + kInputOverreadBytes, 0x33);
  std::vector<int8_t> output(c.g.output_rows() * c.g.output_width * c.g.output_channels, 0x55);
  std::vector<size_t> rows = row_cuts;
  rows.insert(rows.begin(), 0);
  rows.push_back(c.g.output_rows());
  const size_t channels = static_cast<size_t>(c.g.output_channels);
  const bool channels_split = c.g.groups == 1 || c.g.depthwise();
  const size_t channel_tile = channels_split ? kernel.channel_step * channel_steps : channels;
  for (size_t r = 0; r + 1 < rows.size(); ++r) {
    for (size_t first = 0; first < channels; first += channel_tile) {
      const size_t last = std::min(first + channel_tile, channels);
      kernel.run(c.g, params, weights, input.data(), output.data(),
                 {rows[r], rows[r + 1], first, last});
    }
  }
  return output;
}

std::string describe(const Case& c) {
  const Conv2dGeometry& g = c.g;
  return "batch " + std::to_string(g.batch) + ", input " + std::to_string(g.input_height) + "x" +
         std::to_string(g.input_width) + "x" + std::to_string(g.input_channels) + ", output " +
         std::to_string(g.output_height) + "x" + std::to_string(g.output_width) + "x" +
         std::to_string(g.output_channels) + ", kernel " + std::to_string(g.kernel_height) + "x" +
         std::to_string(g.kernel_width) + ", stride " + std::to_string(g.stride_height) + "," +
         std::to_string(g.stride_width) + ", dilation " + std::to_string(g.dilation_height) + "," +
         std::to_string(g.dilation_width) + ", pad " + std::to_string(g.pad_top) + "," +
         std::to_string(g.pad_left) + ", groups " + std::to_string(g.groups) + ", input zp " +
         std::to_string(c.input_zero_point) + ", output zp " + std::to_string(c.output.zero_point) +
         " range [" + std::to_string(c.output.min) + "," + std::to_string(c.output.max) + "]";
}

// Runs every kernel of `kernels` on the case, in random row cuts and channel steps, and asserts
// each gives `expected` bit for bit; `exercised` collects the kernels' names.
void expect_kernels_match(const std::vector<Conv2dQs8Kernel>& kernels, const Case& c,
                          const std::vector<int8_t>& expected, std::mt19937& random,
                          std::vector<std::string>* exercised) {
  std::vector<size_t> cuts;
  for (size_t cut = 1 + random() % 3; cut < c.g.output_rows(); cut += 1 + random() % 4) {
    cuts.push_back(cut);
  }
  for (const Conv2dQs8Kernel& kernel : kernels) {
    if (std::find(exercised->begin(), exercised->end(), kernel.name) == exercised->end()) {
      exercised->push_back(kernel.name);
    }
    const std::vector<int8_t> actual = run(kernel, c, cuts, 1 + random() % 3);
    const auto mismatch = std::mismatch(expected.begin(), expected.end(), actual.begin());
    ASSERT_TRUE(mismatch.first == expected.end())
        << kernel.name << " differs at output " << (mismatch.first - expected.begin()) << ": "
        << int(*mismatch.first) << " expected, " << int(*mismatch.second) << " computed; "
        << describe(c);
  }
}

// Prints which kernels a test held to the reference, so that a CI log shows the dispatch.
void print_checked(const char* what, const std::vector<std::string>& exercised) {
  std::string names;
  for (const std::string& name : exercised) names += " " + name;
  std::printf("%s:%s\n", what, names.c_str());
}

// Holds every kernel this CPU has to the reference over `trials` random cases, each drawn by
// random_case and then given to `reshape(random, trial, &c)`, which refills a case it reshapes.
template <typename Reshape>
void expect_every_kernel_matches(uint32_t seed, int trials, Reshape reshape) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(seed);
  std::vector<std::string> exercised;
  for (int trial = 0; trial < trials; ++trial) {
    Case c = random_case(random);
    reshape(random, trial, &c);
    const std::vector<int8_t> expected =
        run({"conv2d_qs8_reference", conv2d_qs8_reference, nullptr, nullptr, 1}, c, {}, 1 << 20);
    expect_kernels_match(conv2d_qs8_candidates(cpu, c.g), c, expected, random, &exercised);
    if (::testing::Test::HasFatalFailure()) return;
  }
  print_checked("kernels checked", exercised);
}

TEST(Conv2dQs8Kernels, EveryKernelMatchesTheReferenceBitForBit) {
  expect_every_kernel_matches(20261122, 400, [](std::mt19937&, int, Case*) {});
}

// Dense convolutions whose window (kernel height x width x input channels) is longer than the
// AVX2 GEMM widens in one part (4608 values), so that it goes through the window in chunks.
TEST(Conv2dQs8Kernels, EveryKernelMatchesTheReferenceOnLongWindows) {
  expect_every_kernel_matches(20261123, 8, [](std::mt19937& random, int, Case* c) {
    Conv2dGeometry& g = c->g;
    const int taps = g.kernel_height * g.kernel_width;
    g.groups = 1;
    g.input_channels = (pick(random, 4700, 9300) + taps - 1) / taps;
    g.output_channels = pick(random, 1, 20);
    fill_case(random, c);
  });
}

// Dense convolutions whose one window is the whole unpadded image (a squeeze-and-excite block's
// 1x1 convolutions on a 1x1 image), which some CPUs run through their FullyConnected kernel.
TEST(Conv2dQs8Kernels, EveryKernelMatchesTheReferenceOnWholeImageWindows) {
  expect_every_kernel_matches(20261125, 60, [](std::mt19937& random, int trial, Case* c) {
    Conv2dGeometry& g = c->g;
    g.batch = pick(random, 1, 7);
    g.groups = 1;
    g.input_height = g.kernel_height = trial % 2 == 0 ? 1 : pick(random, 1, 3);
    g.input_width = g.kernel_width = trial % 2 == 0 ? 1 : pick(random, 1, 3);
    g.input_channels = pick(random, 1, 300);
    g.output_channels = pick(random, 1, 300);
    g.stride_height = g.stride_width = g.dilation_height = g.dilation_width = 1;
    g.pad_top = g.pad_left = 0;
    g.output_height = g.output_width = 1;
    fill_case(random, c);
  });
}

// Depthwise 3x3 and 5x5 windows at stride 1 and 2, which have kernels of their own on some CPUs,
// over channel counts around the 64-, 32- and 16-channel blocks, odd widths and every padding from
// 0 to the window's size less one.
TEST(Conv2dQs8Kernels, EveryDepthwise3x3And5x5KernelMatchesTheReferenceBitForBit) {
  const CpuFeatures cpu = detect_cpu_features();
  const Conv2dQs8Kernel reference{"conv2d_qs8_reference", conv2d_qs8_reference, nullptr, nullptr,
                                  1};
  std::mt19937 random(20261124);
  std::vector<std::string> exercised;
  for (int trial = 0; trial < 600; ++trial) {
    Case c;
    Conv2dGeometry& g = c.g;
    g.batch = pick(random, 1, 2);
    const int k = trial % 2 == 0 ? 3 : 5;
    g.kernel_height = g.kernel_width = k;
    g.stride_height = g.stride_width = pick(random, 1, 2);
    g.groups = g.input_channels = g.output_channels = pick(random, 1, 200);
    g.input_height = pick(random, 1, 13);
    // Half the cases wide enough for kernels that serve only long rows.
    g.input_width = pick(random, 1, trial % 4 < 2 ? 13 : 40);
    g.pad_top = pick(random, 0, k - 1);
    g.pad_left = pick(random, 0, k - 1);
    const int pad_bottom = pick(random, 0, k - 1), pad_right = pick(random, 0, k - 1);
    if (g.input_height + g.pad_top + pad_bottom < k || g.input_width + g.pad_left + pad_right < k) {
      continue;
    }
    g.output_height = (g.input_height + g.pad_top + pad_bottom - k) / g.stride_height + 1;
    g.output_width = (g.input_width + g.pad_left + pad_right - k) / g.stride_width + 1;
    fill_case(random, &c);
    const std::vector<int8_t> expected = run(reference, c, {}, 1 << 20);
    expect_kernels_match(conv2d_qs8_candidates(cpu, g), c, expected, random, &exercised);
    if (::testing::Test::HasFatalFailure()) return;
  }
  print_checked("depthwise 3x3 and 5x5 kernels checked", exercised);
}

// A random Add behind the case's convolution: operand, zero points (extremes often), multipliers
// from 1e-3 to 4 and an output range, as a ReLU folded into it would narrow.
void add_random_residual(std::mt19937& random, Case* c) {
  c->residual.resize(c->g.output_rows() * c->g.output_width * c->g.output_channels);
  for (int8_t& r : c->residual) r = static_cast<int8_t>(pick(random, -128, 127));
  const int extremes[] = {-128, 127, 0};
  AddQs8Params& add = c->fused_add.add;
  add.a_zero_point = c->output.zero_point;
  add.b_zero_point = pick(random, 0, 1) ? extremes[pick(random, 0, 2)] : pick(random, -128, 127);
  add.a_multiplier =
      static_cast<float>(std::pow(10.0, std::uniform_real_distribution<double>(-3, 0.6)(random)));
  add.b_multiplier =
      static_cast<float>(std::pow(10.0, std::uniform_real_distribution<double>(-3, 0.6)(random)));
  add.output.zero_point = pick(random, -128, 127);
  add.output.min = pick(random, 0, 1) ? -128 : add.output.zero_point;
  add.output.max = 127;
}

// A Conv2D with an Add fused behind it: the reference's fused definition is the two reference
// kernels in turn, and every fused kernel this CPU has matches it bit for bit.
TEST(Conv2dQs8Kernels, EveryFusedAddKernelMatchesTheTwoOpsBitForBit) {
  const CpuFeatures cpu = detect_cpu_features();
  const Conv2dQs8Kernel reference{"conv2d_qs8_reference", conv2d_qs8_reference, nullptr, nullptr,
                                  1};
  std::mt19937 random(20261123);
  std::vector<std::string> exercised;
  for (int trial = 0; trial < 300; ++trial) {
    Case c = random_case(random);
    const std::vector<int8_t> convolved = run(reference, c, {}, 1 << 20);
    add_random_residual(random, &c);
    std::vector<int8_t> two_ops(convolved.size());
    BroadcastGeometry flat;
    flat.output_dims[3] = convolved.size();
    flat.a_strides[3] = flat.b_strides[3] = 1;
    add_qs8_reference(flat, c.fused_add.add, convolved.data(), c.residual.data(), two_ops.data());
    const std::vector<int8_t> expected = run(reference, c, {}, 1 << 20);
    ASSERT_EQ(expected, two_ops) << "the fused reference is not Conv2D then Add; " << describe(c);

    expect_kernels_match(conv2d_add_qs8_candidates(cpu, c.g), c, expected, random, &exercised);
    if (::testing::Test::HasFatalFailure()) return;
  }
  print_checked("fused kernels checked", exercised);
}

// The kernel the registry picks here for a typical 3x3 convolution, printed so that a CI log shows
// the dispatch (as under `qemu-x86_64 -cpu Haswell`), and held to the tables' order: the widest
// instruction set the CPU has wins. QRUN_EXPECT_CONV_KERNEL, when set, names the kernel that must
// win, so that a run on an emulated CPU also checks what the CPU was detected to be.
// The float kernel the registry picks for dense convolutions sums each output in the reference's
// order: the same bits, whatever the CPU, the shapes, the clamp and the slices.
TEST(Conv2dF32Kernels, DenseKernelMatchesTheReferenceBitForBit) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(20261123);
  std::uniform_real_distribution<float> value(-2.0f, 2.0f);
  int dense = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const Case c = random_case(random);
    if (c.g.groups != 1) continue;
    ++dense;
    const Conv2dF32Kernel kernel = select_conv2d_f32(cpu, c.g);
    std::vector<float> input(c.input.size()), weights(c.weights.size()), bias(c.bias.size());
    for (float& v : input) v = value(random);
    for (float& v : weights) v = value(random);
    for (float& v : bias) v = value(random);
    const F32Range range = trial % 2 ? F32Range{0.0f, 3.0f} : F32Range{};
    const size_t count = c.g.output_rows() * c.g.output_width * c.g.output_channels;
    std::vector<float> expected(count), actual(count, NAN);
    conv2d_f32_reference(c.g, range, {weights.data(), bias.data(), nullptr}, input.data(),
                         expected.data(), {0, c.g.output_rows(), 0, c.bias.size()});
    std::vector<float> packed(kernel.packed_size ? kernel.packed_size(c.g) / sizeof(float) : 0);
    Conv2dF32Weights w{weights.data(), bias.data(), packed.data()};
    if (kernel.pack != nullptr) kernel.pack(c.g, range, w, packed.data());
    // Two row ranges, channels in steps of the kernel's grain.
    const size_t middle = c.g.output_rows() / 2;
    for (auto [first_row, last_row] : {std::pair<size_t, size_t>{0, middle},
                                       std::pair<size_t, size_t>{middle, c.g.output_rows()}}) {
      for (size_t first = 0; first < bias.size(); first += kernel.channel_step) {
        kernel.run(
            c.g, range, w, input.data(), actual.data(),
            {first_row, last_row, first, std::min(first + kernel.channel_step, bias.size())});
      }
    }
    ASSERT_EQ(0, std::memcmp(expected.data(), actual.data(), count * sizeof(float)))
        << kernel.name << "; " << describe(c);
  }
  EXPECT_GT(dense, 50);
}

TEST(Conv2dQs8Kernels, DispatchPicksTheWidestInstructionSet) {
  const CpuFeatures cpu = detect_cpu_features();
  Conv2dGeometry g;
  g.input_height = g.input_width = g.output_height = g.output_width = 56;
  g.input_channels = g.output_channels = 64;
  g.kernel_height = g.kernel_width = 3;
  g.pad_top = g.pad_left = 1;
  const std::string name = select_conv2d_qs8(cpu, g).name;
  std::printf(
      "CPU: avx2 %d, avx_vnni %d, avx512 %d, avx512_vnni %d, neon %d, neon_dot %d, i8mm %d, "
      "armv7_neon %d; 3x3 conv kernel: %s\n",
      cpu.x86_avx2, cpu.x86_avx_vnni, cpu.x86_avx512, cpu.x86_avx512_vnni, cpu.arm_neon,
      cpu.arm_neon_dot, cpu.arm_i8mm, cpu.armv7_neon, name.c_str());
#if QRUN_X86_KERNELS
  const char* widest = cpu.x86_avx512_vnni ? "conv2d_qs8_igemm_6x64c4_avx512vnni"
                       : cpu.x86_avx_vnni  ? "conv2d_qs8_igemm_4x24c4_avxvnni"
                       : cpu.x86_avx2      ? "conv2d_qs8_igemm_6x16c2_avx2"
                                           : "conv2d_qs8_reference";
  EXPECT_EQ(widest, name);
#elif QRUN_ARM64_KERNELS
  const char* widest = cpu.arm_i8mm       ? "conv2d_qs8_igemm_4x16c8_i8mm"
                       : cpu.arm_neon_dot ? "conv2d_qs8_igemm_4x16c4_neondot"
                       : cpu.arm_neon     ? "conv2d_qs8_igemm_4x16c8_neon"
                                          : "conv2d_qs8_reference";
  EXPECT_EQ(widest, name);
#elif QRUN_ARMV7_KERNELS
  EXPECT_EQ(cpu.armv7_neon ? "conv2d_qs8_igemm_2x16c8_armv7neon" : "conv2d_qs8_reference", name);
#endif
  if (const char* expected = std::getenv("QRUN_EXPECT_CONV_KERNEL")) {
    EXPECT_EQ(expected, name);
  }
}

}  // namespace
}  // namespace qrun::kernels
