// What `qrun` reports about a timed run, gathered in one place and written three ways: text for a
// terminal, one JSON document (its layout: QRUN_JSON.md), and CSV with one row per timed run.
#pragma once

#include <string>
#include <vector>

#include "build_info.h"
#include "core_pinning.h"
#include "latency_measure.h"
#include "qrun/qrun.hpp"

namespace qrun::tools {

// The CPU a run is measured on: the first one pinned to. Not pinned, the run may move from CPU to
// CPU, so the description is the machine's: every microarchitecture, the highest frequency.
struct CpuReport {
  int id = -1;        // -1 when not pinned
  std::string name;   // the processor or SoC; empty where unknown
  std::string uarch;  // empty where unknown; not pinned, each known one joined by "+"
  uint64_t max_frequency_khz = 0;
  std::string isa;  // the kernels' instruction-set family
  PinChoice pin;
  std::vector<qrun_cpu_info> cpus;  // the whole machine
};

CpuReport describe_cpu_in_use(const PinChoice& pin, const std::string& isa);

// "CPU 1 (--pin 1): AMD EPYC, microarchitecture unknown, ISA avx512vnni, max frequency unreadable",
// or "CPU not pinned: ..."
std::string cpu_headline(const CpuReport& cpu);

struct TensorSummary {
  std::string name;
  std::string type;
  std::vector<int> shape;
};

struct OperatorProfile {
  std::string type;
  std::string name;
  std::string kernel;
  std::vector<int> output_shape;
  double median_ms = 0;
  uint64_t macs = 0;
};

struct LatencyReport {
  std::string model_path;
  int operator_count = 0;
  std::vector<TensorSummary> inputs;
  qrun_memory_info memory{};
  BuildInfo build;
  CpuReport cpu;
  int threads = 1;
  MeasureOptions options;
  double load_ms = 0;  // the whole load, timed around it
  qrun_load_times load_phases{};
  Measurement measurement;
  LatencyStats stats;
  std::vector<OperatorProfile> profile;  // empty unless profiling
  double peak_gmacs = 0;                 // the core's int8 peak, when profiling
  std::string peak_instruction;
  std::vector<std::string> warnings;
};

// Fills what the model tells (inputs, memory, load phases, the profile) and the statistics and
// warnings from the measurement already in `report`.
Status complete_latency_report(Model& model, LatencyReport* report);

std::string latency_text(const LatencyReport& report);
std::string latency_json(const LatencyReport& report);
std::string latency_csv(const LatencyReport& report);

}  // namespace qrun::tools
