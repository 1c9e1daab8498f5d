// Times a loaded model: warm-up runs, then timed runs (a number of them or for a duration, with a
// pause between them if asked), the run conditions read before and after, each operator's time
// when profiling is on.
#pragma once

#include <string>
#include <vector>

#include "qrun/qrun.hpp"
#include "run_conditions.h"

namespace qrun::tools {

struct MeasureOptions {
  int warmup = 0;
  int repeat = 10;        // timed runs, unless duration_s > 0
  double duration_s = 0;  // > 0: time runs until this many seconds have passed
  double cooldown_s = 0;  // a pause between timed runs, to let the core cool
  bool profile = false;   // the model's profiling is on: keep each operator's time
  int cpu = -1;           // whose frequency and governor to read
  std::string sys_dir = "/sys";
};

struct Measurement {
  std::vector<double> milliseconds;                        // each timed run
  std::vector<double> start_ms;                            // when each began, from the first
  std::vector<std::vector<double>> operator_milliseconds;  // [operator][run], when profiling
  RunConditions before;                                    // just before the first timed run
  RunConditions after;                                     // just after the last
  size_t peak_resident_bytes = 0;  // of the whole process, after the runs; 0 where unknown
};

Status measure_latency(Model& model, const MeasureOptions& options, Measurement* measurement);

}  // namespace qrun::tools
