#include "latency_stats.h"

#include <algorithm>
#include <cmath>

namespace qrun::tools {

double nearest_rank(const std::vector<double>& sorted, double q) {
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

LatencyStats summarize_latency(std::vector<double> milliseconds) {
  std::sort(milliseconds.begin(), milliseconds.end());
  LatencyStats stats;
  const size_t n = milliseconds.size();
  stats.runs = n;
  stats.min = milliseconds.front();
  stats.max = milliseconds.back();
  stats.median = n % 2 ? milliseconds[n / 2] : (milliseconds[n / 2 - 1] + milliseconds[n / 2]) / 2;
  stats.p90 = nearest_rank(milliseconds, 0.90);
  stats.p99 = nearest_rank(milliseconds, 0.99);
  double sum = 0;
  for (double t : milliseconds) sum += t;
  stats.mean = sum / static_cast<double>(n);
  double squares = 0;
  for (double t : milliseconds) squares += (t - stats.mean) * (t - stats.mean);
  stats.stddev = n > 1 ? std::sqrt(squares / static_cast<double>(n - 1)) : 0;
  stats.cv = stats.mean > 0 ? stats.stddev / stats.mean : 0;
  stats.slow_runs = static_cast<size_t>(std::count_if(
      milliseconds.begin(), milliseconds.end(), [&](double t) { return t > 1.5 * stats.median; }));
  return stats;
}

}  // namespace qrun::tools
