#include "converter/calibration.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

#include "converter/graph.h"
#include "qrun/qrun.h"
#include "runtime/tools/npy.h"

namespace qrun::converter {
namespace {

namespace fs = std::filesystem;

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

// The shape the ONNX model gives the input: NCHW where the runtime's is NHWC.
std::vector<int64_t> OnnxInputShape(const qrun_tensor_info& info) {
  std::vector<int64_t> shape(info.shape, info.shape + info.rank);
  if (info.rank == 4) shape = {shape[0], shape[3], shape[1], shape[2]};
  return shape;
}

Status LoadSample(const std::string& path, const qrun_tensor_info& input,
                  std::vector<float>* nhwc) {
  const std::vector<int64_t> expected = OnnxInputShape(input);
  tools::NpyArray array;
  Status read = tools::read_npy(path, &array);
  // The reader's message starts with the path already.
  if (!read.ok()) return Status(read.code(), "calibration sample " + read.message());
  if (array.type != tools::NpyType::kFloat32 && array.type != tools::NpyType::kFloat64) {
    return InvalidArgument("calibration sample '" + path +
                           "' is not float32 or float64; samples are the model's float input");
  }
  const bool full = array.shape == expected;
  const bool without_batch =
      !expected.empty() && expected[0] == 1 &&
      array.shape == std::vector<int64_t>(expected.begin() + 1, expected.end());
  if (!full && !without_batch) {
    return InvalidArgument("calibration sample '" + path + "' has shape " +
                           ShapeToString(array.shape) + ", but input '" + input.name + "' takes " +
                           ShapeToString(expected) +
                           (input.rank == 4 ? " (NCHW, as in the ONNX model)" : "") +
                           ", with or without its batch dimension of 1");
  }
  const std::vector<float> values = array.to_float();
  if (input.rank != 4) {
    *nhwc = values;
    return Status::Ok();
  }
  const int64_t n = expected[0], c = expected[1], h = expected[2], w = expected[3];
  nhwc->resize(values.size());
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t ch = 0; ch < c; ++ch) {
      for (int64_t y = 0; y < h; ++y) {
        for (int64_t x = 0; x < w; ++x) {
          (*nhwc)[((b * h + y) * w + x) * c + ch] = values[((b * c + ch) * h + y) * w + x];
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status ListCalibrationFiles(const std::vector<std::string>& paths,
                            std::vector<std::string>* files) {
  for (const std::string& path : paths) {
    std::error_code error;
    if (!fs::is_directory(path, error)) {
      files->push_back(path);
      continue;
    }
    std::vector<std::string> found;
    // The error_code overloads throughout: a folder that cannot be read is a message, not a throw.
    for (fs::directory_iterator it(path, error), end; !error && it != end; it.increment(error)) {
      if (it->path().extension() == ".npy") found.push_back(it->path().string());
    }
    if (error) return IoError("cannot list calibration folder '" + path + "': " + error.message());
    if (found.empty()) {
      return InvalidArgument("calibration folder '" + path + "' holds no .npy file");
    }
    std::sort(found.begin(), found.end());
    files->insert(files->end(), found.begin(), found.end());
  }
  if (files->empty()) {
    return InvalidArgument("no calibration samples: give --calib <.npy files or a folder of them>");
  }
  return Status::Ok();
}

Status CollectRanges(const std::vector<uint8_t>& float_model,
                     const std::vector<std::string>& sample_files, TensorRanges* ranges) {
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
  for (const std::string& path : sample_files) {
    QRUN_RETURN_IF_ERROR(LoadSample(path, input, &sample));
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
