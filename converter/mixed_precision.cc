#include "converter/mixed_precision.h"

#include <map>

namespace qrun::converter {
namespace {

Node ConversionNode(const std::string& op, const std::string& name, const std::string& input,
                    const std::string& output) {
  Node node;
  node.op = op;
  node.name = name;
  node.inputs = {input};
  node.outputs = {output};
  return node;
}

}  // namespace

bool MovesValuesOnly(const std::string& op) {
  return op == "RESHAPE" || op == "TRANSPOSE" || op == "SLICE" || op == "GATHER" || op == "PAD" ||
         op == "MAX_POOL_2D" || op == "QUANTIZE" || op == "DEQUANTIZE" || op == "CHANNEL_SHUFFLE";
}

std::vector<std::string> NodesWithoutInt8Form(const Graph& graph) {
  std::vector<std::string> names;
  for (const Node& node : graph.nodes) {
    if (node.op == "LAYER_NORM" && node.outputs.size() > 1) names.push_back(node.name);
  }
  return names;
}

Status KeepNodesInFloat(const std::vector<std::string>& names, Graph& graph) {
  const std::set<std::string> kept(names.begin(), names.end());
  for (const std::string& name : kept) {
    bool found = false;
    for (const Node& node : graph.nodes) found = found || node.name == name;
    if (!found) {
      return InvalidArgument("--keep-float: the model has no node '" + name +
                             "' (names are those of the accuracy report, after fusion)");
    }
  }
  std::map<std::string, std::string> in_float;  // a kept node's output -> its float tensor
  std::vector<Node> nodes;
  for (Node& node : graph.nodes) {
    if (kept.count(node.name) == 0) {
      nodes.push_back(std::move(node));
      continue;
    }
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const std::string& input = node.inputs[i];
      if (input.empty() || graph.is_constant(input)) continue;
      // A kept node's output reaches another kept node in float, not through int8.
      auto from_kept = in_float.find(input);
      if (from_kept != in_float.end()) {
        node.inputs[i] = from_kept->second;
        continue;
      }
      Tensor copy = graph.tensor(input);
      copy.name = input + "/float";
      const std::string dequantized = graph.add_tensor(copy);
      nodes.push_back(ConversionNode("DEQUANTIZE", node.name + "/dequantize_" + std::to_string(i),
                                     input, dequantized));
      node.inputs[i] = dequantized;
    }
    std::vector<Node> after;
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      const std::string output = node.outputs[o];
      Tensor copy = graph.tensor(output);
      copy.name = output + "/float";
      const std::string float_output = graph.add_tensor(copy);
      in_float[output] = float_output;
      node.outputs[o] = float_output;
      after.push_back(ConversionNode("QUANTIZE", node.name + "/quantize_" + std::to_string(o),
                                     float_output, output));
    }
    nodes.push_back(std::move(node));
    for (Node& conversion : after) nodes.push_back(std::move(conversion));
  }
  graph.nodes = std::move(nodes);
  // A QUANTIZE whose int8 tensor nothing reads (only kept nodes did) goes.
  std::vector<Node> used;
  for (Node& node : graph.nodes) {
    const bool unread = node.op == "QUANTIZE" && graph.consumer_count(node.outputs[0]) == 0 &&
                        !graph.is_graph_output(node.outputs[0]);
    if (!unread) used.push_back(std::move(node));
  }
  graph.nodes = std::move(used);
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
