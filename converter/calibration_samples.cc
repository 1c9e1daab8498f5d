#include "converter/calibration_samples.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "converter/graph.h"
#include "runtime/tools/file_io.h"
#include "runtime/tools/image_input.h"
#include "runtime/tools/npy.h"

namespace qrun::converter {
namespace {

namespace fs = std::filesystem;

constexpr char kSampleKinds[] = ".npy, .bin, .png, .jpg or .jpeg";

std::string LowerExtension(const std::string& path) {
  std::string extension = fs::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

bool IsSampleFile(const std::string& path) {
  const std::string extension = LowerExtension(path);
  return extension == ".npy" || extension == ".bin" || tools::is_image_path(path);
}

// The shape the source model gives the input: NCHW where the runtime's is NHWC.
std::vector<int64_t> SourceInputShape(const qrun_tensor_info& info) {
  std::vector<int64_t> shape(info.shape, info.shape + info.rank);
  if (info.rank == 4) shape = {shape[0], shape[3], shape[1], shape[2]};
  return shape;
}

Status ReadNpySample(const std::string& path, std::vector<int64_t>* shape,
                     std::vector<float>* values) {
  tools::NpyArray array;
  Status read = tools::read_npy(path, &array);
  // The reader's message starts with the path already.
  if (!read.ok()) return Status(read.code(), "calibration sample " + read.message());
  if (array.type != tools::NpyType::kFloat32 && array.type != tools::NpyType::kFloat64) {
    return InvalidArgument("calibration sample '" + path +
                           "' is not float32 or float64; samples are the model's float input");
  }
  *shape = array.shape;
  *values = array.to_float();
  return Status::Ok();
}

Status ReadRawSample(const std::string& path, const std::vector<int64_t>& raw_shape,
                     std::vector<int64_t>* shape, std::vector<float>* values) {
  if (raw_shape.empty()) {
    return InvalidArgument("calibration sample '" + path +
                           "' is raw float32 data: give its shape with --calib-shape");
  }
  std::string bytes;
  Status read = tools::read_file(path, &bytes);
  if (!read.ok()) return Status(read.code(), "calibration sample " + read.message());
  size_t count = 1;
  for (int64_t d : raw_shape) count *= static_cast<size_t>(d);
  if (bytes.size() != count * sizeof(float)) {
    return InvalidArgument("calibration sample '" + path + "' holds " +
                           std::to_string(bytes.size()) + " bytes, but --calib-shape " +
                           ShapeToString(raw_shape) + " of float32 takes " +
                           std::to_string(count * sizeof(float)));
  }
  *shape = raw_shape;
  values->resize(count);
  std::memcpy(values->data(), bytes.data(), bytes.size());
  return Status::Ok();
}

}  // namespace

Status LoadSample(const CalibrationSamples& samples, const std::string& path,
                  const qrun_tensor_info& input, std::vector<float>* nhwc) {
  if (tools::is_image_path(path)) {
    if (!samples.image_preprocessing) {
      return InvalidArgument("calibration sample '" + path +
                             "' is an image, and the model has no image preprocessing");
    }
    const Status loaded = tools::load_image_input(path, *samples.image_preprocessing, input, nhwc);
    if (!loaded.ok()) return Status(loaded.code(), "calibration sample " + loaded.message());
    return Status::Ok();
  }
  const std::string extension = LowerExtension(path);
  if (extension != ".npy" && extension != ".bin") {
    return InvalidArgument("calibration sample '" + path + "' is not a " + kSampleKinds + " file");
  }
  const bool raw = extension == ".bin";
  std::vector<int64_t> shape;
  std::vector<float> values;
  QRUN_RETURN_IF_ERROR(raw ? ReadRawSample(path, samples.raw_shape, &shape, &values)
                           : ReadNpySample(path, &shape, &values));
  const std::vector<int64_t> expected = SourceInputShape(input);
  const bool full = shape == expected;
  const bool without_batch = !expected.empty() && expected[0] == 1 &&
                             shape == std::vector<int64_t>(expected.begin() + 1, expected.end());
  if (!full && !without_batch) {
    return InvalidArgument("calibration sample '" + path + "' has shape " + ShapeToString(shape) +
                           (raw ? " (--calib-shape)" : "") + ", but input '" + input.name +
                           "' takes " + ShapeToString(expected) +
                           (input.rank == 4 ? " (NCHW, as in the ONNX model)" : "") +
                           ", with or without its batch dimension of 1");
  }
  if (input.rank != 4) {
    *nhwc = std::move(values);
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
      std::error_code kind_error;
      if (it->is_regular_file(kind_error) && IsSampleFile(it->path().string())) {
        found.push_back(it->path().string());
      }
    }
    if (error) return IoError("cannot list calibration folder '" + path + "': " + error.message());
    if (found.empty()) {
      return InvalidArgument("calibration folder '" + path + "' holds no " + kSampleKinds +
                             " file");
    }
    std::sort(found.begin(), found.end());
    files->insert(files->end(), found.begin(), found.end());
  }
  if (files->empty()) {
    return InvalidArgument("no calibration samples: give --calib <sample files or folders>");
  }
  return Status::Ok();
}

}  // namespace qrun::converter
