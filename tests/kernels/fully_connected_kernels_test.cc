// Every FullyConnected kernel this CPU can run, held to the reference bit for bit over random sizes
// (inputs not a multiple of four, outputs not a multiple of 16), zero points, multipliers, and
// channel ranges split in steps as the runtime's threads split them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
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

TEST(FullyConnectedQs8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(5);
  for (int trial = 0; trial < 200; ++trial) {
    // Few rows (the FullyConnected kernels) or many (the Conv2D GEMMs serve those).
    const int rows = pick(random, 0, 1) ? pick(random, 1, 3) : pick(random, 4, 40);
    const FullyConnectedGeometry g{rows, pick(random, 1, 300), pick(random, 1, 200)};
    std::vector<int8_t> input(static_cast<size_t>(g.batch) * g.input_channels +
                              kInputOverreadBytes);
    for (int8_t& x : input) x = static_cast<int8_t>(pick(random, -128, 127));
    std::vector<int8_t> weights(static_cast<size_t>(g.output_channels) * g.input_channels);
    for (int8_t& w : weights) w = static_cast<int8_t>(pick(random, -127, 127));
    std::vector<int32_t> bias;
    std::vector<float> multipliers;
    for (int o = 0; o < g.output_channels; ++o) {
      bias.push_back(pick(random, -100000, 100000));
      // A quarter powers of two, whose products land exactly on halves: ties, rounded to even.
      multipliers.push_back(
          pick(random, 0, 3) == 0
              ? std::ldexp(1.0f, -pick(random, 1, 12))
              : static_cast<float>(
                    std::pow(10.0, std::uniform_real_distribution<double>(-5, 0)(random))));
    }
    FullyConnectedQs8Params params;
    params.input_zero_point = pick(random, 0, 1) ? -128 : pick(random, -128, 127);
    params.multipliers = multipliers.data();
    params.output.zero_point = pick(random, -128, 127);
    params.output.min = pick(random, 0, 1) ? -128 : params.output.zero_point;
    const size_t count = static_cast<size_t>(g.batch) * g.output_channels;
    std::vector<int8_t> expected(count);
    fully_connected_qs8_reference(g, params, {weights.data(), bias.data(), nullptr}, input.data(),
                                  expected.data(), 0, g.output_channels);
    const size_t steps = static_cast<size_t>(pick(random, 1, 5));
    for (const FullyConnectedQs8Kernel& kernel : fully_connected_qs8_candidates(cpu, g)) {
      const size_t step = kernel.channel_step * steps;
      if (trial < 2) std::printf("kernel checked: %s\n", kernel.name);
      FullyConnectedQs8Weights operands{weights.data(), bias.data(), nullptr};
      std::vector<uint8_t> storage;
      if (kernel.pack != nullptr) {
        storage.resize(kernel.packed_size(g) + 64);
        void* aligned =
            storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
        kernel.pack(g, params, operands, aligned);
        operands.packed = aligned;
      }
      std::vector<int8_t> actual(count);
      for (size_t begin = 0; begin < static_cast<size_t>(g.output_channels); begin += step) {
        const size_t end = std::min(begin + step, static_cast<size_t>(g.output_channels));
        kernel.run(g, params, operands, input.data(), actual.data(), begin, end);
      }
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial;
    }
  }
}

}  // namespace
}  // namespace qrun::kernels
