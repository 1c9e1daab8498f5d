#include "converter/graph.h"

#include <algorithm>
#include <set>

namespace qrun::converter {

int64_t Tensor::element_count() const {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

int64_t Node::attribute_int(const std::string& key, int64_t fallback) const {
  auto it = attributes.find(key);
  return it == attributes.end() || it->second.ints.empty() ? fallback : it->second.ints[0];
}

float Node::attribute_float(const std::string& key, float fallback) const {
  auto it = attributes.find(key);
  return it == attributes.end() || it->second.floats.empty() ? fallback : it->second.floats[0];
}

std::vector<int64_t> Node::attribute_ints(const std::string& key,
                                          std::vector<int64_t> fallback) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? fallback : it->second.ints;
}

std::string Node::attribute_text(const std::string& key, const std::string& fallback) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? fallback : it->second.text;
}

const std::string& Node::input(size_t index) const {
  static const std::string kAbsent;
  return index < inputs.size() ? inputs[index] : kAbsent;
}

bool Graph::is_constant(const std::string& name) const {
  auto it = tensors.find(name);
  return it != tensors.end() && it->second.is_constant;
}

bool Graph::is_graph_output(const std::string& name) const {
  return std::find(outputs.begin(), outputs.end(), name) != outputs.end();
}

int Graph::consumer_count(const std::string& name) const {
  int count = 0;
  for (const Node& node : nodes) {
    count += static_cast<int>(std::count(node.inputs.begin(), node.inputs.end(), name));
  }
  return count;
}

int Graph::producer_index(const std::string& name) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    const auto& outs = nodes[i].outputs;
    if (std::find(outs.begin(), outs.end(), name) != outs.end()) return static_cast<int>(i);
  }
  return -1;
}

std::string Graph::unique_tensor_name(const std::string& base) const {
  if (!has_tensor(base)) return base;
  for (int suffix = 1;; ++suffix) {
    std::string candidate = base + "_" + std::to_string(suffix);
    if (!has_tensor(candidate)) return candidate;
  }
}

std::string Graph::add_tensor(Tensor tensor) {
  tensor.name = unique_tensor_name(tensor.name);
  std::string name = tensor.name;
  tensors.emplace(name, std::move(tensor));
  return name;
}

void Graph::replace_uses(const std::string& from, const std::string& to) {
  for (Node& node : nodes) std::replace(node.inputs.begin(), node.inputs.end(), from, to);
  std::replace(outputs.begin(), outputs.end(), from, to);
}

void Graph::remove_unused_tensors() {
  std::set<std::string> used(inputs.begin(), inputs.end());
  used.insert(outputs.begin(), outputs.end());
  for (const Node& node : nodes) {
    used.insert(node.inputs.begin(), node.inputs.end());
    used.insert(node.outputs.begin(), node.outputs.end());
  }
  for (auto it = tensors.begin(); it != tensors.end();) {
    it = used.count(it->first) ? std::next(it) : tensors.erase(it);
  }
}

Status UnsupportedNode(const Graph& graph, const Node& node, const std::string& detail) {
  std::string message = "node '" + node.name + "' (op " + node.op + ", opset " +
                        std::to_string(graph.opset) + ") is not supported";
  if (!detail.empty()) message += ": " + detail;
  return Unsupported(message);
}

Status InvalidNode(const Node& node, const std::string& problem) {
  return InvalidModel("node '" + node.name + "' (op " + node.op + "): " + problem);
}

std::string ShapeToString(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ",";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

}  // namespace qrun::converter
