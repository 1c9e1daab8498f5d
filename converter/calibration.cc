#include "converter/calibration.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "converter/calibration_samples.h"
#include "converter/progress.h"
#include "qrun/qrun.h"

namespace qrun::converter {
namespace {

using InterpreterPtr = std::unique_ptr<qrun_interpreter, decltype(&qrun_interpreter_destroy)>;

Status RuntimeError(const qrun_interpreter* interpreter, const std::string& what) {
  return Status(StatusCode::kInternal, "the runtime failed to " + what + " the float model: " +
                                           qrun_interpreter_last_error(interpreter));
}

void ObserveRange(void* user_data, int /*tensor_index*/, const qrun_tensor_info* info,
                  const void* data) {
  if (info->type != QRUN_FLOAT32 || info->is_constant) return;
  auto* ranges = static_cast<TensorRanges*>(user_data);
  const float* values = static_cast<const float*>(data);
  const size_t count = info->byte_size / sizeof(float);
  auto [entry, inserted] = ranges->try_emplace(info->name);
  TensorRange& range = entry->second;
  if (inserted) {
    range.min = INFINITY;
    range.max = -INFINITY;
  }
  for (size_t i = 0; i < count; ++i) {
    // A non-finite value says nothing about the range the int8 model should cover.
    if (!std::isfinite(values[i])) continue;
    range.min = std::min(range.min, values[i]);
    range.max = std::max(range.max, values[i]);
  }
}

using Histograms = std::map<std::string, Histogram>;

void ObserveHistogram(void* user_data, int /*tensor_index*/, const qrun_tensor_info* info,
                      const void* data) {
  if (info->type != QRUN_FLOAT32 || info->is_constant) return;
  auto* histograms = static_cast<Histograms*>(user_data);
  auto entry = histograms->find(info->name);
  if (entry == histograms->end()) return;
  entry->second.add(static_cast<const float*>(data), info->byte_size / sizeof(float));
}

// Runs every sample through the interpreter, whose observer is already set.
Status RunSamples(qrun_interpreter* interpreter, const qrun_tensor_info& input,
                  const CalibrationSamples& samples, Progress& progress) {
  std::vector<float> sample;
  for (const std::string& path : samples.files) {
    QRUN_RETURN_IF_ERROR(LoadSample(samples, path, input, &sample));
    if (qrun_interpreter_set_input(interpreter, 0, sample.data(), sample.size() * sizeof(float)) !=
        QRUN_OK) {
      return RuntimeError(interpreter, "take calibration sample '" + path + "' as input of");
    }
    if (qrun_interpreter_run(interpreter) != QRUN_OK) {
      return RuntimeError(interpreter, "run calibration sample '" + path + "' through");
    }
    progress.advance();
  }
  return Status::Ok();
}

}  // namespace

Status CollectRanges(const std::vector<uint8_t>& float_model, const CalibrationSamples& samples,
                     const CalibrationOptions& options, TensorRanges* ranges) {
  InterpreterPtr interpreter(qrun_interpreter_create(), &qrun_interpreter_destroy);
  if (!interpreter) return Status(StatusCode::kInternal, "cannot create a runtime interpreter");
  if (qrun_interpreter_load_buffer(interpreter.get(), float_model.data(), float_model.size()) !=
      QRUN_OK) {
    return RuntimeError(interpreter.get(), "load");
  }
  if (qrun_interpreter_input_count(interpreter.get()) != 1) {
    return Unsupported("calibration needs a model with one input; this one has " +
                       std::to_string(qrun_interpreter_input_count(interpreter.get())));
  }
  qrun_tensor_info input;
  if (qrun_interpreter_input_info(interpreter.get(), 0, &input) != QRUN_OK) {
    return RuntimeError(interpreter.get(), "describe the input of");
  }
  const bool histograms_needed = options.method != RangeMethod::kMinMax;
  const std::string what = std::string("calibrating (") + RangeMethodName(options.method) +
                           (histograms_needed ? "), pass 1 of 2: ranges" : ")");
  if (qrun_interpreter_set_observer(interpreter.get(), &ObserveRange, ranges) != QRUN_OK) {
    return RuntimeError(interpreter.get(), "observe");
  }
  {
    Progress progress(options.progress, options.progress_on_terminal, what,
                      static_cast<int>(samples.files.size()));
    QRUN_RETURN_IF_ERROR(RunSamples(interpreter.get(), input, samples, progress));
  }
  if (!histograms_needed) return Status::Ok();

  Histograms histograms;
  for (const auto& [name, range] : *ranges) {
    if (range.max >= range.min) histograms.emplace(name, Histogram(range.min, range.max));
  }
  if (qrun_interpreter_set_observer(interpreter.get(), &ObserveHistogram, &histograms) != QRUN_OK) {
    return RuntimeError(interpreter.get(), "observe");
  }
  {
    Progress progress(options.progress, options.progress_on_terminal,
                      std::string("calibrating (") + RangeMethodName(options.method) +
                          "), pass 2 of 2: histograms",
                      static_cast<int>(samples.files.size()));
    QRUN_RETURN_IF_ERROR(RunSamples(interpreter.get(), input, samples, progress));
  }
  for (const auto& [name, histogram] : histograms) {
    (*ranges)[name] = ChooseRange(options.method, histogram, options.percentile);
  }
  return Status::Ok();
}

}  // namespace qrun::converter
