// Calibration: the float model runs through the runtime's own fp32 path on every sample, and an
// observer records each activation's real range. The runtime, not a second implementation in the
// converter, defines what the float graph computes.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "converter/calibration_samples.h"
#include "converter/range_observers.h"
#include "qrun/status.h"

namespace qrun::converter {

using TensorRanges = std::map<std::string, TensorRange>;  // by tensor name

struct CalibrationOptions {
  RangeMethod method = RangeMethod::kMinMax;
  double percentile = 99.99;         // kPercentile: the share of values (in %) the range keeps
  std::ostream* progress = nullptr;  // where to show progress, if anywhere
  bool progress_on_terminal = false;
};

// Runs `float_model` (a .qfb whose tensors are all float) on each sample (LoadSample says in which
// forms) and returns the range the method chooses for every tensor the runtime observed. Min/max
// takes one pass over the samples; the other methods a second one, which fills a histogram per
// tensor over the first pass's range.
Status CollectRanges(const std::vector<uint8_t>& float_model, const CalibrationSamples& samples,
                     const CalibrationOptions& options, TensorRanges* ranges);

}  // namespace qrun::converter
