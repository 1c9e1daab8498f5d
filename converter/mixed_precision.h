// Mixed precision: layers kept in fp32 inside an int8 model. Each kept node reads its int8 inputs
// through a DEQUANTIZE and writes its outputs through a QUANTIZE (with the parameters calibration
// gives the tensor), so the int8 ops around it see int8 tensors as before; two kept nodes in a row
// pass float between them. The runtime runs a kept node with its fp32 kernel.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "converter/graph.h"
#include "qrun/status.h"

namespace qrun::converter {

// Rewrites the lowered float graph (before QuantizeGraph) so that the nodes named in `names` stay
// fp32; names are node names as the accuracy report prints them. Fails, naming it, on a name that
// is no node of the graph.
Status KeepNodesInFloat(const std::vector<std::string>& names, Graph& graph);

// The nodes that have no int8 form, so stay fp32 in every int8 model: a LAYER_NORM with its mean
// and inverse deviation outputs (ONNX's Mean and InvStdDev, read by the model).
std::vector<std::string> NodesWithoutInt8Form(const Graph& graph);

// The ops that only move or pick values (their int8 error is their input's): never worth keeping
// in fp32 on their own.
bool MovesValuesOnly(const std::string& op);

}  // namespace qrun::converter
