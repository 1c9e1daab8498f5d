// qrun's int8 Conv2D kernel against XNNPACK's QC8 convolution operator, side by side on the same
// ResNet-50 and MobileNet-v2 layer shapes (conv2d_layers.h), one thread: the kernel qrun chooses
// for this CPU (.../qrun:<kernel>) and xnn_create_convolution2d_nhwc_qc8 with the same weights,
// bias, per-channel multipliers and zero points (.../xnnpack_qc8). The classifiers' fully
// connected layers (batch 1) too, against the same operator as a 1x1 convolution, which is how
// the XNNPACK backend runs them. Counter GMAC (per second).
//   build/bin/xnnpack_conv2d_benchmark --benchmark_filter=resnet50   (Google Benchmark flags apply)
#include <benchmark/benchmark.h>
#include <xnnpack.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "common/overread.h"
#include "conv2d_layers.h"
#include "cpu_features.h"
#include "registry.h"

namespace {

using qrun::benchmarks::kLayers;
using qrun::benchmarks::Layer;
using qrun::kernels::Conv2dGeometry;

// One layer's operands, seeded, as both libraries take them.
struct Operands {
  explicit Operands(const Conv2dGeometry& g) {
    std::mt19937 random(1);
    input.resize(static_cast<size_t>(g.input_height) * g.input_width * g.input_channels +
                 qrun::kernels::kInputOverreadBytes);
    for (int8_t& x : input) x = static_cast<int8_t>(random());
    weights.resize(static_cast<size_t>(g.output_channels) * g.kernel_height * g.kernel_width *
                   g.input_channels_per_group());
    for (int8_t& w : weights) w = static_cast<int8_t>(static_cast<int>(random() % 255) - 127);
    bias.assign(g.output_channels, 1000);
    multipliers.assign(g.output_channels, 1e-4f);
    output.resize(g.output_rows() * g.output_width * g.output_channels);
  }
  std::vector<int8_t> input, weights, output;
  std::vector<int32_t> bias;
  std::vector<float> multipliers;
};

constexpr int32_t kInputZeroPoint = -3;
constexpr int32_t kOutputZeroPoint = 5;

void report_macs(benchmark::State& state, const Conv2dGeometry& g) {
  const double macs = static_cast<double>(g.output_rows()) * g.output_width * g.output_channels *
                      g.kernel_height * g.kernel_width * g.input_channels_per_group();
  state.counters["GMAC"] =
      benchmark::Counter(macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void run_qrun(benchmark::State& state, qrun::kernels::Conv2dQs8Kernel kernel, Conv2dGeometry g) {
  Operands o(g);
  const qrun::kernels::Conv2dQs8Params params{
      kInputZeroPoint, o.multipliers.data(), {kOutputZeroPoint, -128, 127}};
  qrun::kernels::Conv2dQs8Weights weights{o.weights.data(), o.bias.data(), nullptr};
  std::vector<uint8_t> storage;
  if (kernel.pack != nullptr) {
    storage.resize(kernel.packed_size(g) + 64);
    void* aligned = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
    kernel.pack(g, params, weights, aligned);
    weights.packed = aligned;
  }
  for (auto _ : state) {
    kernel.run(g, params, weights, o.input.data(), o.output.data(),
               {0, g.output_rows(), 0, static_cast<size_t>(g.output_channels)});
    benchmark::ClobberMemory();
  }
  report_macs(state, g);
}

void run_xnnpack(benchmark::State& state, Conv2dGeometry g) {
  Operands o(g);
  const uint32_t pad = static_cast<uint32_t>(g.pad_top);
  // The multipliers as kernel scales with unit input and output scales, as the backend does.
  xnn_operator_t op = nullptr;
  xnn_status status = xnn_create_convolution2d_nhwc_qc8(
      pad, pad, pad, pad, g.kernel_height, g.kernel_width, g.stride_height, g.stride_width, 1, 1,
      g.groups, g.input_channels_per_group(), g.output_channels_per_group(), g.input_channels,
      g.output_channels, kInputZeroPoint, 1.0f, o.multipliers.data(), o.weights.data(),
      o.bias.data(), kOutputZeroPoint, 1.0f, -128, 127, 0, &op);
  if (status == xnn_status_success) {
    status = xnn_setup_convolution2d_nhwc_qc8(op, 1, g.input_height, g.input_width, o.input.data(),
                                              o.output.data(), nullptr);
  }
  if (status != xnn_status_success) {
    state.SkipWithError("XNNPACK refused the layer");
    xnn_delete_operator(op);
    return;
  }
  for (auto _ : state) {
    xnn_run_operator(op, nullptr);
    benchmark::ClobberMemory();
  }
  xnn_delete_operator(op);
  report_macs(state, g);
}

// A classifier's fully connected layer, batch 1: input channels -> output channels.
struct ClassifierLayer {
  const char* model;
  int input_channels, output_channels;
};
const ClassifierLayer kClassifiers[] = {
    {"resnet18", 512, 1000}, {"resnet50", 2048, 1000}, {"mobilenet_v2", 1280, 1000}};

void run_qrun_fully_connected(benchmark::State& state,
                              qrun::kernels::FullyConnectedQs8Kernel kernel,
                              qrun::kernels::FullyConnectedGeometry g) {
  Conv2dGeometry as_conv;
  as_conv.input_height = as_conv.input_width = as_conv.output_height = as_conv.output_width = 1;
  as_conv.input_channels = g.input_channels;
  as_conv.output_channels = g.output_channels;
  Operands o(as_conv);
  const qrun::kernels::FullyConnectedQs8Params params{
      kInputZeroPoint, o.multipliers.data(), {kOutputZeroPoint, -128, 127}};
  qrun::kernels::FullyConnectedQs8Weights weights{o.weights.data(), o.bias.data(), nullptr};
  std::vector<uint8_t> storage;
  if (kernel.pack != nullptr) {
    storage.resize(kernel.packed_size(g) + 64);
    void* aligned = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
    kernel.pack(g, params, weights, aligned);
    weights.packed = aligned;
  }
  for (auto _ : state) {
    kernel.run(g, params, weights, o.input.data(), o.output.data(), 0,
               static_cast<size_t>(g.output_channels));
    benchmark::ClobberMemory();
  }
  report_macs(state, as_conv);
}

}  // namespace

int main(int argc, char** argv) {
  if (xnn_initialize(nullptr) != xnn_status_success) {
    std::fprintf(stderr, "xnnpack_conv2d_benchmark: XNNPACK does not run on this CPU\n");
    return 1;
  }
  const qrun::kernels::CpuFeatures cpu = qrun::detect_cpu_features();
  for (const Layer& layer : kLayers) {
    const Conv2dGeometry g = qrun::benchmarks::geometry_of(layer);
    const qrun::kernels::Conv2dQs8Kernel kernel = qrun::kernels::select_conv2d_qs8(cpu, g);
    const std::string name = qrun::benchmarks::layer_name(layer);
    benchmark::RegisterBenchmark((name + "/qrun:" + kernel.name).c_str(), run_qrun, kernel, g)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((name + "/xnnpack_qc8").c_str(), run_xnnpack, g)
        ->Unit(benchmark::kMicrosecond);
  }
  for (const ClassifierLayer& layer : kClassifiers) {
    const qrun::kernels::FullyConnectedGeometry g{1, layer.input_channels, layer.output_channels};
    const qrun::kernels::FullyConnectedQs8Kernel kernel =
        qrun::kernels::select_fully_connected_qs8(cpu, g);
    const std::string name = std::string(layer.model) + "/fc/" +
                             std::to_string(layer.input_channels) + "/" +
                             std::to_string(layer.output_channels);
    Conv2dGeometry as_conv;
    as_conv.input_height = as_conv.input_width = as_conv.output_height = as_conv.output_width = 1;
    as_conv.input_channels = layer.input_channels;
    as_conv.output_channels = layer.output_channels;
    benchmark::RegisterBenchmark((name + "/qrun:" + kernel.name).c_str(), run_qrun_fully_connected,
                                 kernel, g)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((name + "/xnnpack_qc8_1x1").c_str(), run_xnnpack, as_conv)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
