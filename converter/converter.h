// The whole conversion, ONNX or TorchScript file to .qfb file: import, graph passes, then either
// the float model or calibration through the runtime and int8 quantization, written atomically.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "converter/auto_float.h"
#include "converter/image_options.h"
#include "converter/range_observers.h"
#include "qrun/status.h"

namespace qrun::converter {

struct ConvertOptions {
  std::string model_path;
  std::string output_path;
  std::vector<std::string> calibration_paths;  // sample files and folders of them
  std::vector<int64_t> calibration_shape;      // --calib-shape: of raw .bin samples
  bool float_model = false;  // --float: write fp32; calibration_paths are not used
  bool dynamic = false;      // --dynamic: int8 FULLY_CONNECTED weights, activations at run time
  RangeMethod calibration_method = RangeMethod::kMinMax;  // --calibration
  double percentile = 99.99;                              // --percentile
  bool per_tensor_weights = false;                        // --per-tensor-weights
  std::string report_path;               // --report: .json or .html, empty for none
  int report_samples = 16;               // --report-samples
  std::vector<std::string> report_data;  // --report-data: samples for the report, else --calib's
  std::vector<std::string> keep_float;   // --keep-float: nodes that stay fp32
  std::optional<AccuracyTarget> auto_float_target;            // --auto-float
  std::map<std::string, std::vector<int64_t>> input_shapes;   // --input-shape NAME:D0,...
  std::vector<std::vector<int64_t>> positional_input_shapes;  // --input-shape D0,... in order
  std::ostream* progress = nullptr;  // where long steps show their progress, if anywhere
  bool progress_on_terminal = false;
  // Stored in the file when given, or when a calibration sample is an image.
  ImageOptions image;
};

struct ConvertSummary {
  int operators = 0;
  size_t file_bytes = 0;
  int calibration_samples = 0;
  bool prequantized = false;  // int8 with the parameters the model came with, no calibration
  std::vector<std::string> warnings;
  std::string report_table;              // with --report: the worst layers, for the terminal
  std::vector<std::string> float_nodes;  // nodes kept in fp32 (--keep-float, --auto-float)
  std::string auto_float_log;            // --auto-float: a line per round
  std::string image_preprocessing;       // what the file stores, in words; empty if nothing
};

// On failure nothing is written: an existing output file is left as it was.
Status ConvertModel(const ConvertOptions& options, ConvertSummary* summary);

}  // namespace qrun::converter
