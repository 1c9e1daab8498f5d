#include "converter/range_observers.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qrun::converter {
namespace {

constexpr int kLevels = 256;  // int8
// Candidate ranges for entropy and mse: thresholds t = T * k / kCandidates on |x| (T the largest
// magnitude), each giving [max(min, -t), min(max, t)]: clipping the tails symmetrically around 0,
// which is where a ReLU's output or a centred activation keeps its mass.
constexpr int kCandidates = 1024;

struct BinRange {
  int first;  // inclusive
  int end;    // exclusive
};

// The bins a candidate threshold keeps.
BinRange BinsWithin(const Histogram& h, double threshold) {
  const int bins = static_cast<int>(h.counts().size());
  const double width = h.bin_width();
  const double low = std::max(static_cast<double>(h.min()), -threshold);
  const double high = std::min(static_cast<double>(h.max()), threshold);
  int first = static_cast<int>(std::floor((low - h.min()) / width));
  int end = static_cast<int>(std::ceil((high - h.min()) / width));
  first = std::clamp(first, 0, bins - 1);
  end = std::clamp(end, first + 1, bins);
  return {first, end};
}

TensorRange RangeOfBins(const Histogram& h, BinRange r) {
  const double width = h.bin_width();
  return {static_cast<float>(h.min() + r.first * width),
          static_cast<float>(h.min() + r.end * width)};
}

// KL(P || Q) where P is the histogram inside `r` with the clipped tails added to its end bins and
// Q is the same bins (without the tails) merged into 256 equal cells, each cell's mass spread
// evenly over its non-empty bins: what the int8 grid over `r` can tell apart.
double ClippingDivergence(const std::vector<uint64_t>& counts, BinRange r) {
  const int width = r.end - r.first;
  std::vector<double> p(width), q(width, 0.0);
  for (int i = 0; i < width; ++i) p[i] = static_cast<double>(counts[r.first + i]);
  double below = 0.0, above = 0.0;
  for (int i = 0; i < r.first; ++i) below += static_cast<double>(counts[i]);
  for (size_t i = r.end; i < counts.size(); ++i) above += static_cast<double>(counts[i]);
  for (int cell = 0; cell < kLevels; ++cell) {
    const int begin = static_cast<int>(static_cast<int64_t>(cell) * width / kLevels);
    const int end = static_cast<int>(static_cast<int64_t>(cell + 1) * width / kLevels);
    double mass = 0.0;
    int occupied = 0;
    for (int i = begin; i < end; ++i) {
      mass += p[i];
      occupied += p[i] > 0.0 ? 1 : 0;
    }
    for (int i = begin; i < end; ++i) q[i] = p[i] > 0.0 ? mass / occupied : 0.0;
  }
  p.front() += below;
  p.back() += above;
  double p_total = 0.0, q_total = 0.0;
  for (int i = 0; i < width; ++i) {
    p_total += p[i];
    q_total += q[i];
  }
  if (p_total == 0.0 || q_total == 0.0) return std::numeric_limits<double>::infinity();
  // Mass that Q leaves empty (clipped tails folded onto an empty bin) costs as if Q held a
  // billionth of it, so clipping is never free.
  constexpr double kFloor = 1e-9;
  double divergence = 0.0;
  for (int i = 0; i < width; ++i) {
    if (p[i] == 0.0) continue;
    const double pi = p[i] / p_total;
    const double qi = std::max(q[i] / q_total, kFloor);
    divergence += pi * std::log(pi / qi);
  }
  return divergence;
}

// The expected squared error of quantizing the histogram's values to 256 levels over [low, high]
// (widened to hold 0, as the quantizer will): step^2 / 12 inside, the distance to the edge squared
// outside. Bin centres stand for their values.
double SquaredError(const Histogram& h, double low, double high) {
  const double step = (std::max(high, 0.0) - std::min(low, 0.0)) / (kLevels - 1);
  const double rounding = step * step / 12.0;
  const double width = h.bin_width();
  double error = 0.0;
  const std::vector<uint64_t>& counts = h.counts();
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    const double x = h.min() + (static_cast<double>(i) + 0.5) * width;
    const double clipped = x < low ? low - x : (x > high ? x - high : 0.0);
    error += static_cast<double>(counts[i]) * (clipped > 0.0 ? clipped * clipped : rounding);
  }
  return error;
}

