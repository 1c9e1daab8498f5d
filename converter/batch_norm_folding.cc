// Inference-mode BatchNormalization is a per-channel affine map y = x * k + (beta - mean * k) with
// k = gamma / sqrt(var + epsilon). After a Conv or ConvTranspose whose output nothing else reads it
// folds into that op's weights and bias (computed in double, then rounded once to float); anywhere
// else on a 4-D tensor it becomes a depthwise 1x1 Conv with weights k and bias beta - mean * k, so
// that the lowering has one op less to know.
#include <cmath>

#include "converter/passes.h"

namespace qrun::converter {
namespace {

struct ChannelAffine {
  std::vector<double> scale;  // k
  std::vector<double> shift;  // beta - mean * k
};

Status ReadBatchNorm(const Graph& graph, const Node& bn, ChannelAffine* affine) {
  for (size_t i = 1; i <= 4; ++i) {
    if (!graph.is_constant(bn.input(i))) {
      return UnsupportedNode(graph, bn, "its scale, bias, mean and variance must be constants");
    }
  }
  if (bn.attribute_int("training_mode", 0) != 0) return UnsupportedNode(graph, bn, "training mode");
  const auto& x_shape = graph.tensor(bn.input(0)).shape;
  if (x_shape.size() < 2) return InvalidNode(bn, "the input has no channel axis");
  const int64_t channels = x_shape[1];
  const std::vector<float>* params[4];
  for (size_t i = 0; i < 4; ++i) {
    const Tensor& t = graph.tensor(bn.input(i + 1));
    if (t.type != DataType::kFloat32 || t.element_count() != channels) {
      return InvalidNode(bn, "'" + t.name + "' does not hold one float per channel");
    }
    params[i] = &t.float_data;
  }
  const double epsilon = bn.attribute_float("epsilon", 1e-5f);
  for (int64_t c = 0; c < channels; ++c) {
    const double gamma = (*params[0])[c], beta = (*params[1])[c];
    const double mean = (*params[2])[c], var = (*params[3])[c];
    if (var + epsilon <= 0) return InvalidNode(bn, "a variance plus epsilon is not positive");
    const double k = gamma / std::sqrt(var + epsilon);
    affine->scale.push_back(k);
    affine->shift.push_back(beta - mean * k);
  }
  return Status::Ok();
}

Tensor FloatConstant(const std::string& name, std::vector<int64_t> shape) {
  Tensor t;
  t.name = name;
  t.is_constant = true;
  t.shape = std::move(shape);
  t.float_data.assign(static_cast<size_t>(t.element_count()), 0.0f);
  return t;
}

// The Conv before `bn`, when BN can fold into it: its output feeds only BN and its weights and
// bias are constants.
int FoldableConvIndex(const Graph& graph, const Node& bn) {
  const std::string& x = bn.inputs[0];
  const int producer = graph.producer_index(x);
  if (producer < 0) return -1;
  const Node& conv = graph.nodes[producer];
  const bool constant_params = graph.is_constant(conv.input(1)) &&
                               (conv.input(2).empty() || graph.is_constant(conv.input(2)));
  const bool only_reader = graph.consumer_count(x) == 1 && !graph.is_graph_output(x);
  const bool convolution = conv.op == "Conv" || conv.op == "ConvTranspose";
  return convolution && constant_params && only_reader ? producer : -1;
}

Status FoldIntoConv(Graph& graph, Node& conv, const Node& bn, const ChannelAffine& affine) {
  const Tensor& weights = graph.tensor(conv.inputs[1]);
  // Conv weights are [C_out, C_in / group, KH, KW]; ConvTranspose's [C_in, C_out / group, KH, KW].
  const bool transposed = conv.op == "ConvTranspose";
  const int64_t group = conv.attribute_int("group", 1);
  if (weights.shape.size() < 2 || group < 1 || weights.shape[0] % group != 0) {
    return InvalidNode(conv, "weights and group do not match");
  }
  const int64_t out_channels = transposed ? weights.shape[1] * group : weights.shape[0];
  const int64_t taps = weights.element_count() / (weights.shape[0] * weights.shape[1]);
  // The output channel weight element `i` belongs to.
  auto channel_of = [&](int64_t i) {
    if (!transposed) return i / (weights.element_count() / out_channels);
    const int64_t in_channel = i / (weights.shape[1] * taps);
    const int64_t local = i / taps % weights.shape[1];
    return in_channel / (weights.shape[0] / group) * weights.shape[1] + local;
  };
  const bool has_bias = !conv.input(2).empty();
  if (weights.type != DataType::kFloat32 ||
      out_channels != static_cast<int64_t>(affine.scale.size()) ||
      (has_bias && graph.tensor(conv.inputs[2]).float_data.size() != affine.scale.size())) {
    return InvalidNode(bn, "its channel count does not match the Conv before it");
  }
  Tensor folded_weights = weights;
  folded_weights.name = conv.name + "/bn_folded_weights";
  for (int64_t i = 0; i < weights.element_count(); ++i) {
    float& w = folded_weights.float_data[i];
    w = static_cast<float>(w * affine.scale[channel_of(i)]);
  }
  Tensor folded_bias = FloatConstant(conv.name + "/bn_folded_bias", {out_channels});
  for (int64_t c = 0; c < out_channels; ++c) {
    const double bias = !has_bias ? 0.0 : graph.tensor(conv.inputs[2]).float_data[c];
    folded_bias.float_data[c] = static_cast<float>(bias * affine.scale[c] + affine.shift[c]);
  }
  conv.inputs.resize(3);
  conv.inputs[1] = graph.add_tensor(std::move(folded_weights));
  conv.inputs[2] = graph.add_tensor(std::move(folded_bias));
  conv.outputs[0] = bn.outputs[0];
  return Status::Ok();
}

Status BecomeDepthwiseConv(Graph& graph, size_t index, const ChannelAffine& affine) {
  const Node bn = graph.nodes[index];
  const auto& x_shape = graph.tensor(bn.inputs[0]).shape;
  if (x_shape.size() != 4) {
    return UnsupportedNode(graph, bn,
                           "BatchNormalization on a " + std::to_string(x_shape.size()) +
                               "-D tensor that follows no Conv");
  }
  const int64_t channels = x_shape[1];
  Tensor weights = FloatConstant(bn.name + "/weights", {channels, 1, 1, 1});
  Tensor bias = FloatConstant(bn.name + "/bias", {channels});
  for (int64_t c = 0; c < channels; ++c) {
    weights.float_data[c] = static_cast<float>(affine.scale[c]);
    bias.float_data[c] = static_cast<float>(affine.shift[c]);
  }
  Node conv;
  conv.name = bn.name;
  conv.op = "Conv";
  conv.inputs = {bn.inputs[0], graph.add_tensor(std::move(weights)),
                 graph.add_tensor(std::move(bias))};
  conv.outputs = {bn.outputs[0]};
  conv.set_attribute_int("group", channels);
  conv.set_attribute_ints("kernel_shape", {1, 1});
  graph.nodes[index] = std::move(conv);
  return Status::Ok();
}

}  // namespace

Status FoldBatchNorms(Graph& graph) {
  for (size_t i = 0; i < graph.nodes.size();) {
    if (graph.nodes[i].op != "BatchNormalization") {
      ++i;
      continue;
    }
    ChannelAffine affine;
    QRUN_RETURN_IF_ERROR(ReadBatchNorm(graph, graph.nodes[i], &affine));
    const int conv = FoldableConvIndex(graph, graph.nodes[i]);
    if (conv >= 0) {
      const Node bn = graph.nodes[i];
      QRUN_RETURN_IF_ERROR(FoldIntoConv(graph, graph.nodes[conv], bn, affine));
      graph.nodes.erase(graph.nodes.begin() + i);
      continue;
    }
    QRUN_RETURN_IF_ERROR(BecomeDepthwiseConv(graph, i, affine));
    ++i;
  }
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
