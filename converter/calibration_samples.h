// Calibration samples: which files --calib names, and how one becomes the runtime's input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "qrun/qrun.h"
#include "qrun/status.h"

namespace qrun::converter {

// The samples and what their files need to be read.
struct CalibrationSamples {
  std::vector<std::string> files;
  // --calib-shape: the shape of every raw .bin sample, in the source model's layout.
  std::vector<int64_t> raw_shape;
  // How a .png, .jpg or .jpeg sample becomes the input (the preprocessing the model stores).
  std::optional<qrun_image_preprocessing> image_preprocessing;
};

// The sample files named by --calib: files as given, and the .npy, .bin, .png, .jpg and .jpeg
// files of a folder in name order (other files there are ignored). No file at all is an error.
Status ListCalibrationFiles(const std::vector<std::string>& paths, std::vector<std::string>* files);

// Reads one sample for `input` into the runtime's layout (NHWC). A .npy file (float32 or float64)
// or a raw .bin file (float32, little-endian, of shape samples.raw_shape) holds the input as the
// source model takes it (NCHW for an image), with or without its batch dimension of 1; a PNG or
// JPEG image goes through samples.image_preprocessing.
Status LoadSample(const CalibrationSamples& samples, const std::string& path,
                  const qrun_tensor_info& input, std::vector<float>* nhwc);

}  // namespace qrun::converter
