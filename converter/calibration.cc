#include "converter/calibration.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "converter/calibration_samples.h"
#include "qrun/qrun.h"

namespace qrun::converter {
namespace {

using InterpreterPtr = std::unique_ptr<qrun_interpreter, decltype(&qrun_interpreter_destroy)>;

Status RuntimeError(const qrun_interpreter* interpreter, const std::string& what) {
  return Status(StatusCode::kInternal, "the runtime failed to " + what + " the float model: " +
                                           qrun_interpreter_last_error(interpreter));
}

void ObserveTensor(void* user_data, int /*tensor_index*/, const qrun_tensor_info* info,
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

}  // namespace

Status CollectRanges(const std::vector<uint8_t>& float_model, const CalibrationSamples& samples,
                     TensorRanges* ranges) {
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
  if (qrun_interpreter_set_observer(interpreter.get(), &ObserveTensor, ranges) != QRUN_OK) {
    return RuntimeError(interpreter.get(), "observe");
  }
  std::vector<float> sample;
  for (const std::string& path : samples.files) {
    QRUN_RETURN_IF_ERROR(LoadSample(samples, path, input, &sample));
    if (qrun_interpreter_set_input(interpreter.get(), 0, sample.data(),
                                   sample.size() * sizeof(float)) != QRUN_OK) {
      return RuntimeError(interpreter.get(), "take calibration sample '" + path + "' as input of");
    }
    if (qrun_interpreter_run(interpreter.get()) != QRUN_OK) {
      return RuntimeError(interpreter.get(), "run calibration sample '" + path + "' through");
    }
  }
  return Status::Ok();
}

}  // namespace qrun::converter
