// A product by a scalar constant (Mul, or Div by a constant) of a projection's result, seen
// through Reshapes and Transposes, folds into the projection's weights and bias: attention's
// query scaling q / sqrt(d), exported after the heads are split apart. The projection is linear,
// so scaling its weights and bias scales its result; the data movement in between does not
// touch values. The runtime then has one elementwise op fewer per attention layer, and the
// quantizer one rounding fewer.
#include <set>

#include "converter/passes.h"

namespace qrun::converter {
namespace {

// The factor a Mul or Div node applies to its other input, when one side is a scalar constant.
bool ReadScalarFactor(const Graph& graph, const Node& node, std::string* scaled, float* factor) {
  if ((node.op != "Mul" && node.op != "Div") || node.inputs.size() != 2) return false;
  for (int side = 0; side < 2; ++side) {
    if (node.op == "Div" && side == 0) continue;  // only x / c
    const std::string& constant = node.inputs[side];
    if (!graph.is_constant(constant)) continue;
    const Tensor& c = graph.tensor(constant);
    if (c.type != DataType::kFloat32 || c.float_data.size() != 1) continue;
    const float value = c.float_data[0];
    if (node.op == "Div" && !(value != 0.0f)) return false;
    if (!std::isfinite(value)) return false;
    *scaled = node.inputs[1 - side];
    *factor = node.op == "Div" ? 1.0f / value : value;
    return true;
  }
  return false;
}

// Whether `name` has one reader and is no graph output.
bool OnlyFeeds(const Graph& graph, const std::string& name) {
  return !graph.is_graph_output(name) && graph.consumer_count(name) == 1;
}

Tensor Scaled(const Tensor& source, float factor, const std::string& name) {
  Tensor t = source;
  t.name = name;
  for (float& v : t.float_data) v *= factor;
  return t;
}

}  // namespace

Status FoldScalesIntoProjections(Graph& graph) {
  std::set<size_t> removed;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& scale = graph.nodes[i];
    std::string source;
    float factor = 0.0f;
    if (!ReadScalarFactor(graph, scale, &source, &factor) ||
        graph.is_graph_output(scale.outputs[0]) || graph.tensor(source).shape.empty()) {
      continue;
    }
    // Back through data movement, each step read by the next alone.
    int producer = graph.producer_index(source);
    while (producer >= 0 && OnlyFeeds(graph, graph.nodes[producer].outputs[0]) &&
           (graph.nodes[producer].op == "Transpose" ||
            (graph.nodes[producer].op == "Reshape" &&
             graph.is_constant(graph.nodes[producer].input(1))))) {
      producer = graph.producer_index(graph.nodes[producer].inputs[0]);
    }
    if (producer < 0 || !OnlyFeeds(graph, graph.nodes[producer].outputs[0])) continue;
    // The projection: MatMul by constant weights, with or without a constant bias Add after it.
    int bias_add = -1;
    int matmul = producer;
    std::string bias;
    if (graph.nodes[producer].op == "Add") {
      const Node& add = graph.nodes[producer];
      for (int side = 0; side < 2 && bias_add < 0; ++side) {
        const int p = graph.producer_index(add.inputs[1 - side]);
        if (graph.is_constant(add.inputs[side]) && p >= 0 && graph.nodes[p].op == "MatMul" &&
            OnlyFeeds(graph, add.inputs[1 - side])) {
          bias_add = producer;
          matmul = p;
          bias = add.inputs[side];
        }
      }
      if (bias_add < 0) continue;
    }
    const Node& projection = graph.nodes[matmul];
    if (projection.op != "MatMul" || !graph.is_constant(projection.inputs[1]) ||
        graph.tensor(projection.inputs[1]).type != DataType::kFloat32 ||
        (!bias.empty() && graph.tensor(bias).type != DataType::kFloat32)) {
      continue;
    }
    // New constants: the originals may be shared with other projections.
    const std::string weights = projection.inputs[1];
    graph.nodes[matmul].inputs[1] =
        graph.add_tensor(Scaled(graph.tensor(weights), factor, weights + "/scaled"));
    if (bias_add >= 0) {
      Node& add = graph.nodes[bias_add];
      const int side = add.inputs[0] == bias ? 0 : 1;
      add.inputs[side] = graph.add_tensor(Scaled(graph.tensor(bias), factor, bias + "/scaled"));
    }
    const std::string scaled_output = graph.nodes[i].outputs[0];
    graph.replace_uses(scaled_output, source);
    removed.insert(i);
  }
  std::vector<Node> nodes;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (removed.count(i) == 0) nodes.push_back(std::move(graph.nodes[i]));
  }
  graph.nodes = std::move(nodes);
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
