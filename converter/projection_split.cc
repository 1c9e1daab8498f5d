// A projection that computes several results at once and slices them apart (attention's packed
// query/key/value projection: MatMul(x, W[K, 3D]) + bias, then three Slices of the last axis)
// becomes one projection per slice, each with its columns of W and of the bias. The runtime then
// needs no Slice, and each result is its own FULLY_CONNECTED with its own output parameters.
#include <set>

#include "converter/passes.h"

namespace qrun::converter {
namespace {

struct LastAxisSlice {
  size_t node;
  int64_t begin, end;
};

// Whether node `index` slices the last axis of its input with constant bounds and steps of 1.
bool ReadLastAxisSlice(const Graph& graph, size_t index, int64_t dim, LastAxisSlice* slice) {
  const Node& node = graph.nodes[index];
  if (node.op != "Slice" || node.inputs.size() < 3) return false;
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    if (!node.inputs[i].empty() && !graph.is_constant(node.inputs[i])) return false;
  }
  const std::vector<int64_t>& starts = graph.tensor(node.inputs[1]).int64_data;
  const std::vector<int64_t>& ends = graph.tensor(node.inputs[2]).int64_data;
  const int64_t rank = static_cast<int64_t>(graph.tensor(node.inputs[0]).shape.size());
  if (starts.size() != 1 || ends.size() != 1) return false;
  if (!node.input(3).empty()) {
    const std::vector<int64_t>& axes = graph.tensor(node.input(3)).int64_data;
    if (axes.size() != 1 || (axes[0] != -1 && axes[0] != rank - 1)) return false;
  } else if (rank != 1) {
    return false;
  }
  if (!node.input(4).empty() && graph.tensor(node.input(4)).int64_data != std::vector<int64_t>{1}) {
    return false;
  }
  auto clamp_index = [dim](int64_t i) {
    return std::max<int64_t>(0, std::min(i < 0 ? i + dim : i, dim));
  };
  slice->node = index;
  slice->begin = clamp_index(starts[0]);
  slice->end = clamp_index(ends[0]);
  return slice->end > slice->begin;
}

Tensor Columns(const Tensor& source, int64_t begin, int64_t end, const std::string& name) {
  Tensor t;
  t.name = name;
  t.is_constant = true;
  const int64_t columns = source.shape.back();
  const int64_t rows = source.element_count() / columns;
  t.shape = source.shape;
  t.shape.back() = end - begin;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = begin; c < end; ++c)
      t.float_data.push_back(source.float_data[r * columns + c]);
  }
  return t;
}

}  // namespace

Status SplitPackedProjections(Graph& graph) {
  std::set<size_t> removed;
  std::vector<std::pair<size_t, std::vector<Node>>> replacements;  // at a MatMul's place
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& matmul = graph.nodes[i];
    if (matmul.op != "MatMul" || !graph.is_constant(matmul.inputs[1]) ||
        graph.tensor(matmul.inputs[1]).shape.size() != 2) {
      continue;
    }
    const std::string product = matmul.outputs[0];
    if (graph.is_graph_output(product) || graph.consumer_count(product) != 1) continue;
    size_t add_index = 0;
    for (; add_index < graph.nodes.size(); ++add_index) {
      const Node& n = graph.nodes[add_index];
      if (n.op == "Add" && (n.inputs[0] == product || n.inputs[1] == product)) break;
    }
    if (add_index == graph.nodes.size()) continue;
    const Node& add = graph.nodes[add_index];
    const std::string& bias = add.inputs[0] == product ? add.inputs[1] : add.inputs[0];
    const Tensor& w = graph.tensor(matmul.inputs[1]);
    const int64_t width = w.shape[1];
    if (!graph.is_constant(bias) || graph.tensor(bias).element_count() != width ||
        graph.is_graph_output(add.outputs[0])) {
      continue;
    }
    std::vector<LastAxisSlice> slices;
    bool all_slices = true;
    for (size_t j = 0; j < graph.nodes.size() && all_slices; ++j) {
      const Node& n = graph.nodes[j];
      bool reads = false;
      for (const std::string& input : n.inputs) reads = reads || input == add.outputs[0];
      if (!reads) continue;
      LastAxisSlice slice;
      all_slices = n.inputs[0] == add.outputs[0] && ReadLastAxisSlice(graph, j, width, &slice);
      slices.push_back(slice);
    }
    if (!all_slices || slices.size() < 2) continue;
    std::vector<Node> split;
    for (size_t k = 0; k < slices.size(); ++k) {
      const LastAxisSlice& s = slices[k];
      const std::string suffix = "/split_" + std::to_string(k);
      Node part_matmul;
      part_matmul.name = matmul.name + suffix;
      part_matmul.op = "MatMul";
      Tensor part_product = graph.tensor(product);
      part_product.name = product + suffix;
      part_product.shape.back() = s.end - s.begin;
      part_matmul.inputs = {matmul.inputs[0],
                            graph.add_tensor(Columns(w, s.begin, s.end, w.name + suffix))};
      part_matmul.outputs = {graph.add_tensor(std::move(part_product))};
      Node part_add;
      part_add.name = add.name + suffix;
      part_add.op = "Add";
      part_add.inputs = {
          part_matmul.outputs[0],
          graph.add_tensor(Columns(graph.tensor(bias), s.begin, s.end, bias + suffix))};
      part_add.outputs = graph.nodes[s.node].outputs;
      split.push_back(std::move(part_matmul));
      split.push_back(std::move(part_add));
      removed.insert(s.node);
    }
    removed.insert(i);
    removed.insert(add_index);
    replacements.emplace_back(i, std::move(split));
  }
  std::vector<Node> nodes;
  size_t next = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (next < replacements.size() && replacements[next].first == i) {
      for (Node& n : replacements[next].second) nodes.push_back(std::move(n));
      ++next;
    }
    if (removed.count(i) == 0) nodes.push_back(std::move(graph.nodes[i]));
  }
  graph.nodes = std::move(nodes);
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
