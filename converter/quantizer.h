// Post-training quantization of the lowered float graph with calibrated ranges (or the scales and
// zero points a pre-quantized model brought, where its tensors have them), to the numbers of
// the BRIEF and schema/qfb.fbs:
//  - activations: int8, asymmetric, per tensor, from the observed range widened to include 0:
//    scale = (max - min) / 255, zero_point = round(-128 - min / scale); MAX_POOL_2D, RESHAPE and
//    TRANSPOSE outputs keep their input's parameters, SOFTMAX's are 1/256 and -128;
//  - weights: int8 in [-127, 127], symmetric, one scale per output channel (max |w| / 127), or
//    on request one per tensor; or, channel by channel, the grid a pre-quantized model's weights
//    came on (per tensor or per output channel) where it is of that kind: symmetric, within +-127;
//  - bias: int32 with scale s_in * s_w[c];
//  - every op's Requantization: multipliers computed in double and stored as float, and the
//    fused activation's range quantized into the output.
// Graph inputs and outputs become int8 tensors too: the runtime's user quantizes at the edges.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "converter/calibration.h"
#include "converter/graph.h"
#include "qrun/status.h"

namespace qrun::converter {

struct QuantizeOptions {
  bool per_tensor_weights = false;
  // Nodes kept in fp32 (KeepNodesInFloat has put their DEQUANTIZE and QUANTIZE around them).
  const std::set<std::string>* float_nodes = nullptr;
  std::vector<std::string>* warnings = nullptr;  // what the user should know, one line each
};

Status QuantizeGraph(const TensorRanges& ranges, const QuantizeOptions& options, Graph& graph);

// Dynamic quantization (qconvert --dynamic): only FULLY_CONNECTED weights become int8 (per
// channel, or per tensor on request); activations stay float, and the runtime quantizes each row
// that reaches a FULLY_CONNECTED from its own range at run time.
Status QuantizeWeightsForDynamicUse(const QuantizeOptions& options, Graph& graph);

}  // namespace qrun::converter
