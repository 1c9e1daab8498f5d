// The accuracy report: how far an int8 model strays from its float original, layer by layer. Both
// models (the same graph, one quantized) run on the same samples through the runtime, and every
// int8 op's output is compared with the float tensor of the same name in two ways:
//  - accumulated: the int8 model run whole, so the error is everything quantization did up to
//    that layer;
//  - local: the op run alone in int8 on its float inputs (quantized with the int8 model's
//    parameters), so the error is what this layer adds by itself: the layer to blame is the one
//    with the worst local figure.
// Figures are SQNR (signal to quantization noise, in dB: 10 log10(sum ref^2 / sum (ref - x)^2))
// and cosine similarity, each summed over all samples before dividing. Used by
// `qconvert --report` and `qrun --compare`.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "qrun/status.h"

namespace qrun::tools {

// Sums that give SQNR and cosine over any number of value pairs (reference, approximation).
struct ErrorSums {
  double reference_squares = 0.0;
  double approximation_squares = 0.0;
  double error_squares = 0.0;
  double products = 0.0;
  size_t count = 0;

  void add(const float* reference, const float* approximation, size_t n);
  double sqnr_db() const;  // +inf when exact
  double cosine() const;
};

struct LayerAccuracy {
  int op_index = 0;     // in the int8 model, with fusion off
  std::string op_type;  // "CONV_2D", ...
  std::string name;     // the source model's node
  std::string tensor;   // the output compared
  ErrorSums local;
  ErrorSums accumulated;
};

struct AccuracyReport {
  std::string float_model;  // file names, for the report's heading
  std::string int8_model;
  int samples = 0;
  std::vector<LayerAccuracy> layers;   // in graph order
  std::vector<LayerAccuracy> outputs;  // the model's outputs (accumulated figures)
};

// Runs both models on each sample (float values for the model's single input, in the runtime's
// layout: NHWC) and fills `report`'s layers and outputs.
Status CompareModels(const void* float_model, size_t float_size, const void* int8_model,
                     size_t int8_size, const std::vector<std::vector<float>>& samples,
                     AccuracyReport* report);

// The report as a table for a terminal, worst local SQNR first (at most `rows` layers; 0: all).
void WriteAccuracyTable(const AccuracyReport& report, size_t rows, std::string* text);
// The same as JSON, and as one self-contained HTML page with a bar chart (inline SVG).
void WriteAccuracyJson(const AccuracyReport& report, std::string* text);
void WriteAccuracyHtml(const AccuracyReport& report, std::string* text);

}  // namespace qrun::tools
