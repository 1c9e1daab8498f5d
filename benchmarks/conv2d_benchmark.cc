// Every int8 Conv2D kernel this CPU can run, on the layer shapes of ResNet-50 and MobileNet-v2
// (batch 1, 224x224 input): counters GMAC (per second) and of_peak, the fraction of the core's
// peak measured at start-up by the register-only loop of the best instruction the CPU has (both
// are rates, so Google Benchmark shows them with "/s"). Kernels that can fuse a residual Add run
// each layer a second time with one ("+add" in the name), as ResNet's block ends do.
//   build/bin/conv2d_benchmark --benchmark_filter=resnet50   (Google Benchmark flags apply)
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/overread.h"
#include "conv2d_layers.h"
#include "cpu_features.h"
#include "registry.h"

namespace {

using qrun::benchmarks::geometry_of;
using qrun::benchmarks::kLayers;
using qrun::benchmarks::Layer;
using qrun::kernels::Conv2dGeometry;

double measure_peak_gmacs(const qrun::kernels::CpuFeatures& cpu) {
  const qrun::kernels::PeakLoop loop = qrun::kernels::select_peak_loop(cpu);
  if (loop.run == nullptr) return 0;
  double best = 0;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const auto start = std::chrono::steady_clock::now();
    const uint64_t macs = loop.run(1 << 20);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(macs) / seconds / 1e9);
  }
  return best;
}

void run_layer(benchmark::State& state, qrun::kernels::Conv2dQs8Kernel kernel, Conv2dGeometry g,
               bool residual, double peak_gmacs) {
  std::mt19937 random(1);
  std::vector<int8_t> input(static_cast<size_t>(g.input_height) * g.input_width * g.input_channels +
                            qrun::kernels::kInputOverreadBytes);
  for (int8_t& x : input) x = static_cast<int8_t>(random());
  const size_t reduction =
      static_cast<size_t>(g.kernel_height) * g.kernel_width * g.input_channels_per_group();
  std::vector<int8_t> weights(g.output_channels * reduction);
  for (int8_t& w : weights) w = static_cast<int8_t>(static_cast<int>(random() % 255) - 127);
  std::vector<int32_t> bias(g.output_channels, 1000);
  std::vector<float> multipliers(g.output_channels, 1e-4f);
  qrun::kernels::Conv2dQs8Params params{-3, multipliers.data(), {5, -128, 127}};
  std::vector<int8_t> residual_values(g.output_rows() * g.output_width * g.output_channels);
  for (int8_t& r : residual_values) r = static_cast<int8_t>(random());
  const qrun::kernels::Conv2dQs8Residual add{residual_values.data(),
                                             {5, 7, 0.6f, 0.45f, {-4, -128, 127}}};
  if (residual) params.residual = &add;
  qrun::kernels::Conv2dQs8Weights operands{weights.data(), bias.data(), nullptr};
  std::vector<uint8_t> storage;
  if (kernel.pack != nullptr) {
    storage.resize(kernel.packed_size(g) + 64);
    void* aligned = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
    kernel.pack(g, params, operands, aligned);
    operands.packed = aligned;
  }
  std::vector<int8_t> output(g.output_rows() * g.output_width * g.output_channels);
  for (auto _ : state) {
    kernel.run(g, params, operands, input.data(), output.data(),
               {0, g.output_rows(), 0, static_cast<size_t>(g.output_channels)});
    benchmark::ClobberMemory();
  }
  const double macs =
      static_cast<double>(g.output_rows()) * g.output_width * g.output_channels * reduction;
  state.counters["GMAC"] =
      benchmark::Counter(macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  if (peak_gmacs > 0) {
    state.counters["of_peak"] =
        benchmark::Counter(macs * 1e-9 / peak_gmacs, benchmark::Counter::kIsIterationInvariantRate);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const qrun::kernels::CpuFeatures cpu = qrun::detect_cpu_features();
  const double peak = measure_peak_gmacs(cpu);
  std::printf("peak: %.1f GMAC/s (%s)\n", peak, qrun::kernels::select_peak_loop(cpu).instruction);
  for (const Layer& layer : kLayers) {
    const Conv2dGeometry g = geometry_of(layer);
    for (const qrun::kernels::Conv2dQs8Kernel& kernel :
         qrun::kernels::conv2d_qs8_candidates(cpu, g)) {
      const std::string name = qrun::benchmarks::layer_name(layer) + "/" + kernel.name;
      benchmark::RegisterBenchmark(name.c_str(), run_layer, kernel, g, false, peak)
          ->Unit(benchmark::kMicrosecond);
    }
    for (const qrun::kernels::Conv2dQs8Kernel& kernel :
         qrun::kernels::conv2d_add_qs8_candidates(cpu, g)) {
      const std::string name = qrun::benchmarks::layer_name(layer) + "/" + kernel.name;
      benchmark::RegisterBenchmark(name.c_str(), run_layer, kernel, g, true, peak)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
