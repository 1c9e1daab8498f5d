// Every int8 kernel this CPU can run for a transformer encoder's ops, on the shapes of the
// encoder in tests/models/check_transformer.py (sequence 128, d_model 256, 4 heads, feed-forward
// 1024): FullyConnected and BatchMatMul with counters GMAC (per second) and of_peak (the fraction
// of the core's peak, measured at start-up as conv2d_benchmark does), Softmax and LayerNorm with
// Gelem (elements per second). attention_scores/ times K^T and Q K^T together, as the encoder
// runs them: a TRANSPOSE of K then BATCH_MATMUL, against BATCH_MATMUL reading K as it is
// (transpose_b), from K as [H, S, D] and as PyTorch's export has it, [S, H, D].
//   build/bin/transformer_benchmark --benchmark_filter=fully_connected   (Google Benchmark flags)
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/overread.h"
#include "cpu_features.h"
#include "registry.h"

namespace {

namespace k = qrun::kernels;

constexpr int kSequence = 128, kModel = 256, kHeads = 4, kFeedForward = 1024;

std::vector<int8_t> random_activation(size_t count) {
  std::mt19937 random(1);
  std::vector<int8_t> bytes(count + k::kInputOverreadBytes);
  for (int8_t& b : bytes) b = static_cast<int8_t>(random());
  return bytes;
}

double measure_peak_gmacs(const k::CpuFeatures& cpu) {
  const k::PeakLoop loop = k::select_peak_loop(cpu);
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

void count_macs(benchmark::State& state, double macs, double peak_gmacs) {
  state.counters["GMAC"] =
      benchmark::Counter(macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  if (peak_gmacs > 0) {
    state.counters["of_peak"] =
        benchmark::Counter(macs * 1e-9 / peak_gmacs, benchmark::Counter::kIsIterationInvariantRate);
  }
}

void count_elements(benchmark::State& state, double elements) {
  state.counters["Gelem"] =
      benchmark::Counter(elements * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void run_fully_connected(benchmark::State& state, k::FullyConnectedQs8Kernel kernel,
                         k::FullyConnectedGeometry g, double peak_gmacs) {
  const std::vector<int8_t> input =
      random_activation(static_cast<size_t>(g.batch) * g.input_channels);
  std::vector<int8_t> weights =
      random_activation(static_cast<size_t>(g.output_channels) * g.input_channels);
  for (int8_t& w : weights) w = w == -128 ? -127 : w;
  std::vector<int32_t> bias(g.output_channels, 1000);
  std::vector<float> multipliers(g.output_channels, 1e-4f);
  const k::FullyConnectedQs8Params params{-3, multipliers.data(), {5, -128, 127}};
  k::FullyConnectedQs8Weights operands{weights.data(), bias.data(), nullptr};
  std::vector<uint8_t> storage;
  if (kernel.pack != nullptr) {
    storage.resize(kernel.packed_size(g) + 64);
    void* aligned = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
    kernel.pack(g, params, operands, aligned);
    operands.packed = aligned;
  }
  std::vector<int8_t> output(static_cast<size_t>(g.batch) * g.output_channels);
  for (auto _ : state) {
    kernel.run(g, params, operands, input.data(), output.data(), 0,
               static_cast<size_t>(g.output_channels));
    benchmark::ClobberMemory();
  }
  count_macs(state, static_cast<double>(g.batch) * g.input_channels * g.output_channels,
             peak_gmacs);
}

void run_batch_matmul(benchmark::State& state, k::BatchMatMulQs8Kernel kernel,
                      k::BatchMatMulGeometry g, double peak_gmacs) {
  const std::vector<int8_t> a = random_activation(g.batch * g.m * g.k);
  const std::vector<int8_t> b = random_activation(g.batch * g.k * g.n);
  k::BatchMatMulQs8Params params;
  params.a_zero_point = 3;
  params.b_zero_point = -7;
  params.multiplier = 1e-4f;
  std::vector<int8_t> output(g.batch * g.m * g.n);
  for (auto _ : state) {
    kernel.run(g, params, a.data(), b.data(), output.data());
    benchmark::ClobberMemory();
  }
  count_macs(state, static_cast<double>(g.batch * g.m * g.k * g.n), peak_gmacs);
}

// K given as `k_layout` ([H, S, D] or [S, H, D]), moved by `perm` (none when empty) into b of the
// product, which reads it transposed when g.transpose_b is set.
void run_attention_scores(benchmark::State& state, k::CpuFeatures cpu,
                          k::BatchMatMulQs8Kernel kernel, k::BatchMatMulGeometry g,
                          std::vector<size_t> k_layout, std::vector<int> perm, double peak_gmacs) {
  const std::vector<int8_t> q = random_activation(g.batch * g.m * g.k);
  const std::vector<int8_t> keys = random_activation(g.batch * g.k * g.n);
  std::vector<int8_t> b(keys.size());
  k::TransposeGeometry t;
  t.rank = static_cast<int>(k_layout.size());
  for (size_t d = 0; d < k_layout.size(); ++d) {
    t.input_dims[d] = k_layout[d];
    if (!perm.empty()) t.perm[d] = perm[d];
  }
  const k::TransposeKernel transpose = k::select_transpose(cpu, t);
  k::BatchMatMulQs8Params params;
  params.a_zero_point = 3;
  params.b_zero_point = -7;
  params.multiplier = 1e-4f;
  std::vector<int8_t> output(g.batch * g.m * g.n);
  for (auto _ : state) {
    const int8_t* right = keys.data();
    if (!perm.empty()) {
      transpose.run(t, keys.data(), b.data());
      right = b.data();
    }
    kernel.run(g, params, q.data(), right, output.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(perm.empty() ? "no transpose" : transpose.name);
  count_macs(state, static_cast<double>(g.batch * g.m * g.k * g.n), peak_gmacs);
}

void run_softmax(benchmark::State& state, k::SoftmaxQs8Kernel kernel, size_t rows, size_t length) {
  std::vector<int32_t> table(k::kSoftmaxTableSize);
  for (int d = 0; d < k::kSoftmaxTableSize; ++d) {
    table[d] = static_cast<int32_t>(std::lround(std::ldexp(std::exp(-0.05 * d), 23)));
  }
  const std::vector<int8_t> input = random_activation(rows * length);
  std::vector<int8_t> output(rows * length);
  for (auto _ : state) {
    kernel.run(rows, length, table.data(), input.data(), output.data());
    benchmark::ClobberMemory();
  }
  count_elements(state, static_cast<double>(rows * length));
}

void run_layer_norm(benchmark::State& state, k::LayerNormQs8Kernel kernel, k::LayerNormGeometry g) {
  const std::vector<int8_t> input = random_activation(g.rows * g.channels);
  std::vector<float> scale(g.channels, 3.5f), shift(g.channels, -1.25f);
  k::LayerNormQs8Params params;
  params.input_zero_point = 2;
  params.epsilon_in_input_steps = 0.01;
  params.scale = scale.data();
  params.shift = shift.data();
  std::vector<int8_t> output(g.rows * g.channels);
  for (auto _ : state) {
    kernel.run(g, params, input.data(), output.data());
    benchmark::ClobberMemory();
  }
  count_elements(state, static_cast<double>(g.rows * g.channels));
}

}  // namespace

int main(int argc, char** argv) {
  const k::CpuFeatures cpu = qrun::detect_cpu_features();
  const double peak = measure_peak_gmacs(cpu);
  std::printf("peak: %.1f GMAC/s (%s)\n", peak, k::select_peak_loop(cpu).instruction);
  // The projections: q, k, v and the output (d_model to d_model), then the feed-forward pair.
  const k::FullyConnectedGeometry projections[] = {{kSequence, kModel, kModel},
                                                   {kSequence, kModel, kFeedForward},
                                                   {kSequence, kFeedForward, kModel}};
  for (const k::FullyConnectedGeometry& g : projections) {
    for (const k::FullyConnectedQs8Kernel& kernel : k::fully_connected_qs8_candidates(cpu, g)) {
      const std::string name = "fully_connected/" + std::to_string(g.batch) + "x" +
                               std::to_string(g.input_channels) + "/" +
                               std::to_string(g.output_channels) + "/" + kernel.name;
      benchmark::RegisterBenchmark(name.c_str(), run_fully_connected, kernel, g, peak)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  // Attention's scores Q K^T, then its context P V, all heads in one call.
  const size_t head = kModel / kHeads;
  const k::BatchMatMulGeometry products[] = {{kHeads, kSequence, head, kSequence},
                                             {kHeads, kSequence, kSequence, head}};
  // The scores once more with K read as [H, S, D] (transpose_b).
  k::BatchMatMulGeometry scores_transposed_b = products[0];
  scores_transposed_b.transpose_b = true;
  for (const k::BatchMatMulGeometry& g : {products[0], products[1], scores_transposed_b}) {
    for (const k::BatchMatMulQs8Kernel& kernel : k::batch_matmul_qs8_candidates(cpu)) {
      const std::string name = "batch_matmul/" + std::to_string(g.batch) + "x" +
                               std::to_string(g.m) + "x" + std::to_string(g.k) + "x" +
                               std::to_string(g.n) + (g.transpose_b ? "/transpose_b/" : "/") +
                               kernel.name;
      benchmark::RegisterBenchmark(name.c_str(), run_batch_matmul, kernel, g, peak)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  // Attention's scores (every head's rows of one sequence), then rows of a longer sequence.
  const size_t softmax_shapes[][2] = {{kHeads * kSequence, kSequence}, {64, 1000}};
  for (const auto& [rows, length] : softmax_shapes) {
    for (const k::SoftmaxQs8Kernel& kernel : k::softmax_qs8_candidates(cpu)) {
      const std::string name =
          "softmax/" + std::to_string(rows) + "x" + std::to_string(length) + "/" + kernel.name;
      benchmark::RegisterBenchmark(name.c_str(), run_softmax, kernel, rows, length)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  const k::LayerNormGeometry norm{kSequence, kModel, 1e-5f};
  for (const k::LayerNormQs8Kernel& kernel : k::layer_norm_qs8_candidates(cpu)) {
    const std::string name = "layer_norm/" + std::to_string(kSequence) + "x" +
                             std::to_string(kModel) + "/" + kernel.name;
    benchmark::RegisterBenchmark(name.c_str(), run_layer_norm, kernel, norm)
        ->Unit(benchmark::kMicrosecond);
  }
  // Q K^T from K [H, S, D] (transposed by (0, 2, 1), or not) and from K [S, H, D] (by (1, 2, 0),
  // or by (1, 0, 2) to [H, S, D] and read transposed), with the kernel the runtime picks.
  struct Scores {
    const char* name;
    std::vector<size_t> k_layout;
    std::vector<int> perm;
    bool transpose_b;
  };
  const std::vector<Scores> scores = {
      {"heads_first/transpose_then_product", {kHeads, kSequence, head}, {0, 2, 1}, false},
      {"heads_first/transpose_b", {kHeads, kSequence, head}, {}, true},
      {"sequence_first/transpose_then_product", {kSequence, kHeads, head}, {1, 2, 0}, false},
      {"sequence_first/row_transpose_then_transpose_b",
       {kSequence, kHeads, head},
       {1, 0, 2},
       true}};
  const k::BatchMatMulQs8Kernel best = k::select_batch_matmul_qs8(cpu);
  for (const Scores& variant : scores) {
    k::BatchMatMulGeometry g = products[0];
    g.transpose_b = variant.transpose_b;
    const std::string name = std::string("attention_scores/") + variant.name + "/" + best.name;
    benchmark::RegisterBenchmark(name.c_str(), run_attention_scores, cpu, best, g, variant.k_layout,
                                 variant.perm, peak)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
