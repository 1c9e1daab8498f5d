// LayerNorm written out as ONNX ops before opset 17 had LayerNormalization (PyTorch's exporter at
// opset 13 and below):
//   mean = ReduceMean(x, last axis); d = Sub(x, mean); var = ReduceMean(Pow(d, 2), last axis);
//   y = Div(d, Sqrt(Add(var, epsilon))) [, Mul(y, gamma)] [, Add(y, beta)]
// becomes one LayerNormalization(x, gamma, beta) over the last axis: one op, whose statistics the
// runtime computes in one pass over each row, instead of nine and four intermediate tensors.
#include <set>

#include "converter/passes.h"

namespace qrun::converter {
namespace {

bool IsLastAxisMean(const Graph& graph, const Node& node) {
  if (node.op != "ReduceMean" || node.attribute_int("keepdims", 1) == 0) return false;
  const std::vector<int64_t> axes = node.attribute_ints("axes");
  const int64_t rank = static_cast<int64_t>(graph.tensor(node.inputs[0]).shape.size());
  return axes.size() == 1 && (axes[0] == -1 || axes[0] == rank - 1);
}

// The float constant of one value that `name` is, if it is one.
bool ScalarConstant(const Graph& graph, const std::string& name, float* value) {
  if (!graph.is_constant(name)) return false;
  const Tensor& t = graph.tensor(name);
  if (t.type != DataType::kFloat32 || t.element_count() != 1) return false;
  *value = t.float_data[0];
  return true;
}

// A per-channel float constant for the last axis of length `channels` (or one value).
bool ChannelConstant(const Graph& graph, const std::string& name, int64_t channels) {
  if (!graph.is_constant(name)) return false;
  const Tensor& t = graph.tensor(name);
  return t.type == DataType::kFloat32 &&
         (t.element_count() == 1 || (t.element_count() == channels && t.shape.back() == channels));
}

class LayerNormFusion {
 public:
  explicit LayerNormFusion(Graph& graph) : graph_(graph) {}

  Status Run() {
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      if (graph_.nodes[i].op == "Div") TryFuse(i);
    }
    std::vector<Node> kept;
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      if (removed_.count(i) == 0) kept.push_back(std::move(graph_.nodes[i]));
    }
    graph_.nodes = std::move(kept);
    graph_.remove_unused_tensors();
    return Status::Ok();
  }

 private:
  // The node writing `name` if only `readers` nodes read it, else -1.
  int OnlyProducer(const std::string& name, int readers) const {
    if (graph_.is_graph_output(name) || graph_.consumer_count(name) != readers) return -1;
    return graph_.producer_index(name);
  }

  // The one node reading `name`, by index, or -1.
  int OnlyConsumer(const std::string& name) const {
    if (graph_.is_graph_output(name) || graph_.consumer_count(name) != 1) return -1;
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      for (const std::string& input : graph_.nodes[i].inputs) {
        if (input == name) return static_cast<int>(i);
      }
    }
    return -1;
  }

  void TryFuse(size_t div_index) {
    const Node& div = graph_.nodes[div_index];
    const std::string& d = div.inputs[0];
    const int sqrt = OnlyProducer(div.inputs[1], 1);
    if (sqrt < 0 || graph_.nodes[sqrt].op != "Sqrt") return;
    const int add_eps = OnlyProducer(graph_.nodes[sqrt].inputs[0], 1);
    if (add_eps < 0 || graph_.nodes[add_eps].op != "Add") return;
    float epsilon = 0.0f;
    const Node& add = graph_.nodes[add_eps];
    const bool eps_second = ScalarConstant(graph_, add.inputs[1], &epsilon);
    if (!eps_second && !ScalarConstant(graph_, add.inputs[0], &epsilon)) return;
    const int var = OnlyProducer(add.inputs[eps_second ? 0 : 1], 1);
    if (var < 0 || !IsLastAxisMean(graph_, graph_.nodes[var])) return;
    const int pow = OnlyProducer(graph_.nodes[var].inputs[0], 1);
    float exponent = 0.0f;
    if (pow < 0 || graph_.nodes[pow].op != "Pow" || graph_.nodes[pow].inputs[0] != d ||
        !ScalarConstant(graph_, graph_.nodes[pow].inputs[1], &exponent) || exponent != 2.0f) {
      return;
    }
    const int sub = OnlyProducer(d, 2);
    if (sub < 0 || graph_.nodes[sub].op != "Sub") return;
    const std::string x = graph_.nodes[sub].inputs[0];
    const int mean = OnlyProducer(graph_.nodes[sub].inputs[1], 1);
    if (mean < 0 || !IsLastAxisMean(graph_, graph_.nodes[mean]) ||
        graph_.nodes[mean].inputs[0] != x) {
      return;
    }
    const int64_t channels = graph_.tensor(x).shape.back();
    std::set<size_t> matched = {div_index,
                                static_cast<size_t>(sqrt),
                                static_cast<size_t>(add_eps),
                                static_cast<size_t>(var),
                                static_cast<size_t>(pow),
                                static_cast<size_t>(sub),
                                static_cast<size_t>(mean)};
    // The affine part, where there is one: a Mul by gamma, then an Add of beta, each by one
    // constant per channel, taken on as the output moves past it.
    std::string output = div.outputs[0];
    size_t last = div_index;
    auto absorb = [&](const char* op) {
      const int index = OnlyConsumer(output);
      if (index < 0 || graph_.nodes[index].op != op) return std::string();
      const Node& n = graph_.nodes[index];
      const std::string other = n.inputs[0] == output ? n.inputs[1] : n.inputs[0];
      if (!ChannelConstant(graph_, other, channels)) return std::string();
      output = n.outputs[0];
      matched.insert(index);
      last = static_cast<size_t>(index);
      return other;
    };
    const std::string gamma = absorb("Mul");
    const std::string beta = absorb("Add");
    Node fused;
    fused.name = graph_.nodes[mean].name.substr(0, graph_.nodes[mean].name.rfind('/'));
    if (fused.name.empty()) fused.name = graph_.nodes[mean].name;
    fused.op = "LayerNormalization";
    fused.inputs = {x, Affine(gamma, channels, 1.0f, fused.name + "/gamma"),
                    Affine(beta, channels, 0.0f, fused.name + "/beta")};
    fused.outputs = {output};
    fused.attributes["epsilon"].floats = {epsilon};
    fused.set_attribute_int("axis", -1);
    matched.erase(last);
    graph_.nodes[last] = std::move(fused);
    removed_.insert(matched.begin(), matched.end());
  }

  // gamma or beta as one value per channel: `given` broadcast, or `fill` when absent.
  std::string Affine(const std::string& given, int64_t channels, float fill,
                     const std::string& name) {
    Tensor t;
    t.name = name;
    t.is_constant = true;
    t.shape = {channels};
    t.float_data.assign(static_cast<size_t>(channels), fill);
    if (!given.empty()) {
      const Tensor& source = graph_.tensor(given);
      for (int64_t c = 0; c < channels; ++c) {
        t.float_data[c] = source.float_data[source.element_count() == 1 ? 0 : c];
      }
    }
    return graph_.add_tensor(std::move(t));
  }

  Graph& graph_;
  std::set<size_t> removed_;
};

}  // namespace

Status FuseLayerNorms(Graph& graph) {
  return LayerNormFusion(graph).Run();
}

}  // namespace qrun::converter
