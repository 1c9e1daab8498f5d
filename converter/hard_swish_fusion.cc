// Mul(x, HardSigmoid(x)) with alpha 1/6 and beta 1/2 is HardSwish(x): the form exporters write for
// opsets without HardSwish (ONNX opset 13 and below, which PyTorch's exporter uses). One
// HardSwish is one int8 table where the pair is a table, a requantized intermediate and a Mul:
// the fused op is both faster and nearer the float result, and gives the model the same int8
// graph whichever route (ONNX or TorchScript) it came by.
#include <cmath>

#include "converter/passes.h"

namespace qrun::converter {
namespace {

bool IsHardSwishGate(const Node& node) {
  return node.op == "HardSigmoid" &&
         std::fabs(node.attribute_float("alpha", 0.2f) - 1.0f / 6) < 1e-6f &&
         node.attribute_float("beta", 0.5f) == 0.5f;
}

}  // namespace

Status FuseHardSwish(Graph& graph) {
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& mul = graph.nodes[i];
    if (mul.op != "Mul" || mul.inputs.size() != 2) continue;
    for (int gate_input = 0; gate_input < 2; ++gate_input) {
      const std::string& gate = mul.inputs[gate_input];
      const std::string& x = mul.inputs[1 - gate_input];
      const int producer = graph.producer_index(gate);
      if (producer < 0 || !IsHardSwishGate(graph.nodes[producer]) ||
          graph.nodes[producer].inputs[0] != x || graph.consumer_count(gate) != 1 ||
          graph.is_graph_output(gate)) {
        continue;
      }
      mul.op = "HardSwish";
      mul.inputs = {x};
      mul.attributes.clear();
      graph.nodes.erase(graph.nodes.begin() + producer);  // before i: the Mul moves down one
      --i;
      break;
    }
  }
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
