// Reading ONNX protobufs: what the importer and the rewrite of pre-quantized models both need.
#pragma once

#include <string>

#include "converter/graph.h"
#include "onnx/onnx_pb.h"
#include "qrun/status.h"

namespace qrun::converter {

bool IsDefaultDomain(const std::string& domain);

// The node's name, or "<op>_<index>" for an unnamed one (its index among the graph's nodes).
std::string NodeName(const onnx::NodeProto& node, int index);

// A constant's elements: float and double become kFloat32, every integer type kInt64.
Status ReadTensorProto(const onnx::TensorProto& proto, Tensor* tensor);

}  // namespace qrun::converter
