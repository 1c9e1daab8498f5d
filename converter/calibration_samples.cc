#include "converter/calibration_samples.h"

#include <algorithm>
#include <filesystem>

#include "converter/graph.h"
#include "runtime/tools/npy.h"

namespace qrun::converter {
namespace {

namespace fs = std::filesystem;

// The shape the ONNX model gives the input: NCHW where the runtime's is NHWC.
std::vector<int64_t> OnnxInputShape(const qrun_tensor_info& info) {
  std::vector<int64_t> shape(info.shape, info.shape + info.rank);
  if (info.rank == 4) shape = {shape[0], shape[3], shape[1], shape[2]};
  return shape;
}

}  // namespace

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

}  // namespace qrun::converter
