// Turns a serialized ONNX model into the converter's Graph: ONNX ops and NCHW layout as in the
// source, constants as float or int64 data, graph inputs with concrete shapes. Older models are
// converted up to opset 13, whose semantics the passes implement; newer ones (up to what libonnx
// knows) are taken as they are, because for the ops we support opsets 14-17 only add types and
// attributes that the passes check (Reshape allowzero, Shape start/end, BatchNormalization
// training_mode), and libonnx has no adapters to convert them down. Intermediate shapes are left to
// the constant folding pass, which computes them as it walks the graph. A pre-quantized model (QDQ
// or QOperator) comes in as the float model it stands for, its tensors carrying the model's
// scales and zero points (onnx_quantized_import.h).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "converter/graph.h"
#include "qrun/status.h"

namespace qrun::converter {

// The opset older models are converted to.
constexpr int kTargetOpset = 13;

struct ImportOptions {
  // Shapes that replace a graph input's declared one (from --input-shape). Any other symbolic or
  // unknown dimension of a graph input becomes 1: a dynamic batch runs as batch 1.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  // Shapes given without a name (--input-shape 1,3,224,224), for the inputs in order that
  // `input_shapes` does not name.
  std::vector<std::vector<int64_t>> positional_input_shapes;
};

Status ImportOnnxModel(const std::string& serialized_model, const ImportOptions& options,
                       Graph* graph);

// The default-domain ops the importer takes: those the passes convert on any input, and those only
// constant folding evaluates (shape computations), which are an error anywhere else.
const std::set<std::string>& OnnxComputeOps();
const std::set<std::string>& OnnxConstantOnlyOps();

}  // namespace qrun::converter
