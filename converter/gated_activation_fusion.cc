// Mul(x, gate(x)) written as two ops where one function is meant: with HardSigmoid (alpha 1/6,
// beta 1/2) it is HardSwish, with Sigmoid it is SiLU (swish). Exporters write these forms for
// opsets that lack the function (ONNX opset 13 and below: PyTorch's exporter turns hardswish into
// the first, SiLU into the second). One function is one int8 table where the pair is a table, a
// requantized intermediate and a Mul: faster, nearer the float result, and the same int8 graph
// whichever route (ONNX or TorchScript) the model came by.
#include <cmath>

#include "converter/passes.h"

namespace qrun::converter {
namespace {

// The fused function of a gate node, or "" when it is not one.
std::string FusedFunction(const Node& gate) {
  if (gate.op == "Sigmoid") return "Silu";
  if (gate.op == "HardSigmoid" &&
      std::fabs(gate.attribute_float("alpha", 0.2f) - 1.0f / 6) < 1e-6f &&
      gate.attribute_float("beta", 0.5f) == 0.5f) {
    return "HardSwish";
  }
  return "";
}

}  // namespace

Status FuseGatedActivations(Graph& graph) {
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& mul = graph.nodes[i];
    if (mul.op != "Mul" || mul.inputs.size() != 2) continue;
    for (int gate_input = 0; gate_input < 2; ++gate_input) {
      const std::string& gate = mul.inputs[gate_input];
      const std::string& x = mul.inputs[1 - gate_input];
      const int producer = graph.producer_index(gate);
      if (producer < 0 || graph.nodes[producer].inputs[0] != x || graph.consumer_count(gate) != 1 ||
          graph.is_graph_output(gate)) {
        continue;
      }
      const std::string function = FusedFunction(graph.nodes[producer]);
      if (function.empty()) continue;
      mul.op = function;
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
