// Relu and Clip (ReLU6 is Clip(0, 6)) become the activation range of the op that produces their
// input, when they are that output's only reader: the int8 kernels then apply them for free as
// the requantization's clamp. One that cannot fuse (its input has other readers, or comes from an
// op without an activation) becomes, on a 4-D input, a 1x1 MaxPool that carries the range (exact
// in float and int8 alike, with the pooling's fast kernels), and otherwise an ELEMENTWISE_UNARY
// CLIP (a table in int8).
#include <algorithm>
#include <set>

#include "converter/passes.h"

namespace qrun::converter {
namespace {

const std::set<std::string> kOpsWithActivation = {
    "Conv", "ConvTranspose", "Gemm", "MatMul", "Add",     "Mul",
    "Sub",  "Div",           "Max",  "Min",    "MaxPool", "AveragePool"};

float ScalarBound(const Graph& graph, const std::string& name, float fallback) {
  if (name.empty()) return fallback;
  const Tensor& t = graph.tensor(name);
  return t.float_data[0];
}

Status ReadRange(const Graph& graph, const Node& node, ActivationRange* range) {
  if (node.op == "Relu") {
    range->min = 0.0f;
    return Status::Ok();
  }
  for (size_t i = 1; i <= 2; ++i) {
    const std::string& bound = node.input(i);
    if (bound.empty()) continue;
    const Tensor& t = graph.tensor(bound);
    if (!t.is_constant || t.type != DataType::kFloat32 || t.element_count() != 1) {
      return UnsupportedNode(graph, node, "its min and max must be float scalar constants");
    }
  }
  range->min = ScalarBound(graph, node.input(1), -INFINITY);
  range->max = ScalarBound(graph, node.input(2), INFINITY);
  if (!(range->min <= range->max)) return InvalidNode(node, "min is above max");
  return Status::Ok();
}

// The producer `activation` can fuse into, or -1.
int FusionTarget(const Graph& graph, const Node& activation) {
  const std::string& x = activation.inputs[0];
  const int producer = graph.producer_index(x);
  if (producer < 0 || !kOpsWithActivation.count(graph.nodes[producer].op)) return -1;
  if (graph.consumer_count(x) != 1 || graph.is_graph_output(x)) return -1;
  return producer;
}

}  // namespace

Status FuseActivations(Graph& graph) {
  for (size_t i = 0; i < graph.nodes.size();) {
    Node& node = graph.nodes[i];
    if (node.op != "Relu" && node.op != "Clip") {
      ++i;
      continue;
    }
    ActivationRange range;
    QRUN_RETURN_IF_ERROR(ReadRange(graph, node, &range));
    const int target = FusionTarget(graph, node);
    if (target >= 0) {
      ActivationRange& fused = graph.nodes[target].activation;
      fused.min = std::max(fused.min, range.min);
      fused.max = std::min(fused.max, range.max);
      graph.nodes[target].outputs[0] = node.outputs[0];
      graph.nodes.erase(graph.nodes.begin() + i);
      continue;
    }
    if (graph.tensor(node.inputs[0]).shape.size() != 4) {
      Node clip;
      clip.name = node.name;
      clip.op = "ELEMENTWISE_UNARY";
      clip.inputs = {node.inputs[0]};
      clip.outputs = {node.outputs[0]};
      clip.attributes["function"].text = "Clip";
      clip.attributes["alpha"].floats = {range.min};
      clip.attributes["beta"].floats = {range.max};
      node = std::move(clip);
      ++i;
      continue;
    }
    Node pool;
    pool.name = node.name;
    pool.op = "MaxPool";
    pool.inputs = {node.inputs[0]};
    pool.outputs = {node.outputs[0]};
    pool.set_attribute_ints("kernel_shape", {1, 1});
    pool.activation = range;
    node = std::move(pool);
    ++i;
  }
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
