// qconvert --report: the accuracy report (runtime/tools/accuracy_report.h) of the model just
// converted against its float original, on the first calibration samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "converter/calibration_samples.h"
#include "qrun/status.h"

namespace qrun::converter {

struct AccuracyReportOptions {
  std::string path;        // .json or .html
  std::string float_name;  // how the report names the two models
  std::string int8_name;
};

// The first `max_samples` of the samples' files as `input`, the model's one input as the runtime
// takes it (see LoadSample).
Status LoadSamples(const qrun_tensor_info& input, const CalibrationSamples& samples,
                   int max_samples, std::vector<std::vector<float>>* values);

// Writes the report to options.path (atomically) and its table, worst layers first, to `table`.
Status WriteAccuracyReport(const std::vector<uint8_t>& float_model,
                           const std::vector<uint8_t>& int8_model,
                           const std::vector<std::vector<float>>& samples,
                           const AccuracyReportOptions& options, std::string* table);

// Whether `path` names a report format qconvert writes.
bool IsAccuracyReportPath(const std::string& path);

}  // namespace qrun::converter
