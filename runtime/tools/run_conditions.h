// The conditions that change a run's timings, read where Linux and Android expose them: the
// cpufreq governor and frequency of the core that ran, and the hottest thermal zone. Containers,
// emulators and some phones hide these files; what could not be read is said, never fatal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "latency_stats.h"

namespace qrun::tools {

struct RunConditions {
  int cpu = -1;                // whose cpufreq files were read
  std::string governor;        // scaling_governor; empty where unreadable
  uint64_t frequency_khz = 0;  // scaling_cur_freq; 0 where unreadable
  std::string hottest_zone;    // the type of the hottest thermal zone; empty where none is readable
  double hottest_celsius = 0;
  std::vector<std::string> unreadable;  // "what: path: why" for each reading that failed
};

// `sys_dir` is where sysfs is mounted (/sys; tests give a directory of their own).
RunConditions read_run_conditions(const std::string& sys_dir, int cpu);

// What says the timings may not be the core's own: a governor other than performance, a frequency
// that changed during the run (by more than 1%), timings spread so widely (coefficient of
// variation over 5%) that something disturbed the run, and a run that was not pinned.
std::vector<std::string> run_warnings(const RunConditions& before, const RunConditions& after,
                                      const LatencyStats& stats, bool pinned);

}  // namespace qrun::tools
