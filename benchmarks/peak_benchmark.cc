// The core's int8 multiply-accumulate ceiling: a register-only loop of each instruction family
// this CPU has, reported in GMAC/s. Kernel benchmarks and `qrun --profile` measure against it.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "cpu_features.h"
#include "registry.h"

namespace {

void peak(benchmark::State& state, qrun::kernels::PeakLoop loop) {
  constexpr uint64_t kIterations = 1 << 16;
  uint64_t macs = 0;
  for (auto _ : state) macs = loop.run(kIterations);
  state.counters["GMAC"] = benchmark::Counter(static_cast<double>(macs) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
  const qrun::kernels::PeakLoop loop = qrun::kernels::select_peak_loop(qrun::detect_cpu_features());
  if (loop.run == nullptr) {
    std::printf("peak_benchmark: no peak loop for this CPU's instructions yet\n");
    return 0;
  }
  benchmark::RegisterBenchmark((std::string("peak/") + loop.instruction).c_str(), peak, loop);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
