// The converter's intermediate representation: a graph of named tensors and nodes in topological
// order. Nodes carry ONNX op types (and ONNX attributes) from import until the lowering passes
// replace them with qfb operators, named as in schema/qfb.fbs ("CONV_2D", ...), whose attributes
// are the qfb options. Every pass and the writer work on this one structure.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qrun/status.h"

namespace qrun::converter {

// kInt64 holds ONNX integer constants (shapes, indices, axes) while folding; kInt8 and kInt32 are
// what quantization produces. Only kFloat32, kInt8 and kInt32 reach the file.
enum class DataType { kFloat32, kInt64, kInt8, kInt32 };

struct Quantization {
  std::vector<float> scale;  // empty: not quantized
  std::vector<int32_t> zero_point;
  int channel_axis = -1;  // -1: per tensor
};

struct Tensor {
  std::string name;
  DataType type = DataType::kFloat32;
  std::vector<int64_t> shape;
  bool is_constant = false;
  // A constant's elements, in the vector that matches `type`.
  std::vector<float> float_data;
  std::vector<int64_t> int64_data;
  std::vector<int8_t> int8_data;
  std::vector<int32_t> int32_data;
  Quantization quantization;

  int64_t element_count() const;
};

// An attribute of any ONNX kind we read: INT and INTS live in `ints`, FLOAT and FLOATS in
// `floats`, STRING in `text`, TENSOR (ConstantOfShape's value) as the one element of `tensor`.
struct Attribute {
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::string text;
  std::vector<Tensor> tensor;
};

// The real-valued output range a fused ReLU / ReLU6 / Clip leaves; unbounded when nothing is fused.
struct ActivationRange {
  float min = -INFINITY;
  float max = INFINITY;
};

// How an int8 op requantizes its result (see Requantization in schema/qfb.fbs).
struct Requantization {
  std::vector<float> multiplier;
  int32_t output_min = -128;
  int32_t output_max = 127;
};

struct Node {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;  // "" marks an omitted optional input
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attributes;
  ActivationRange activation;
  bool has_requantization = false;  // set by the quantizer
  Requantization requantization;

  int64_t attribute_int(const std::string& key, int64_t fallback) const;
  float attribute_float(const std::string& key, float fallback) const;
  std::vector<int64_t> attribute_ints(const std::string& key,
                                      std::vector<int64_t> fallback = {}) const;
  std::string attribute_text(const std::string& key, const std::string& fallback) const;
  void set_attribute_int(const std::string& key, int64_t value) { attributes[key].ints = {value}; }
  void set_attribute_ints(const std::string& key, std::vector<int64_t> values) {
    attributes[key].ints = std::move(values);
  }
  // The node's input `index`, or "" when it has fewer inputs.
  const std::string& input(size_t index) const;
};

struct Graph {
  std::map<std::string, Tensor> tensors;
  std::vector<Node> nodes;  // topological order
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  int64_t opset = 0;  // the default-domain opset the source model declared, for messages

  bool has_tensor(const std::string& name) const { return tensors.count(name) != 0; }
  // The tensor called `name`; it must exist (passes only ask for names the graph uses).
  Tensor& tensor(const std::string& name) { return tensors.at(name); }
  const Tensor& tensor(const std::string& name) const { return tensors.at(name); }
  bool is_constant(const std::string& name) const;
  bool is_graph_output(const std::string& name) const;
  // The number of node inputs that read `name` (a node reading it twice counts twice).
  int consumer_count(const std::string& name) const;
  // The index in `nodes` of the node that writes `name`, or -1 for inputs and constants.
  int producer_index(const std::string& name) const;
  // A tensor name that is not in use yet, built from `base`.
  std::string unique_tensor_name(const std::string& base) const;
  // Adds a tensor under a fresh name derived from `tensor.name` and returns that name.
  std::string add_tensor(Tensor tensor);
  // Makes every node input and graph output that reads `from` read `to` instead.
  void replace_uses(const std::string& from, const std::string& to);
  // Drops tensors that no node and no graph input or output mentions any more.
  void remove_unused_tensors();
};

// "node 'conv1' (op Foo, opset 13) is not supported", with ": <detail>" appended when given:
// the one wording every pass uses for a node it cannot convert.
Status UnsupportedNode(const Graph& graph, const Node& node, const std::string& detail = "");
// "node 'conv1' (op Conv): <problem>", for a node whose inputs are malformed.
Status InvalidNode(const Node& node, const std::string& problem);

std::string ShapeToString(const std::vector<int64_t>& shape);

}  // namespace qrun::converter
