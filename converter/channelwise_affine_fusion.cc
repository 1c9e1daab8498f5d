// A per-channel affine map written one channel at a time, as torchvision's googlenet (and
// inception_v3) write transform_input: for every channel c of x in order,
//   Add(Mul(Unsqueeze(Gather(x, c, axis 1), axes 1), a_c), b_c),
// then Concat of the results along the channels. That is y = a * x + b per channel, an
// inference-mode BatchNormalization (scale a, bias b, mean 0, variance 1, epsilon 0), which the
// BatchNorm folding then turns into a depthwise 1x1 Conv like any other.
#include <set>

#include "converter/passes.h"

namespace qrun::converter {
namespace {

// The value of a constant of one float element, if `name` is one.
bool ScalarConstant(const Graph& graph, const std::string& name, float* value) {
  if (!graph.is_constant(name)) return false;
  const Tensor& t = graph.tensor(name);
  if (t.type != DataType::kFloat32 || t.element_count() != 1) return false;
  *value = t.float_data[0];
  return true;
}

struct ChannelTerm {
  std::string source;  // the tensor the channel is picked from
  int64_t channel = -1;
  float scale = 1.0f;
  float shift = 0.0f;
  std::vector<int> nodes;  // the chain's node indices
};

// Walks from one Concat input back to the Gather it starts from.
bool ReadTerm(const Graph& graph, std::string tensor, ChannelTerm* term) {
  bool seen_add = false, seen_mul = false;
  while (true) {
    const int index = graph.producer_index(tensor);
    if (index < 0 || graph.consumer_count(tensor) != 1 || graph.is_graph_output(tensor)) {
      return false;
    }
    const Node& node = graph.nodes[index];
    term->nodes.push_back(index);
    if ((node.op == "Add" || node.op == "Mul") && node.inputs.size() == 2) {
      // Walking back from y = a * x + b meets the Add first, then the Mul, each at most once.
      bool& seen = node.op == "Add" ? seen_add : seen_mul;
      if (seen || (node.op == "Add" && seen_mul)) return false;
      seen = true;
      float value;
      int variable = -1;
      if (ScalarConstant(graph, node.inputs[1], &value)) {
        variable = 0;
      } else if (ScalarConstant(graph, node.inputs[0], &value)) {
        variable = 1;
      } else {
        return false;
      }
      (node.op == "Add" ? term->shift : term->scale) = value;
      tensor = node.inputs[variable];
      continue;
    }
    if (node.op == "Unsqueeze") {
      if (!graph.is_constant(node.inputs[1]) ||
          graph.tensor(node.inputs[1]).int64_data != std::vector<int64_t>{1}) {
        return false;
      }
      const int gather_index = graph.producer_index(node.inputs[0]);
      if (gather_index < 0 || graph.consumer_count(node.inputs[0]) != 1) return false;
      const Node& gather = graph.nodes[gather_index];
      const std::vector<int64_t>& source = graph.tensor(gather.inputs[0]).shape;
      if (gather.op != "Gather" || gather.attribute_int("axis", 0) != 1 || source.size() != 4 ||
          !graph.is_constant(gather.inputs[1]) || !graph.tensor(gather.inputs[1]).shape.empty()) {
        return false;
      }
      term->nodes.push_back(gather_index);
      term->source = gather.inputs[0];
      term->channel = graph.tensor(gather.inputs[1]).int64_data.at(0);
      if (term->channel < 0) term->channel += source[1];
      return true;
    }
    return false;
  }
}

Tensor PerChannel(const std::string& name, std::vector<float> values) {
  Tensor t;
  t.name = name;
  t.is_constant = true;
  t.shape = {static_cast<int64_t>(values.size())};
  t.float_data = std::move(values);
  return t;
}

}  // namespace

Status FuseChannelwiseAffines(Graph& graph) {
  std::set<int> removed;
  for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i) {
    Node& concat = graph.nodes[i];
    if (concat.op != "Concat" || graph.tensor(concat.outputs[0]).shape.size() != 4) continue;
    const int64_t axis = concat.attribute_int("axis", 0);
    if (axis != 1 && axis != -3) continue;
    std::vector<ChannelTerm> terms(concat.inputs.size());
    bool matches = true;
    for (size_t c = 0; c < concat.inputs.size() && matches; ++c) {
      matches = ReadTerm(graph, concat.inputs[c], &terms[c]) &&
                terms[c].source == terms[0].source && terms[c].channel == static_cast<int64_t>(c);
    }
    if (!matches ||
        graph.tensor(terms[0].source).shape[1] != static_cast<int64_t>(concat.inputs.size())) {
      continue;
    }
    std::vector<float> scale, shift;
    for (const ChannelTerm& term : terms) {
      scale.push_back(term.scale);
      shift.push_back(term.shift);
      removed.insert(term.nodes.begin(), term.nodes.end());
    }
    const size_t channels = scale.size();
    Node affine;
    affine.name = concat.name;
    affine.op = "BatchNormalization";
    affine.outputs = concat.outputs;
    affine.inputs = {
        terms[0].source, graph.add_tensor(PerChannel(concat.name + "/scale", std::move(scale))),
        graph.add_tensor(PerChannel(concat.name + "/shift", std::move(shift))),
        graph.add_tensor(PerChannel(concat.name + "/mean", std::vector<float>(channels, 0.0f))),
        graph.add_tensor(
            PerChannel(concat.name + "/variance", std::vector<float>(channels, 1.0f)))};
    affine.attributes["epsilon"].floats = {0.0f};
    graph.nodes[i] = std::move(affine);
  }
  std::vector<Node> kept;
  for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i) {
    if (!removed.count(i)) kept.push_back(std::move(graph.nodes[i]));
  }
  graph.nodes = std::move(kept);
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
