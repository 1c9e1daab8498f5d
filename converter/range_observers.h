// Range observers: how calibration turns the values a tensor took into the range its int8 grid
// covers. Min/max covers every value; the others cover most of them and clip the rest, trading a
// few saturated outliers for a finer step everywhere else:
//  - percentile: the range between two quantiles of the observed values;
//  - entropy: the range whose 256-level quantization keeps the distribution closest to the
//    observed one (smallest KL divergence, the TensorRT method, two-sided);
//  - mse: the range that minimizes the expected squared error, rounding plus clipping.
// The last three read a histogram of fixed bins over the tensor's min/max range: its memory is
// bounded by the number of tensors, not of samples, and counts are integers, so the result does
// not depend on the order in which values arrive.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qrun/status.h"

namespace qrun::converter {

enum class RangeMethod { kMinMax, kPercentile, kEntropy, kMse };

// "minmax", "percentile", "entropy", "mse".
Status ParseRangeMethod(const std::string& text, RangeMethod* method);
const char* RangeMethodName(RangeMethod method);

struct TensorRange {
  float min = 0.0f;
  float max = 0.0f;
};

// Counts of values in `bins` equal bins over [min, max]; values outside land in the end bins.
// Exact zeros (half of a ReLU's output) are counted apart: the int8 grid holds 0 exactly, so they
// cost nothing whatever the range, and in a bin they would look like mass the grid must resolve.
class Histogram {
 public:
  static constexpr int kDefaultBins = 2048;

  Histogram(float min, float max, int bins = kDefaultBins);
  void add(const float* values, size_t count);

  float min() const { return min_; }
  float max() const { return max_; }
  const std::vector<uint64_t>& counts() const { return counts_; }  // without exact zeros
  uint64_t zeros() const { return zeros_; }
  double bin_width() const { return (static_cast<double>(max_) - min_) / counts_.size(); }

 private:
  float min_;
  float max_;
  double bins_per_unit_;
  std::vector<uint64_t> counts_;
  uint64_t zeros_ = 0;
};

// The range `method` chooses from `histogram` (min/max: the histogram's own bounds).
// `percentile` (e.g. 99.99) is used by kPercentile only: that share (in %) of the values lies
// inside, the rest split evenly between the two tails.
TensorRange ChooseRange(RangeMethod method, const Histogram& histogram, double percentile);

}  // namespace qrun::converter
