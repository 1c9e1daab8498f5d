// ShuffleNet's channel shuffle as exporters write it: Reshape [N, C, H, W] -> [N, g, C/g, H, W],
// Transpose (0, 2, 1, 3, 4), Reshape back to [N, C, H, W]. Five-dimensional tensors exist nowhere
// else in such a model, and the three ops are one permutation of channels: ChannelShuffle (g).
// When the shuffled tensor is read only by Slices of the channel axis that cut it into equal
// consecutive parts (ShuffleNet v2's chunk), those parts become the shuffle's own outputs, so the
// split costs no copy of its own.
#include <algorithm>

#include "converter/passes.h"

namespace qrun::converter {
namespace {

bool IsChannelSlice(const Graph& graph, const Node& node) {
  if (node.op != "Slice" || node.inputs.size() < 4) return false;
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    if (!node.inputs[i].empty() && !graph.is_constant(node.inputs[i])) return false;
  }
  const std::vector<int64_t>& axes = graph.tensor(node.inputs[3]).int64_data;
  if (axes != std::vector<int64_t>{1} && axes != std::vector<int64_t>{-3}) return false;
  if (node.input(4).empty()) return true;
  return graph.tensor(node.input(4)).int64_data == std::vector<int64_t>{1};
}

// The nodes that read `shuffled`, if they are Slices of its channels into equal consecutive parts
// (in channel order), else empty.
std::vector<int> EqualChannelSlices(const Graph& graph, const std::string& shuffled) {
  if (graph.is_graph_output(shuffled)) return {};
  std::vector<std::pair<int64_t, int>> starts;  // (first channel, node index)
  for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i) {
    const Node& node = graph.nodes[i];
    if (std::find(node.inputs.begin(), node.inputs.end(), shuffled) == node.inputs.end()) continue;
    if (node.inputs[0] != shuffled || !IsChannelSlice(graph, node)) return {};
    starts.emplace_back(graph.tensor(node.inputs[1]).int64_data.at(0), i);
  }
  const int64_t channels = graph.tensor(shuffled).shape[1];
  const int64_t parts = static_cast<int64_t>(starts.size());
  if (parts < 2 || parts != graph.consumer_count(shuffled) || channels % parts != 0) return {};
  std::sort(starts.begin(), starts.end());
  std::vector<int> slices;
  for (int64_t p = 0; p < parts; ++p) {
    const int index = starts[p].second;
    const Node& slice = graph.nodes[index];
    const std::vector<int64_t>& shape = graph.tensor(slice.outputs[0]).shape;
    if (starts[p].first != p * channels / parts || shape.size() != 4 ||
        shape[1] != channels / parts) {
      return {};
    }
    slices.push_back(index);
  }
  return slices;
}

// The node index of the final Reshape of a shuffle that starts with Reshape `first`, and its
// group count, or -1.
int ShuffleEnd(const Graph& graph, int first, int64_t* groups) {
  const Node& split = graph.nodes[first];
  if (split.op != "Reshape" || split.inputs.size() < 2) return -1;
  const std::vector<int64_t>& in = graph.tensor(split.inputs[0]).shape;
  const std::vector<int64_t>& grouped = graph.tensor(split.outputs[0]).shape;
  if (in.size() != 4 || grouped.size() != 5 || grouped[0] != in[0] || grouped[3] != in[2] ||
      grouped[4] != in[3] || grouped[1] * grouped[2] != in[1]) {
    return -1;
  }
  const std::string& grouped_name = split.outputs[0];
  if (graph.consumer_count(grouped_name) != 1 || graph.is_graph_output(grouped_name)) return -1;
  for (size_t t = first + 1; t < graph.nodes.size(); ++t) {
    const Node& transpose = graph.nodes[t];
    if (transpose.inputs.empty() || transpose.inputs[0] != grouped_name) continue;
    if (transpose.op != "Transpose" ||
        transpose.attribute_ints("perm") != std::vector<int64_t>{0, 2, 1, 3, 4}) {
      return -1;
    }
    const std::string& swapped = transpose.outputs[0];
    if (graph.consumer_count(swapped) != 1 || graph.is_graph_output(swapped)) return -1;
    for (size_t r = t + 1; r < graph.nodes.size(); ++r) {
      const Node& merge = graph.nodes[r];
      if (merge.inputs.empty() || merge.inputs[0] != swapped) continue;
      if (merge.op != "Reshape" || graph.tensor(merge.outputs[0]).shape != in) return -1;
      *groups = grouped[1];
      return static_cast<int>(r);
    }
    return -1;
  }
  return -1;
}

}  // namespace

Status FuseChannelShuffles(Graph& graph) {
  for (int first = 0; first < static_cast<int>(graph.nodes.size()); ++first) {
    int64_t groups = 0;
    const int last = ShuffleEnd(graph, first, &groups);
    if (last < 0) continue;
    Node shuffle;
    shuffle.name = graph.nodes[last].name;
    shuffle.op = "ChannelShuffle";
    shuffle.inputs = {graph.nodes[first].inputs[0]};
    shuffle.outputs = {graph.nodes[last].outputs[0]};
    shuffle.set_attribute_int("groups", groups);
    std::vector<int> removed = EqualChannelSlices(graph, shuffle.outputs[0]);
    if (!removed.empty()) {
      shuffle.outputs.clear();
      for (int index : removed) shuffle.outputs.push_back(graph.nodes[index].outputs[0]);
    }
    // The two Reshapes and the Transpose between them go; the shuffle takes the last one's place,
    // which comes before any Slice that read it.
    removed.push_back(first);
    removed.push_back(last);
    for (int i = first + 1; i < last; ++i) {
      if (graph.nodes[i].op == "Transpose" &&
          graph.nodes[i].inputs[0] == graph.nodes[first].outputs[0]) {
        removed.push_back(i);
      }
    }
    graph.nodes[last] = shuffle;
    removed.erase(std::find(removed.begin(), removed.end(), last));
    std::sort(removed.rbegin(), removed.rend());
    for (int index : removed) graph.nodes.erase(graph.nodes.begin() + index);
    first = -1;  // indices moved: look again from the start
  }
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
