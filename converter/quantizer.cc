#include "converter/quantizer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "kernels/elementwise_unary/elementwise_unary.h"
#include "kernels/softmax/softmax.h"

namespace qrun::converter {
namespace {

constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;
constexpr int32_t kWeightMax = 127;  // symmetric weights never use -128

int32_t Clamp(double value, double low, double high) {
  return static_cast<int32_t>(std::min(std::max(value, low), high));
}

// Per-tensor asymmetric parameters that cover [min, max] and represent 0 exactly.
Quantization AsymmetricParams(float min, float max) {
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  double scale = (static_cast<double>(max) - min) / 255.0;
  // A range of (nearly) nothing, e.g. a tensor that is always zero: any scale represents it, and
  // 1 keeps every multiplier that divides by it finite.
  if (!(scale >= std::numeric_limits<float>::min())) scale = 1.0;
  const float stored = static_cast<float>(scale);
  Quantization q;
  q.scale = {stored};
  q.zero_point = {
      Clamp(std::nearbyint(-128.0 - min / static_cast<double>(stored)), kInt8Min, kInt8Max)};
  return q;
}

Quantization SoftmaxOutputParams() {
  Quantization q;
  q.scale = {kernels::kSoftmaxQs8OutputScale};
  q.zero_point = {kernels::kSoftmaxQs8OutputZeroPoint};
  return q;
}

double Scale(const Tensor& t) {
  return t.quantization.scale.at(0);
}
int32_t ZeroPoint(const Tensor& t) {
  return t.quantization.zero_point.at(0);
}

float Multiplier(double numerator, double denominator) {
  return static_cast<float>(numerator / denominator);
}

// A float constant quantized asymmetrically per tensor, for an operand that meets activations.
Tensor QuantizeAsymmetric(const Tensor& in) {
  Tensor out = in;
  float min = 0.0f, max = 0.0f;
  for (float v : in.float_data) {
    min = std::min(min, v);
    max = std::max(max, v);
  }
  out.quantization = AsymmetricParams(min, max);
  out.type = DataType::kInt8;
  out.float_data.clear();
  const double scale = Scale(out);
  for (float v : in.float_data) {
    out.int8_data.push_back(
        static_cast<int8_t>(Clamp(std::nearbyint(v / scale) + ZeroPoint(out), kInt8Min, kInt8Max)));
  }
  return out;
}

// A float constant in given per-tensor parameters, clamped to int8.
Tensor QuantizeWithParams(const Tensor& in, const Quantization& params) {
  Tensor out = in;
  out.quantization = params;
  out.type = DataType::kInt8;
  out.float_data.clear();
  for (float v : in.float_data) {
    const double level = std::nearbyint(v / static_cast<double>(params.scale.at(0)));
    out.int8_data.push_back(
        static_cast<int8_t>(Clamp(level + params.zero_point.at(0), kInt8Min, kInt8Max)));
  }
  return out;
}

// The scale of each output channel of weights a pre-quantized model came with, where qrun's
// weights can hold that channel's grid: zero point 0, every weight a multiple of the scale within
// [-127, 127]. 0 where they cannot (an asymmetric uint8 zero point, a -128 from a full-range int8
// quantizer, weights a pass moved off the grid such as a folded BatchNorm or Gemm's alpha): that
// channel is requantized as float weights are. Parameters per tensor serve every channel.
std::vector<float> ModelWeightScales(const Tensor& in) {
  const Quantization& q = in.quantization;
  const int64_t channels = in.shape.empty() ? 0 : in.shape[0];
  const bool per_tensor = q.scale.size() == 1;
  std::vector<float> scales(static_cast<size_t>(channels), 0.0f);
  if (q.scale.empty() || q.zero_point.size() != q.scale.size() ||
      (!per_tensor && (q.channel_axis != 0 || static_cast<int64_t>(q.scale.size()) != channels))) {
    return scales;
  }
  const int64_t per_channel = channels ? in.element_count() / channels : 0;
  for (int64_t c = 0; c < channels; ++c) {
    const size_t source = per_tensor ? 0 : static_cast<size_t>(c);
    const float scale = q.scale[source];
    bool on_grid = q.zero_point[source] == 0;
    for (int64_t i = c * per_channel; on_grid && i < (c + 1) * per_channel; ++i) {
      const float w = in.float_data[i];
      const double level = std::nearbyint(w / static_cast<double>(scale));
      on_grid = std::fabs(level) <= kWeightMax && static_cast<float>(level) * scale == w;
    }
    if (on_grid) scales[c] = scale;
  }
  return scales;
}

// Weights with their output channels on axis 0: symmetric, one scale per channel (the model's own
// where qrun can keep it, else max |w| / 127), or one scale for them all (stored once per channel
// all the same, as the runtime reads per-channel multipliers). A channel with nothing to scale (all
// zero, or too small for a float scale) gets scale 1 and zeros, and a warning: its outputs will be
// the bias alone.
Tensor QuantizeWeights(const Tensor& in, const Node& node, const QuantizeOptions& options) {
  Tensor out = in;
  out.type = DataType::kInt8;
  out.float_data.clear();
  out.quantization = Quantization();
  const int64_t channels = in.shape[0];
  const int64_t per_channel = channels ? in.element_count() / channels : 0;
  const std::vector<float> model_scales = ModelWeightScales(in);
  out.quantization.channel_axis = 0;
  std::vector<float> max_abs(static_cast<size_t>(channels), 0.0f);
  for (int64_t c = 0; c < channels; ++c) {
    const auto first = in.float_data.begin() + c * per_channel;
    for (auto it = first; it != first + per_channel; ++it) {
      max_abs[c] = std::max(max_abs[c], std::fabs(*it));
    }
  }
  if (options.per_tensor_weights) {
    const float largest = *std::max_element(max_abs.begin(), max_abs.end());
    std::fill(max_abs.begin(), max_abs.end(), largest);
  }
  std::vector<int64_t> degenerate;
  for (int64_t c = 0; c < channels; ++c) {
    const auto first = in.float_data.begin() + c * per_channel;
    float scale = model_scales[c] > 0.0f && !options.per_tensor_weights
                      ? model_scales[c]
                      : static_cast<float>(max_abs[c] / 127.0);
    if (!(scale >= std::numeric_limits<float>::min())) {
      degenerate.push_back(c);
      scale = 1.0f;
    }
    out.quantization.scale.push_back(scale);
    out.quantization.zero_point.push_back(0);
    for (auto it = first; it != first + per_channel; ++it) {
      out.int8_data.push_back(static_cast<int8_t>(
          Clamp(std::nearbyint(*it / static_cast<double>(scale)), -kWeightMax, kWeightMax)));
    }
  }
  if (!degenerate.empty() && options.warnings != nullptr) {
    std::string list;
    for (size_t i = 0; i < degenerate.size() && i < 8; ++i) {
      list += (i ? ", " : "") + std::to_string(degenerate[i]);
    }
    if (degenerate.size() > 8) list += ", ...";
    options.warnings->push_back("node '" + node.name + "': " + std::to_string(degenerate.size()) +
                                " of " + std::to_string(channels) +
                                " output channels have all-zero (or vanishing) weights (" + list +
                                "); they get scale 1 and output their bias alone");
  }
  return out;
}

Tensor QuantizeBias(const Tensor& in, double input_scale, const std::vector<float>& weight_scales) {
  Tensor out = in;
  out.type = DataType::kInt32;
  out.float_data.clear();
  out.quantization.channel_axis = 0;
  for (size_t c = 0; c < in.float_data.size(); ++c) {
    const double scale = input_scale * weight_scales[c];
    out.quantization.scale.push_back(static_cast<float>(scale));
    out.quantization.zero_point.push_back(0);
    out.int32_data.push_back(Clamp(std::nearbyint(in.float_data[c] / scale),
                                   std::numeric_limits<int32_t>::min(),
                                   std::numeric_limits<int32_t>::max()));
  }
  return out;
}

// The int8 PReLU's negative side: s_x * slope / s_out for each slope element, in float.
Tensor NegativeSideMultipliers(const Tensor& slope, double input_scale, double output_scale) {
  Tensor out = slope;
  out.quantization = Quantization();
  for (float& v : out.float_data) v = static_cast<float>(input_scale * v / output_scale);
  return out;
}

// The table that defines int8 softmax for this input scale (kernels/softmax/softmax.h).
Tensor SoftmaxTable(const std::string& name, double input_scale) {
  Tensor table;
  table.name = name;
  table.type = DataType::kInt32;
  table.is_constant = true;
  table.shape = {kernels::kSoftmaxTableSize};
  for (int d = 0; d < kernels::kSoftmaxTableSize; ++d) {
    table.int32_data.push_back(
        static_cast<int32_t>(std::round(std::ldexp(std::exp(-input_scale * d), 23))));
  }
  return table;
}

// The real function an ELEMENTWISE_UNARY node computes, in double.
double UnaryFunctionValue(const Node& node, double x) {
  const std::string function = node.attribute_text("function", "");
  if (function == "HardSwish" || function == "HardSigmoid") {
    const double alpha = node.attribute_float("alpha", 1.0f / 6);
    const double beta = node.attribute_float("beta", 0.5f);
    const double gate = std::min(1.0, std::max(0.0, alpha * x + beta));
    return function == "HardSwish" ? x * gate : gate;
  }
  if (function == "Sigmoid") return 1.0 / (1.0 + std::exp(-x));
  if (function == "Silu") return x / (1.0 + std::exp(-x));
  if (function == "Gelu") return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  if (function == "Tanh") return std::tanh(x);
  if (function == "LeakyRelu") return x >= 0.0 ? x : node.attribute_float("alpha", 0.01f) * x;
  if (function == "Clip") {
    return std::min<double>(node.attribute_float("beta", INFINITY),
                            std::max<double>(node.attribute_float("alpha", -INFINITY), x));
  }
  // GeluTanh
  return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

// An int8 elementwise function as a table: entry q + 128 is the function of q's real value,
// requantized to the output's parameters (in double, once, here; the runtime only looks it up).
Tensor LookupTable(const std::string& name, const Node& node, const Tensor& input,
                   const Tensor& output) {
  Tensor table;
  table.name = name;
  table.type = DataType::kInt8;
  table.is_constant = true;
  table.shape = {kernels::kLookupTableSize};
  // Raw entries: every int8 tensor in a file carries parameters, these the identity ones.
  table.quantization.scale = {1.0f};
  table.quantization.zero_point = {0};
  for (int q = -128; q <= 127; ++q) {
    const double y = UnaryFunctionValue(node, (q - ZeroPoint(input)) * Scale(input));
    const double level = std::nearbyint(y / Scale(output)) + ZeroPoint(output);
    table.int8_data.push_back(static_cast<int8_t>(std::min(127.0, std::max(-128.0, level))));
  }
  return table;
}

class Quantizer {
 public:
  Quantizer(const TensorRanges& ranges, const QuantizeOptions& options, Graph& graph)
      : ranges_(ranges), options_(options), graph_(graph) {}

  Status Run() {
    for (const std::string& input : graph_.inputs) {
      QRUN_RETURN_IF_ERROR(QuantizeFromRange(input, nullptr));
    }
    for (Node& node : graph_.nodes) {
      if (node.op == "DEQUANTIZE") {
        float_tensors_.insert(node.outputs[0]);
      } else if (node.op == "QUANTIZE") {
        QRUN_RETURN_IF_ERROR(QuantizeFromRange(node.outputs[0], &node));
      } else if (float_tensors_.count(node.inputs[0]) != 0 ||
                 (options_.float_nodes != nullptr && options_.float_nodes->count(node.name))) {
        for (const std::string& tensor : node.inputs) float_tensors_.insert(tensor);
        for (const std::string& tensor : node.outputs) float_tensors_.insert(tensor);
      } else {
        if (node.op == "LAYER_NORM") {
          float_tensors_.insert(node.inputs[1]);
          float_tensors_.insert(node.inputs[2]);
        }
        QRUN_RETURN_IF_ERROR(QuantizeNode(node));
      }
    }
    graph_.remove_unused_tensors();
    for (const auto& entry : graph_.tensors) {
      if (entry.second.type == DataType::kFloat32 && float_tensors_.count(entry.first) == 0) {
        return Status(StatusCode::kInternal, "tensor '" + entry.first + "' was not quantized");
      }
    }
    return Status::Ok();
  }

 private:
  // The tensor's parameters: those the model came with when it was quantized already, else from
  // its calibrated range. `producer` writes the tensor (null for a graph input).
  Status QuantizeFromRange(const std::string& name, const Node* producer) {
    const Tensor& tensor = graph_.tensor(name);
    if (!tensor.quantization.scale.empty() && tensor.type == DataType::kFloat32) {
      SetActivation(name, tensor.quantization);
      return Status::Ok();
    }
    auto range = ranges_.find(name);
    if (ranges_.empty() && producer != nullptr) {
      return UnsupportedNode(graph_, *producer,
                             "the model is quantized, but not its output '" + name +
                                 "' (no scale and zero point for it), and there is no calibration "
                                 "to find them");
    }
    if (range == ranges_.end()) {
      return Status(StatusCode::kInternal,
                    "calibration observed no values for tensor '" + name + "'");
    }
    SetActivation(name, AsymmetricParams(range->second.min, range->second.max));
    return Status::Ok();
  }

  void SetActivation(const std::string& name, Quantization params) {
    Tensor& t = graph_.tensor(name);
    t.type = DataType::kInt8;
    t.quantization = std::move(params);
  }

  // Replaces constant input `index` of `node` by `quantized`; a constant other nodes read too
  // keeps its float value for them under its old name.
  void ReplaceConstant(Node& node, size_t index, Tensor quantized) {
    const std::string& name = node.inputs[index];
    if (graph_.consumer_count(name) == 1) {
      graph_.tensor(name) = std::move(quantized);
    } else {
      node.inputs[index] = graph_.add_tensor(std::move(quantized));
    }
  }

  // The fused activation range as int8 bounds in the output's parameters.
  void SetOutputRange(Node& node) {
    const Tensor& out = graph_.tensor(node.outputs[0]);
    const double scale = Scale(out);
    const int32_t zero_point = ZeroPoint(out);
    const ActivationRange& range = node.activation;
    Requantization& r = node.requantization;
    r.output_min = std::isfinite(range.min)
                       ? Clamp(zero_point + std::nearbyint(range.min / scale), kInt8Min, kInt8Max)
                       : kInt8Min;
    r.output_max = std::isfinite(range.max)
                       ? Clamp(zero_point + std::nearbyint(range.max / scale), kInt8Min, kInt8Max)
                       : kInt8Max;
    node.has_requantization = true;
  }

  Status QuantizeNode(Node& node) {
    const std::string& op = node.op;
    const std::string& output = node.outputs[0];
    if (op == "MAX_POOL_2D" || op == "RESHAPE" || op == "TRANSPOSE" || op == "SLICE" ||
        op == "GATHER" || op == "PAD" || op == "RESIZE" || op == "CHANNEL_SHUFFLE") {
      const Quantization params = graph_.tensor(node.inputs[0]).quantization;
      for (const std::string& part : node.outputs) SetActivation(part, params);
      if (op == "MAX_POOL_2D") SetOutputRange(node);
      // PAD's constant takes the input's parameters: padding moves no value but this one.
      if (op == "PAD" && node.inputs.size() > 1) {
        ReplaceConstant(node, 1, QuantizeWithParams(graph_.tensor(node.inputs[1]), params));
      }
      // A linear resize blends values in the input's range: the output keeps its parameters.
      if (op == "RESIZE" && node.attribute_text("mode", "") == "linear") {
        node.requantization.multiplier = {1.0f};
        SetOutputRange(node);
      }
      return Status::Ok();
    }
    // The max or min of int8 values is one of them: the input's parameters hold it exactly, with
    // no second rounding (unless the model came quantized with parameters of its own for it).
    const std::string function = node.attribute_text("function", "");
    if (op == "REDUCE" && (function == "Max" || function == "Min") &&
        graph_.tensor(output).quantization.scale.empty()) {
      SetActivation(output, graph_.tensor(node.inputs[0]).quantization);
      node.requantization.multiplier = {1.0f};
      SetOutputRange(node);
      return Status::Ok();
    }
    if (op == "SOFTMAX") {
      SetActivation(output, SoftmaxOutputParams());
      const double input_scale = Scale(graph_.tensor(node.inputs[0]));
      node.inputs.push_back(graph_.add_tensor(SoftmaxTable(node.name + "/exp_table", input_scale)));
      return Status::Ok();
    }
    QRUN_RETURN_IF_ERROR(QuantizeFromRange(output, &node));
    const double output_scale = Scale(graph_.tensor(output));
    if (op == "CONV_2D" || op == "FULLY_CONNECTED" || op == "TRANSPOSE_CONV_2D") {
      const double input_scale = Scale(graph_.tensor(node.inputs[0]));
      Tensor weights = QuantizeWeights(graph_.tensor(node.inputs[1]), node, options_);
      const std::vector<float> weight_scales = weights.quantization.scale;
      ReplaceConstant(node, 1, std::move(weights));
      ReplaceConstant(node, 2,
                      QuantizeBias(graph_.tensor(node.inputs[2]), input_scale, weight_scales));
      for (float weight_scale : weight_scales) {
        node.requantization.multiplier.push_back(
            Multiplier(input_scale * weight_scale, output_scale));
      }
    } else if (op == "ADD" || op == "CONCATENATION") {
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        if (graph_.is_constant(node.inputs[i])) {
          ReplaceConstant(node, i, QuantizeAsymmetric(graph_.tensor(node.inputs[i])));
        }
        node.requantization.multiplier.push_back(
            Multiplier(Scale(graph_.tensor(node.inputs[i])), output_scale));
      }
    } else if (op == "MUL") {
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        if (graph_.is_constant(node.inputs[i])) {
          ReplaceConstant(node, i, QuantizeAsymmetric(graph_.tensor(node.inputs[i])));
        }
      }
      node.requantization.multiplier = {
          Multiplier(Scale(graph_.tensor(node.inputs[0])) * Scale(graph_.tensor(node.inputs[1])),
                     output_scale)};
    } else if (op == "ELEMENTWISE_BINARY") {
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        if (graph_.is_constant(node.inputs[i])) {
          ReplaceConstant(node, i, QuantizeAsymmetric(graph_.tensor(node.inputs[i])));
        }
      }
      const double a_scale = Scale(graph_.tensor(node.inputs[0]));
      const double b_scale = Scale(graph_.tensor(node.inputs[1]));
      if (function == "Div") {
        node.requantization.multiplier = {Multiplier(a_scale, b_scale * output_scale)};
      } else {
        node.requantization.multiplier = {Multiplier(a_scale, output_scale),
                                          Multiplier(b_scale, output_scale)};
      }
    } else if (op == "PRELU") {
      const double input_scale = Scale(graph_.tensor(node.inputs[0]));
      ReplaceConstant(
          node, 1,
          NegativeSideMultipliers(graph_.tensor(node.inputs[1]), input_scale, output_scale));
      float_tensors_.insert(node.inputs[1]);
      node.requantization.multiplier = {Multiplier(input_scale, output_scale)};
    } else if (op == "REDUCE") {
      node.requantization.multiplier = {
          Multiplier(Scale(graph_.tensor(node.inputs[0])), output_scale)};
    } else if (op == "BATCH_MATMUL") {
      node.requantization.multiplier = {
          Multiplier(Scale(graph_.tensor(node.inputs[0])) * Scale(graph_.tensor(node.inputs[1])),
                     output_scale)};
    } else if (op == "LAYER_NORM") {
      if (node.outputs.size() != 1) {
        return UnsupportedNode(graph_, node,
                               "in int8 it has no Mean and InvStdDev outputs: keep it in fp32");
      }
      // gamma and beta stay float: the runtime folds them with the output's scale at load.
      return Status::Ok();
    } else if (op == "ELEMENTWISE_UNARY") {
      node.inputs.push_back(graph_.add_tensor(LookupTable(
          node.name + "/table", node, graph_.tensor(node.inputs[0]), graph_.tensor(output))));
      return Status::Ok();
    } else if (op == "AVERAGE_POOL_2D" || op == "MEAN") {
      node.requantization.multiplier = {
          Multiplier(Scale(graph_.tensor(node.inputs[0])), output_scale)};
    } else {
      return UnsupportedNode(graph_, node, "no int8 quantization for this operator");
    }
    SetOutputRange(node);
    return Status::Ok();
  }

  const TensorRanges& ranges_;
  const QuantizeOptions& options_;
  Graph& graph_;
  // Tensors that stay float: those of nodes kept in fp32 (see mixed_precision.h), which sit
  // between a DEQUANTIZE and a QUANTIZE, and float parameters of int8 ops.
  std::set<std::string> float_tensors_;
};

}  // namespace

Status QuantizeWeightsForDynamicUse(const QuantizeOptions& options, Graph& graph) {
  for (Node& node : graph.nodes) {
    if (node.op != "FULLY_CONNECTED") continue;
    const std::string weights = node.inputs[1];
    Tensor quantized = QuantizeWeights(graph.tensor(weights), node, options);
    if (graph.consumer_count(weights) == 1) {
      graph.tensor(weights) = std::move(quantized);
    } else {
      node.inputs[1] = graph.add_tensor(std::move(quantized));
    }
  }
  graph.remove_unused_tensors();
  return Status::Ok();
}

Status QuantizeGraph(const TensorRanges& ranges, const QuantizeOptions& options, Graph& graph) {
  return Quantizer(ranges, options, graph).Run();
}

}  // namespace qrun::converter
