// A zero Pad of H and W whose one reader is a Conv (or an AveragePool that counts padding in its
// divisor) becomes that op's own padding: the op pads with zeros itself (int8: with the input's
// zero point, which is real 0), so the padded tensor is never written. A Pad of other axes, of
// another value or mode, or feeding a MaxPool (which pads with -inf) stays a PAD.
#include "converter/data_movement.h"
#include "converter/passes.h"

namespace qrun::converter {
namespace {

bool TakesZeroPadding(const Node& reader) {
  const std::string auto_pad = reader.attribute_text("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID") return false;
  if (reader.op == "Conv") return true;
  return reader.op == "AveragePool" && reader.attribute_int("count_include_pad", 0) != 0 &&
         reader.attribute_int("ceil_mode", 0) == 0;
}

// The index of the node that reads `name`, when exactly one node input does.
int OnlyReader(const Graph& graph, const std::string& name) {
  if (graph.consumer_count(name) != 1 || graph.is_graph_output(name)) return -1;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (const std::string& input : graph.nodes[i].inputs) {
      if (input == name) return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

Status FoldPadsIntoConvs(Graph& graph) {
  for (size_t i = 0; i < graph.nodes.size();) {
    const Node& pad_node = graph.nodes[i];
    if (pad_node.op != "Pad") {
      ++i;
      continue;
    }
    const int reader_index = OnlyReader(graph, pad_node.outputs[0]);
    const std::vector<int64_t>& shape = graph.tensor(pad_node.inputs[0]).shape;
    PadSpec pad;
    if (reader_index < 0 || shape.size() != 4 || !ResolvePad(graph, pad_node, shape, &pad).ok() ||
        pad.mode != "constant" || pad.value != 0.0f || pad.before[0] || pad.before[1] ||
        pad.after[0] || pad.after[1] || pad.before[2] < 0 || pad.before[3] < 0 ||
        pad.after[2] < 0 || pad.after[3] < 0) {
      ++i;
      continue;
    }
    Node& reader = graph.nodes[reader_index];
    if (reader.inputs[0] != pad_node.outputs[0] || !TakesZeroPadding(reader)) {
      ++i;
      continue;
    }
    std::vector<int64_t> pads = reader.attribute_ints("pads", {0, 0, 0, 0});
    if (reader.attribute_text("auto_pad", "NOTSET") == "VALID") pads = {0, 0, 0, 0};
    if (pads.size() != 4) return InvalidNode(reader, "pads must hold 4 values");
    pads[0] += pad.before[2];
    pads[1] += pad.before[3];
    pads[2] += pad.after[2];
    pads[3] += pad.after[3];
    reader.set_attribute_ints("pads", pads);
    reader.attributes.erase("auto_pad");
    reader.inputs[0] = pad_node.inputs[0];
    graph.nodes.erase(graph.nodes.begin() + i);
  }
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
