// Identity, inference-mode Dropout and a Pad of nothing (its output's shape is its input's: the
// pads are all zero, as densenet's export writes) copy their input: their readers read the input
// instead.
// When the copy is a graph output, the graph output's name is kept by renaming the producer's
// output, since users look outputs up by the names the ONNX model gave them. A copy of a graph
// input or output to a graph output stays a copy: a RESHAPE to the same shape.
#include "converter/passes.h"

namespace qrun::converter {

Status RemoveIdentities(Graph& graph) {
  for (size_t i = 0; i < graph.nodes.size();) {
    const Node node = graph.nodes[i];
    const bool pads_nothing = node.op == "Pad" && graph.tensor(node.outputs[0]).shape ==
                                                      graph.tensor(node.inputs[0]).shape;
    if (node.op != "Identity" && node.op != "Dropout" && !pads_nothing) {
      ++i;
      continue;
    }
    const std::string& source = node.inputs[0];
    const std::string& copy = node.outputs[0];
    if (node.op == "Dropout" && node.outputs.size() > 1 && !node.outputs[1].empty() &&
        (graph.consumer_count(node.outputs[1]) > 0 || graph.is_graph_output(node.outputs[1]))) {
      return UnsupportedNode(graph, node, "its mask output is used");
    }
    // Opset 12 made training mode an input; in training mode Dropout drops (unless its ratio is 0).
    const std::string& training = node.input(2);
    if (node.op == "Dropout" && !training.empty()) {
      const Tensor& mode = graph.tensor(training);
      const std::string& ratio = node.input(1);
      const bool no_drop = !ratio.empty() && graph.is_constant(ratio) &&
                           graph.tensor(ratio).float_data == std::vector<float>{0.0f};
      if (!mode.is_constant || mode.int64_data != std::vector<int64_t>{0}) {
        if (!no_drop) return UnsupportedNode(graph, node, "training mode");
      }
    }
    const int producer = graph.producer_index(source);
    if (graph.is_graph_output(copy) && (producer < 0 || graph.is_graph_output(source))) {
      Node reshape;
      reshape.name = node.name;
      reshape.op = "RESHAPE";
      reshape.inputs = {source};
      reshape.outputs = {copy};
      graph.nodes[i++] = std::move(reshape);
      continue;
    }
    graph.nodes.erase(graph.nodes.begin() + i);
    if (graph.is_graph_output(copy) && producer >= 0 && !graph.is_graph_output(source)) {
      for (std::string& output : graph.nodes[producer].outputs) {
        if (output == source) output = copy;
      }
      Tensor renamed = graph.tensor(source);
      renamed.name = copy;
      graph.tensor(copy) = renamed;
      graph.replace_uses(source, copy);
    } else {
      graph.replace_uses(copy, source);
    }
  }
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
