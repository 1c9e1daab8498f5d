// Calibration samples: which files --calib names, and how one becomes the runtime's input.
#pragma once

#include <string>
#include <vector>

#include "qrun/qrun.h"
#include "qrun/status.h"

namespace qrun::converter {

// The sample files named by --calib: .npy files as given, and the .npy files of a folder in name
// order. No file at all is an error.
Status ListCalibrationFiles(const std::vector<std::string>& paths, std::vector<std::string>* files);

// Reads one sample for `input` (in the source model's layout, NCHW for an image, float32 or
// float64, with or without its batch dimension of 1) into the runtime's layout (NHWC).
Status LoadSample(const std::string& path, const qrun_tensor_info& input, std::vector<float>* nhwc);

}  // namespace qrun::converter
