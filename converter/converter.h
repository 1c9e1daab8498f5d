// The whole conversion, ONNX or TorchScript file to .qfb file: import, graph passes, then either
// the float model or calibration through the runtime and int8 quantization, written atomically.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "converter/image_options.h"
#include "qrun/status.h"

namespace qrun::converter {

struct ConvertOptions {
  std::string model_path;
  std::string output_path;
  std::vector<std::string> calibration_paths;  // sample files and folders of them
  std::vector<int64_t> calibration_shape;      // --calib-shape: of raw .bin samples
  bool float_model = false;  // --float: write fp32; calibration_paths are not used
  std::map<std::string, std::vector<int64_t>> input_shapes;   // --input-shape NAME:D0,...
  std::vector<std::vector<int64_t>> positional_input_shapes;  // --input-shape D0,... in order
  // Stored in the file when given, or when a calibration sample is an image.
  ImageOptions image;
};

struct ConvertSummary {
  int operators = 0;
  size_t file_bytes = 0;
  int calibration_samples = 0;
  bool prequantized = false;        // int8 with the parameters the model came with, no calibration
  std::string image_preprocessing;  // what the file stores, in words; empty if nothing
};

// On failure nothing is written: an existing output file is left as it was.
Status ConvertModel(const ConvertOptions& options, ConvertSummary* summary);

}  // namespace qrun::converter