// The value below which a share `fraction` of all values lies: a bin edge.
double Quantile(const Histogram& h, double fraction, bool upper_edge) {
  std::vector<uint64_t> counts = h.counts();
  const double zero_position = -static_cast<double>(h.min()) / h.bin_width();
  const size_t zero_bin = static_cast<size_t>(
      std::clamp(std::floor(zero_position), 0.0, static_cast<double>(counts.size() - 1)));
  counts[zero_bin] += h.zeros();
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  const double target = fraction * static_cast<double>(total);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    if (static_cast<double>(cumulative) >= target && counts[i] > 0) {
      return h.min() + static_cast<double>(i + (upper_edge ? 1 : 0)) * h.bin_width();
    }
  }
  return h.max();
}

}  // namespace

Status ParseRangeMethod(const std::string& text, RangeMethod* method) {
  for (RangeMethod m :
       {RangeMethod::kMinMax, RangeMethod::kPercentile, RangeMethod::kEntropy, RangeMethod::kMse}) {
    if (text == RangeMethodName(m)) {
      *method = m;
      return Status::Ok();
    }
  }
  return InvalidArgument("unknown calibration method '" + text +
                         "': use minmax, percentile, entropy or mse");
}

const char* RangeMethodName(RangeMethod method) {
  switch (method) {
    case RangeMethod::kMinMax: return "minmax";
    case RangeMethod::kPercentile: return "percentile";
    case RangeMethod::kEntropy: return "entropy";
    case RangeMethod::kMse: return "mse";
  }
  return "minmax";
}

Histogram::Histogram(float min, float max, int bins)
    : min_(min),
      max_(max),
      bins_per_unit_(max > min ? bins / (static_cast<double>(max) - min) : 0.0),
      counts_(static_cast<size_t>(bins), 0) {}

void Histogram::add(const float* values, size_t count) {
  const int64_t last = static_cast<int64_t>(counts_.size()) - 1;
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) continue;
    if (values[i] == 0.0f) {
      ++zeros_;
      continue;
    }
    const double position = (static_cast<double>(values[i]) - min_) * bins_per_unit_;
    const int64_t bin = static_cast<int64_t>(std::floor(position));
    ++counts_[static_cast<size_t>(std::clamp<int64_t>(bin, 0, last))];
  }
}

TensorRange ChooseRange(RangeMethod method, const Histogram& h, double percentile) {
  const TensorRange whole{h.min(), h.max()};
  if (method == RangeMethod::kMinMax || !(h.max() > h.min())) return whole;
  if (method == RangeMethod::kPercentile) {
    const double tail = (100.0 - percentile) / 200.0;  // each side
    return {static_cast<float>(std::max<double>(h.min(), Quantile(h, tail, false))),
            static_cast<float>(std::min<double>(h.max(), Quantile(h, 1.0 - tail, true)))};
  }
  const double largest =
      std::max(std::fabs(static_cast<double>(h.min())), std::fabs(static_cast<double>(h.max())));
  const int bins = static_cast<int>(h.counts().size());
  double best_cost = std::numeric_limits<double>::infinity();
  TensorRange best = whole;
  for (int k = kCandidates; k >= 1; --k) {
    const double threshold = largest * k / kCandidates;
    if (threshold <= std::max(h.min(), 0.0f) && h.min() > 0.0f) break;
    double cost;
    TensorRange range;
    if (method == RangeMethod::kEntropy) {
      const BinRange r = BinsWithin(h, threshold);
      // Fewer bins than levels: the histogram can no longer see what the grid loses.
      if (r.end - r.first < kLevels && r.end - r.first < bins) break;
      cost = ClippingDivergence(h.counts(), r);
      range = RangeOfBins(h, r);
    } else {
      range = {static_cast<float>(std::max<double>(h.min(), -threshold)),
               static_cast<float>(std::min<double>(h.max(), threshold))};
      cost = SquaredError(h, range.min, range.max);
    }
    // Strictly smaller: among equals the widest range (the first tried) wins.
    if (cost < best_cost) {
      best_cost = cost;
      best = range;
    }
  }
  return best;
}

}  // namespace qrun::converter
