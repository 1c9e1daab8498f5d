// The statistics of a set of timed runs, in milliseconds.
#pragma once

#include <cstddef>
#include <vector>

namespace qrun::tools {

struct LatencyStats {
  size_t runs = 0;
  double min = 0;
  double max = 0;
  double median = 0;  // the middle run, or the mean of the two middle runs
  double mean = 0;
  double p90 = 0;  // nearest rank: the smallest time that at least 90% of the runs do not exceed
  double p99 = 0;
  double stddev = 0;     // sample standard deviation (n - 1); 0 for one run
  double cv = 0;         // coefficient of variation: stddev / mean
  size_t slow_runs = 0;  // runs over 1.5 times the median
};

// Needs at least one run.
LatencyStats summarize_latency(std::vector<double> milliseconds);

// The percentile `q` (in (0, 1]) of sorted times, by nearest rank.
double nearest_rank(const std::vector<double>& sorted, double q);

}  // namespace qrun::tools
