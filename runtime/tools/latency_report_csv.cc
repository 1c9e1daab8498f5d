// One row per timed run: its number, when it began (from the first) and how long it took.
#include <cstdio>

#include "latency_report.h"

namespace qrun::tools {

std::string latency_csv(const LatencyReport& report) {
  std::string text = "run,start_ms,latency_ms\n";
  const Measurement& measurement = report.measurement;
  for (size_t i = 0; i < measurement.milliseconds.size(); ++i) {
    char row[96];
    std::snprintf(row, sizeof row, "%zu,%.6f,%.6f\n", i, measurement.start_ms[i],
                  measurement.milliseconds[i]);
    text += row;
  }
  return text;
}

}  // namespace qrun::tools
