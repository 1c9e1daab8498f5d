// Calibration: the float model runs through the runtime's own fp32 path on every sample, and an
// observer records each activation's real range. The runtime, not a second implementation in the
// converter, defines what the float graph computes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "converter/calibration_samples.h"
#include "qrun/status.h"

namespace qrun::converter {

struct TensorRange {
  float min = 0.0f;
  float max = 0.0f;
};
using TensorRanges = std::map<std::string, TensorRange>;  // by tensor name

// Runs `float_model` (a .qfb whose tensors are all float) on each sample file and returns the
// range of every tensor the runtime observed. Each file holds one sample for the model's single
// input (LoadSample says in which forms).
Status CollectRanges(const std::vector<uint8_t>& float_model, const CalibrationSamples& samples,
                     TensorRanges* ranges);

}  // namespace qrun::converter
