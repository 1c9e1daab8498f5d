#include "converter/accuracy.h"

#include "accuracy_report.h"
#include "converter/calibration_samples.h"
#include "qrun/qrun.h"
#include "runtime/tools/file_io.h"

namespace qrun::converter {
namespace {

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool IsAccuracyReportPath(const std::string& path) {
  return EndsWith(path, ".json") || EndsWith(path, ".html");
}

Status LoadSamples(const qrun_tensor_info& input, const CalibrationSamples& samples,
                   int max_samples, std::vector<std::vector<float>>* values) {
  for (const std::string& path : samples.files) {
    if (static_cast<int>(values->size()) == max_samples) break;
    values->emplace_back();
    QRUN_RETURN_IF_ERROR(LoadSample(samples, path, input, &values->back()));
  }
  return Status::Ok();
}

Status WriteAccuracyReport(const std::vector<uint8_t>& float_model,
                           const std::vector<uint8_t>& int8_model,
                           const std::vector<std::vector<float>>& samples,
                           const AccuracyReportOptions& options, std::string* table) {
  tools::AccuracyReport report;
  report.float_model = options.float_name;
  report.int8_model = options.int8_name;
  QRUN_RETURN_IF_ERROR(tools::CompareModels(float_model.data(), float_model.size(),
                                            int8_model.data(), int8_model.size(), samples,
                                            &report));
  std::string text;
  if (EndsWith(options.path, ".html")) {
    tools::WriteAccuracyHtml(report, &text);
  } else {
    tools::WriteAccuracyJson(report, &text);
  }
  QRUN_RETURN_IF_ERROR(tools::write_file_atomically(options.path, text.data(), text.size()));
  tools::WriteAccuracyTable(report, 20, table);
  return Status::Ok();
}

}  // namespace qrun::converter
