// Whole-model latency: each .qfb given on the command line, run single-threaded on the input
// values 0 (all inputs zero-filled), through the public API.
//   build/bin/model_benchmark model.qfb [more.qfb ...] [--benchmark_* flags]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "qrun/qrun.hpp"

namespace {

void run_model(benchmark::State& state, std::string path) {
  qrun::Model model;
  const qrun::Status loaded = model.load_file(path);
  if (!loaded.ok()) {
    state.SkipWithError(loaded.message().c_str());
    return;
  }
  for (int i = 0; i < model.input_count(); ++i) {
    qrun_tensor_info info;
    if (!model.input_info(i, &info).ok()) continue;
    std::vector<uint8_t> zeros(info.byte_size, 0);
    if (!model.set_input(i, zeros.data(), zeros.size()).ok())
      state.SkipWithError("set_input failed");
  }
  for (auto _ : state) {
    if (!model.run().ok()) state.SkipWithError("run failed");
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    benchmark::RegisterBenchmark(argv[i], run_model, std::string(argv[i]))
        ->Unit(benchmark::kMillisecond);
  }
  if (argc < 2) std::fprintf(stderr, "usage: model_benchmark model.qfb [more.qfb ...]\n");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
