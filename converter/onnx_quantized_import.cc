#include "converter/onnx_quantized_import.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "converter/onnx_proto.h"

namespace qrun::converter {
namespace {

using onnx::TensorProto_DataType_FLOAT;
using onnx::TensorProto_DataType_INT32;
using onnx::TensorProto_DataType_INT8;
using onnx::TensorProto_DataType_UINT8;

// Ops that mark a model as quantized, by their domain-qualified names.
const std::set<std::string> kQuantizedOps = {"QuantizeLinear",
                                             "DequantizeLinear",
                                             "QLinearConv",
                                             "QLinearMatMul",
                                             "ConvInteger",
                                             "MatMulInteger",
                                             "DynamicQuantizeLinear",
                                             "com.microsoft.QGemm",
                                             "com.microsoft.QLinearAdd",
                                             "com.microsoft.QLinearMul",
                                             "com.microsoft.QLinearAveragePool",
                                             "com.microsoft.QLinearGlobalAveragePool",
                                             "com.microsoft.QLinearConcat",
                                             "com.microsoft.QLinearSigmoid"};
// The inputs each op needs at least (the rest are optional).
const std::map<std::string, int> kMinimumInputs = {{"QuantizeLinear", 2},
                                                   {"DequantizeLinear", 2},
                                                   {"QLinearConv", 8},
                                                   {"QLinearMatMul", 8},
                                                   {"com.microsoft.QGemm", 6},
                                                   {"com.microsoft.QLinearAdd", 7},
                                                   {"com.microsoft.QLinearMul", 7},
                                                   {"com.microsoft.QLinearAveragePool", 4},
                                                   {"com.microsoft.QLinearGlobalAveragePool", 4},
                                                   {"com.microsoft.QLinearConcat", 5},
                                                   {"com.microsoft.QLinearSigmoid", 4}};
// Ops of dynamic quantization, whose scales are only known at run time.
const std::set<std::string> kDynamicOps = {"ConvInteger", "MatMulInteger", "DynamicQuantizeLinear"};
// Ops that take an integer tensor as it is and give one with the same parameters: ONNX's
// MaxPool compares the integers, Flatten and Reshape move them.
const std::set<std::string> kParameterKeepingOps = {"MaxPool", "Flatten", "Reshape", "Identity"};
// Ops that a Clip after them fuses into (activation_fusion.cc).
const std::set<std::string> kClipFusingOps = {"Conv", "Gemm",    "MatMul",     "Add",
                                              "Mul",  "MaxPool", "AveragePool"};

std::string QualifiedOp(const onnx::NodeProto& node) {
  return IsDefaultDomain(node.domain()) ? node.op_type() : node.domain() + "." + node.op_type();
}

// A quantized tensor's parameters as the model stores them.
struct Parameters {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int type = TensorProto_DataType_INT8;  // of the quantized values: INT8, UINT8 or INT32
};

// The parameters qrun's int8 tensors take: a uint8 zero point moves down by 128, which keeps
// every real value, since the uint8 values move with it.
Quantization Int8Form(const Parameters& p, int channel_axis) {
  Quantization q;
  q.scale = p.scale;
  const int64_t shift = p.type == TensorProto_DataType_UINT8 ? 128 : 0;
  for (int64_t zero_point : p.zero_point) q.zero_point.push_back(zero_point - shift);
  q.channel_axis = p.scale.size() > 1 ? channel_axis : -1;
  return q;
}

bool SameParameters(const Quantization& a, const Quantization& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point;
}

std::string Describe(const Quantization& q) {
  char text[64];
  std::snprintf(text, sizeof text, "scale %.9g and zero point %d", q.scale.at(0),
                q.zero_point.at(0));
  return text;
}

std::string TypeName(int type) {
  switch (type) {
    case TensorProto_DataType_INT8: return "int8";
    case TensorProto_DataType_UINT8: return "uint8";
    case TensorProto_DataType_INT32: return "int32";
    case TensorProto_DataType_FLOAT: return "float";
    default: return "ONNX data type " + std::to_string(type);
  }
}

// The index along `axis` (of `dims`) of element `index`.
int64_t ChannelOf(int64_t index, const std::vector<int64_t>& dims, int64_t axis) {
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < dims.size(); ++d) inner *= dims[d];
  return (index / inner) % dims[static_cast<size_t>(axis)];
}

onnx::TensorProto FloatProto(const std::string& name, const std::vector<int64_t>& dims,
                             const std::vector<float>& values) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(TensorProto_DataType_FLOAT);
  for (int64_t dim : dims) proto.add_dims(dim);
  std::string raw(values.size() * sizeof(float), '\0');
  std::memcpy(&raw[0], values.data(), raw.size());
  proto.set_raw_data(raw);
  return proto;
}

// int8 and uint8 values sit in int32_data (ONNX's rule for narrow types).
onnx::TensorProto IntegerProto(const std::string& name, const std::vector<int64_t>& dims,
                               const std::vector<int64_t>& values, int type) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(type);
  for (int64_t dim : dims) proto.add_dims(dim);
  for (int64_t v : values) proto.add_int32_data(static_cast<int32_t>(v));
  return proto;
}

class QuantizedModelRewrite {
 public:
  QuantizedModelRewrite(onnx::ModelProto* model, int64_t opset,
                        std::map<std::string, Quantization>* presets)
      : model_(*model), graph_(*model->mutable_graph()), opset_(opset), presets_(*presets) {}

  Status Run() {
    IndexNamesAndConstants();
    for (int i = 0; i < graph_.node_size(); ++i) {
      onnx::NodeProto node = graph_.node(i);
      // Named as the importer would name it in the source model.
      node.set_name(NodeName(node, i));
      QRUN_RETURN_IF_ERROR(Rewrite(node));
    }
    Finish();
    return Status::Ok();
  }

 private:
  // A constant's values, and the ONNX type they had.
  struct ConstantValue {
    Tensor tensor;
    int type = 0;
  };
  // An integer tensor the model computes, with the parameters that give its real values.
  struct QuantizedTensor {
    Quantization params;
    bool is_uint8 = false;
  };

  Status Refuse(const onnx::NodeProto& node, const std::string& detail) const {
    return Unsupported("node '" + node.name() + "' (op " + QualifiedOp(node) + ", opset " +
                       std::to_string(opset_) + ") is not supported: " + detail);
  }

  void IndexNamesAndConstants() {
    for (const onnx::TensorProto& initializer : graph_.initializer()) {
      constant_protos_[initializer.name()] = &initializer;
      names_.insert(initializer.name());
    }
    for (const onnx::ValueInfoProto& value : graph_.input()) names_.insert(value.name());
    for (const onnx::ValueInfoProto& value : graph_.output()) ++readers_[value.name()];
    for (const onnx::NodeProto& node : graph_.node()) {
      for (const std::string& input : node.input()) ++readers_[input];
      for (const std::string& output : node.output()) names_.insert(output);
      if (node.op_type() == "Constant" && node.output_size() == 1 && node.attribute_size() == 1 &&
          node.attribute(0).name() == "value") {
        constant_protos_[node.output(0)] = &node.attribute(0).t();
      }
    }
  }

  std::string NewName(const std::string& base) {
    std::string name = base;
    for (int suffix = 1; names_.count(name); ++suffix) name = base + "_" + std::to_string(suffix);
    names_.insert(name);
    return name;
  }

  // The constant `name` as `node` reads it, or null when `name` is not a constant.
  Status Constant(const onnx::NodeProto& node, const std::string& name,
                  const ConstantValue** value) {
    *value = nullptr;
    auto cached = constants_.find(name);
    if (cached != constants_.end()) {
      *value = &cached->second;
      return Status::Ok();
    }
    auto proto = constant_protos_.find(name);
    if (proto == constant_protos_.end()) return Status::Ok();
    const int type = proto->second->data_type();
    if (type != TensorProto_DataType_FLOAT && type != TensorProto_DataType_INT8 &&
        type != TensorProto_DataType_UINT8 && type != TensorProto_DataType_INT32) {
      return Refuse(node, "'" + name + "' is " + TypeName(type) +
                              "; quantized models take float scales and int8, uint8 or int32 "
                              "integers");
    }
    ConstantValue read;
    read.type = type;
    QRUN_RETURN_IF_ERROR(ReadTensorProto(*proto->second, &read.tensor));
    *value = &(constants_[name] = std::move(read));
    return Status::Ok();
  }

  Status AddConstant(onnx::TensorProto proto) {
    ConstantValue value;
    value.type = proto.data_type();
    QRUN_RETURN_IF_ERROR(ReadTensorProto(proto, &value.tensor));
    constants_[proto.name()] = std::move(value);
    added_constants_.push_back(std::move(proto));
    return Status::Ok();
  }

  // The scale and zero point inputs of `node`; an omitted zero point is 0 of `omitted_type`.
  Status ReadParameters(const onnx::NodeProto& node, const std::string& scale_name,
                        const std::string& zero_point_name, int omitted_type, Parameters* params) {
    const ConstantValue* scale = nullptr;
    QRUN_RETURN_IF_ERROR(Constant(node, scale_name, &scale));
    if (scale == nullptr || scale->type != TensorProto_DataType_FLOAT ||
        scale->tensor.float_data.empty()) {
      return Refuse(node, "its scale '" + scale_name +
                              "' is not a float constant (scales computed at run time are "
                              "dynamic quantization)");
    }
    params->scale = scale->tensor.float_data;
    for (float s : params->scale) {
      if (!(s > 0.0f) || !std::isfinite(s)) {
        return Refuse(node, "its scale '" + scale_name + "' holds " + std::to_string(s) +
                                ", not a positive finite number");
      }
    }
    if (zero_point_name.empty()) {
      params->type = omitted_type;
      params->zero_point.assign(params->scale.size(), 0);
      return Status::Ok();
    }
    const ConstantValue* zero_point = nullptr;
    QRUN_RETURN_IF_ERROR(Constant(node, zero_point_name, &zero_point));
    if (zero_point == nullptr) {
      return Refuse(node, "its zero point '" + zero_point_name + "' is not a constant");
    }
    if (zero_point->type == TensorProto_DataType_FLOAT) {
      return Refuse(node, "its zero point '" + zero_point_name + "' is float");
    }
    params->type = zero_point->type;
    params->zero_point = zero_point->tensor.int64_data;
    const int64_t low = params->type == TensorProto_DataType_UINT8  ? 0
                        : params->type == TensorProto_DataType_INT8 ? -128
                                                                    : INT32_MIN;
    const int64_t high = params->type == TensorProto_DataType_UINT8  ? 255
                         : params->type == TensorProto_DataType_INT8 ? 127
                                                                     : INT32_MAX;
    for (int64_t z : params->zero_point) {
      if (z < low || z > high) {
        return Refuse(node, "its zero point '" + zero_point_name + "' holds " + std::to_string(z) +
                                ", outside the " + TypeName(params->type) + " range");
      }
    }
    if (params->zero_point.size() != params->scale.size()) {
      return Refuse(node, "its zero point '" + zero_point_name + "' has " +
                              std::to_string(params->zero_point.size()) +
                              " elements and its scale " + std::to_string(params->scale.size()));
    }
    return Status::Ok();
  }

  // Per-tensor parameters of an integer activation, in int8 form.
  Status ActivationParameters(const onnx::NodeProto& node, const std::string& tensor,
                              const Parameters& params, Quantization* q) {
    if (params.scale.size() != 1) {
      return Refuse(node, "'" + tensor + "' is quantized per channel (" +
                              std::to_string(params.scale.size()) +
                              " scales); qrun quantizes activations per tensor");
    }
    if (params.type != TensorProto_DataType_INT8 && params.type != TensorProto_DataType_UINT8) {
      return Refuse(node, "'" + tensor + "' is quantized to " + TypeName(params.type) +
                              "; qrun takes int8 and uint8 activations");
    }
    *q = Int8Form(params, -1);
    return Status::Ok();
  }

  // Records `q` as the scale and zero point of `tensor`, which must not have others already.
  Status SetPreset(const onnx::NodeProto& node, const std::string& tensor, const Quantization& q) {
    auto known = presets_.find(tensor);
    if (known == presets_.end()) {
      presets_[tensor] = q;
    } else if (!SameParameters(known->second, q)) {
      return Refuse(node, "it gives '" + tensor + "' " + Describe(q) + ", where it has " +
                              Describe(known->second) +
                              " already; qrun has no op that requantizes a tensor as it is");
    }
    return Status::Ok();
  }

  Status SetQuantizedOutput(const onnx::NodeProto& node, const std::string& output,
                            const Quantization& q, bool is_uint8) {
    quantized_[output] = {q, is_uint8};
    return SetPreset(node, output, q);
  }

  // `axis` of a tensor of shape `dims` counted from 0, checked to have one of `channels`
  // scales per index when there is more than one.
  Status ChannelAxis(const onnx::NodeProto& node, const std::string& name,
                     const std::vector<int64_t>& dims, size_t channels, int64_t* axis) {
    if (*axis < 0) *axis += static_cast<int64_t>(dims.size());
    if (channels > 1 && (*axis < 0 || *axis >= static_cast<int64_t>(dims.size()) ||
                         dims[static_cast<size_t>(*axis)] != static_cast<int64_t>(channels))) {
      return Refuse(node, "'" + name + "' of shape " + ShapeToString(dims) + " has " +
                              std::to_string(channels) + " scales, not one per index of axis " +
                              std::to_string(*axis));
    }
    return Status::Ok();
  }

  // The constant operand `first` of `node` (its value, scale and zero point at `first`,
  // `first` + 1 and `first` + 2) dequantized as ONNX does it, in float: (q - zero point) *
  // scale, along `axis` when the parameters are per channel (none: they must be per tensor).
  // The float constant is called `output`; weights keep their parameters on it as a preset.
  Status DequantizeConstant(const onnx::NodeProto& node, int first, std::optional<int64_t> axis,
                            const std::string& output, Parameters* params) {
    const std::string& name = node.input(first);
    const ConstantValue* constant = nullptr;
    QRUN_RETURN_IF_ERROR(Constant(node, name, &constant));
    const std::string zero_point = node.input_size() > first + 2 ? node.input(first + 2) : "";
    QRUN_RETURN_IF_ERROR(
        ReadParameters(node, node.input(first + 1), zero_point, constant->type, params));
    if (constant->type != params->type) {
      return Refuse(node, "'" + name + "' is " + TypeName(constant->type) + " and its zero point " +
                              TypeName(params->type));
    }
    const size_t channels = params->scale.size();
    if (channels > 1 && !axis) {
      return Refuse(node, "'" + name + "' is quantized per channel where only per-tensor " +
                              "parameters are defined");
    }
    const std::vector<int64_t>& dims = constant->tensor.shape;
    int64_t channel_axis = axis.value_or(0);
    QRUN_RETURN_IF_ERROR(ChannelAxis(node, name, dims, channels, &channel_axis));
    const std::vector<int64_t>& q = constant->tensor.int64_data;
    std::vector<float> real(q.size());
    for (size_t i = 0; i < q.size(); ++i) {
      const size_t c =
          channels > 1 ? static_cast<size_t>(ChannelOf(static_cast<int64_t>(i), dims, channel_axis))
                       : 0;
      real[i] = static_cast<float>(q[i] - params->zero_point[c]) * params->scale[c];
    }
    if (params->type != TensorProto_DataType_INT32) {
      presets_[output] = Int8Form(*params, static_cast<int>(channel_axis));
    }
    return AddConstant(FloatProto(output, dims, real));
  }

  // The float form of operand `first` of `node` (see DequantizeConstant): a constant dequantized
  // along `axis`, or an integer activation, which must have these parameters. Appends the float
  // tensor's name to `target`'s inputs.
  Status Operand(const onnx::NodeProto& node, int first, std::optional<int64_t> axis,
                 onnx::NodeProto* target, Parameters* params) {
    const std::string& name = node.input(first);
    const ConstantValue* constant = nullptr;
    QRUN_RETURN_IF_ERROR(Constant(node, name, &constant));
    if (constant != nullptr) {
      const std::string real_name = NewName(name + "/dequantized");
      QRUN_RETURN_IF_ERROR(DequantizeConstant(node, first, axis, real_name, params));
      target->add_input(real_name);
      return Status::Ok();
    }
    auto quantized = quantized_.find(name);
    if (quantized == quantized_.end()) {
      return Refuse(node, "its input '" + name +
                              "' is neither a constant nor an integer tensor that a "
                              "QuantizeLinear or quantized op of the model computes");
    }
    const bool is_uint8 = quantized->second.is_uint8;
    const std::string zero_point = node.input_size() > first + 2 ? node.input(first + 2) : "";
    QRUN_RETURN_IF_ERROR(
        ReadParameters(node, node.input(first + 1), zero_point,
                       is_uint8 ? TensorProto_DataType_UINT8 : TensorProto_DataType_INT8, params));
    Quantization q;
    QRUN_RETURN_IF_ERROR(ActivationParameters(node, name, *params, &q));
    if (!SameParameters(q, quantized->second.params)) {
      return Refuse(node, "it reads '" + name + "' with " + Describe(q) + ", but '" + name +
                              "' was quantized with " + Describe(quantized->second.params));
    }
    target->add_input(name);
    return Status::Ok();
  }

  // An int32 bias, `input` of `node`, in float: q * (scale_base * weight scale[c]), computed in
  // float as ONNX Runtime's quantizer computes the bias scale.
  Status Bias(const onnx::NodeProto& node, int input, float scale_base, const Parameters& weights,
              int64_t channels, onnx::NodeProto* target) {
    const std::string& name = node.input(input);
    const ConstantValue* bias = nullptr;
    QRUN_RETURN_IF_ERROR(Constant(node, name, &bias));
    if (bias == nullptr || bias->type != TensorProto_DataType_INT32) {
      return Refuse(node, "its bias '" + name + "' is not an int32 constant");
    }
    const std::vector<int64_t>& q = bias->tensor.int64_data;
    const bool per_channel = weights.scale.size() > 1;
    if (q.size() != 1 && static_cast<int64_t>(q.size()) != channels) {
      return Refuse(node, "its bias '" + name + "' has " + std::to_string(q.size()) +
                              " values for " + std::to_string(channels) + " output channels");
    }
    std::vector<int64_t> dims = bias->tensor.shape;
    const size_t count = q.size() == 1 && per_channel ? static_cast<size_t>(channels) : q.size();
    if (count != q.size()) dims = {channels};
    std::vector<float> real(count);
    for (size_t c = 0; c < count; ++c) {
      const float scale = scale_base * weights.scale[per_channel ? c : 0];
      real[c] = static_cast<float>(q[q.size() == 1 ? 0 : c]) * scale;
    }
    const std::string real_name = NewName(name + "/dequantized");
    QRUN_RETURN_IF_ERROR(AddConstant(FloatProto(real_name, dims, real)));
    target->add_input(real_name);
    return Status::Ok();
  }

  // The output parameters of a QLinear op, at inputs `scale` and `scale` + 1.
  Status Output(const onnx::NodeProto& node, int scale, bool uint8_inputs, Quantization* q) {
    if (node.input_size() <= scale || node.input(scale).empty()) {
      return Refuse(node,
                    "its output is float (no output scale); qrun needs its int8 "
                    "parameters");
    }
    const std::string zero_point = node.input_size() > scale + 1 ? node.input(scale + 1) : "";
    Parameters params;
    QRUN_RETURN_IF_ERROR(ReadParameters(
        node, node.input(scale), zero_point,
        uint8_inputs ? TensorProto_DataType_UINT8 : TensorProto_DataType_INT8, &params));
    QRUN_RETURN_IF_ERROR(ActivationParameters(node, node.output(0), params, q));
    return SetQuantizedOutput(node, node.output(0), *q, params.type == TensorProto_DataType_UINT8);
  }

  // The float op `op` in place of `node`: its name, first output and attributes (but ONNX
  // Runtime's channels_last, which must be 0); the caller adds the inputs.
  Status FloatNode(const onnx::NodeProto& node, const std::string& op, onnx::NodeProto* out) {
    out->set_name(node.name());
    out->set_op_type(op);
    out->add_output(node.output(0));
    for (const onnx::AttributeProto& attribute : node.attribute()) {
      if (attribute.name() == "channels_last") {
        if (attribute.i() != 0) return Refuse(node, "channels_last=1 (NHWC input)");
        continue;
      }
      *out->add_attribute() = attribute;
    }
    return Status::Ok();
  }

  Status Emit(onnx::NodeProto node) {
    for (const std::string& output : node.output()) producers_[output] = rewritten_.size();
    rewritten_.push_back(std::move(node));
    return Status::Ok();
  }

  // Clip(input) -> output to the real range of int8 values with parameters `q`: what quantizing
  // to `q` does besides rounding. ONNX Runtime leaves out a Relu when the quantization after it
  // clips the same, so the float graph (--float, or a model calibrated in part) needs this; in
  // the int8 graph its bounds are the int8 range itself, so it costs nothing once fused.
  Status EmitClip(const std::string& name, const std::string& input, const std::string& output,
                  const Quantization& q) {
    const float scale = q.scale[0];
    const std::string min = NewName(output + "/min"), max = NewName(output + "/max");
    QRUN_RETURN_IF_ERROR(
        AddConstant(FloatProto(min, {}, {static_cast<float>(-128 - q.zero_point[0]) * scale})));
    QRUN_RETURN_IF_ERROR(
        AddConstant(FloatProto(max, {}, {static_cast<float>(127 - q.zero_point[0]) * scale})));
    onnx::NodeProto clip;
    clip.set_name(name);
    clip.set_op_type("Clip");
    clip.add_input(input);
    clip.add_input(min);
    clip.add_input(max);
    clip.add_output(output);
    return Emit(std::move(clip));
  }

  // Whether a Clip reading `tensor` fuses into the op that writes it: that op takes a fused
  // activation and nothing else reads `tensor`.
  bool ClipFuses(const std::string& tensor) const {
    auto producer = producers_.find(tensor);
    auto readers = readers_.find(tensor);
    return producer != producers_.end() &&
           kClipFusingOps.count(rewritten_[producer->second].op_type()) &&
           readers != readers_.end() && readers->second == 1;
  }

  // Clip (see EmitClip) between `tensor` and the op that writes it, which then writes `tensor`
  // unclamped; `tensor` keeps its name, and the op that the Clip fuses into keeps it too.
  Status ClipBehindProducer(const std::string& name, const std::string& tensor,
                            const Quantization& q) {
    onnx::NodeProto& producer = rewritten_[producers_.at(tensor)];
    const std::string unclamped = NewName(tensor + "/unclamped");
    for (std::string& output : *producer.mutable_output()) {
      if (output == tensor) output = unclamped;
    }
    producers_[unclamped] = producers_.at(tensor);
    return EmitClip(name, unclamped, tensor, q);
  }

  // The float op that stands for a QLinear op, followed by the Clip of its integer result's
  // range (see EmitClip) when that Clip fuses into it.
  Status EmitSaturating(onnx::NodeProto node, const Quantization& q) {
    if (!kClipFusingOps.count(node.op_type())) return Emit(std::move(node));
    const std::string output = node.output(0);
    const std::string unsaturated = NewName(output + "/unsaturated");
    node.set_output(0, unsaturated);
    const std::string name = node.name();
    QRUN_RETURN_IF_ERROR(Emit(std::move(node)));
    return EmitClip(name + "/saturation", unsaturated, output, q);
  }

  Status Rewrite(const onnx::NodeProto& node) {
    const std::string op = QualifiedOp(node);
    auto minimum = kMinimumInputs.find(op);
    if (minimum != kMinimumInputs.end() &&
        (node.input_size() < minimum->second || node.output_size() < 1)) {
      return InvalidModel("node '" + node.name() + "' (op " + op +
                          "): " + std::to_string(node.input_size()) + " inputs and " +
                          std::to_string(node.output_size()) +
                          " outputs, where it takes at least " + std::to_string(minimum->second) +
                          " inputs and one output");
    }
    if (op == "QuantizeLinear") return QuantizeLinear(node);
    if (op == "DequantizeLinear") return DequantizeLinear(node);
    if (op == "QLinearConv") return QLinearConv(node);
    if (op == "QLinearMatMul") return QLinearMatMul(node);
    if (op == "com.microsoft.QGemm") return QGemm(node);
    if (op == "com.microsoft.QLinearAdd") return QLinearBinary(node, "Add");
    if (op == "com.microsoft.QLinearMul") return QLinearBinary(node, "Mul");
    if (op == "com.microsoft.QLinearAveragePool") return QLinearUnary(node, "AveragePool");
    if (op == "com.microsoft.QLinearGlobalAveragePool") {
      return QLinearUnary(node, "GlobalAveragePool");
    }
    if (op == "com.microsoft.QLinearSigmoid") return QLinearUnary(node, "Sigmoid");
    if (op == "com.microsoft.QLinearConcat") return QLinearConcat(node);
    if (kDynamicOps.count(op)) {
      return Refuse(node,
                    "dynamic quantization (scales computed at run time) cannot be converted; "
                    "quantize the model statically (QDQ or QOperator format)");
    }
    return OtherOp(node);
  }

  // QuantizeLinear(x, scale, zero point) -> y. On an activation x: y = Identity(x), after the
  // Clip of x to its range where that fuses, and x and y take the parameters. On a constant: y is
  // the quantized constant.
  Status QuantizeLinear(const onnx::NodeProto& node) {
    const std::string& x = node.input(0);
    const std::string zero_point = node.input_size() > 2 ? node.input(2) : "";
    Parameters params;
    QRUN_RETURN_IF_ERROR(
        ReadParameters(node, node.input(1), zero_point, TensorProto_DataType_UINT8, &params));
    const ConstantValue* constant = nullptr;
    QRUN_RETURN_IF_ERROR(Constant(node, x, &constant));
    if (constant != nullptr) return QuantizeConstant(node, *constant, params);
    Quantization q;
    QRUN_RETURN_IF_ERROR(ActivationParameters(node, x, params, &q));
    QRUN_RETURN_IF_ERROR(SetPreset(node, x, q));
    QRUN_RETURN_IF_ERROR(
        SetQuantizedOutput(node, node.output(0), q, params.type == TensorProto_DataType_UINT8));
    if (ClipFuses(x)) QRUN_RETURN_IF_ERROR(ClipBehindProducer(node.name() + "/range", x, q));
    return EmitIdentity(node, x);
  }

  // Weights the model quantizes itself (fake quantization): round(x / scale) + zero point,
  // saturated, half to even as ONNX rounds.
  Status QuantizeConstant(const onnx::NodeProto& node, const ConstantValue& constant,
                          const Parameters& params) {
    if (constant.type != TensorProto_DataType_FLOAT) {
      return Refuse(node,
                    "it quantizes '" + node.input(0) + "', which is " + TypeName(constant.type));
    }
    if (params.type != TensorProto_DataType_INT8 && params.type != TensorProto_DataType_UINT8) {
      return Refuse(node,
                    "it quantizes to " + TypeName(params.type) + "; qrun takes int8 and uint8");
    }
    const bool is_uint8 = params.type == TensorProto_DataType_UINT8;
    const double low = is_uint8 ? 0 : -128, high = is_uint8 ? 255 : 127;
    const std::vector<int64_t>& dims = constant.tensor.shape;
    const size_t channels = params.scale.size();
    int64_t axis = AxisAttribute(node);
    QRUN_RETURN_IF_ERROR(ChannelAxis(node, node.input(0), dims, channels, &axis));
    const std::vector<float>& x = constant.tensor.float_data;
    std::vector<int64_t> q(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      const size_t c =
          channels > 1 ? static_cast<size_t>(ChannelOf(static_cast<int64_t>(i), dims, axis)) : 0;
      const double level = std::nearbyint(x[i] / params.scale[c]) + params.zero_point[c];
      q[i] = static_cast<int64_t>(std::min(std::max(level, low), high));
    }
    return AddConstant(IntegerProto(node.output(0), dims, q, params.type));
  }

  // DequantizeLinear(x, scale, zero point) -> y. On a constant x: y is its float value. On an
  // integer activation: y = Identity(x), with x's parameters, which these must be.
  Status DequantizeLinear(const onnx::NodeProto& node) {
    const ConstantValue* constant = nullptr;
    QRUN_RETURN_IF_ERROR(Constant(node, node.input(0), &constant));
    Parameters params;
    if (constant != nullptr) {
      return DequantizeConstant(node, 0, AxisAttribute(node), node.output(0), &params);
    }
    onnx::NodeProto identity;
    QRUN_RETURN_IF_ERROR(Operand(node, 0, std::nullopt, &identity, &params));
    QRUN_RETURN_IF_ERROR(SetPreset(node, node.output(0), quantized_.at(node.input(0)).params));
    return EmitIdentity(node, node.input(0));
  }

  static int64_t AxisAttribute(const onnx::NodeProto& node) {
    for (const onnx::AttributeProto& attribute : node.attribute()) {
      if (attribute.name() == "axis") return attribute.i();
    }
    return 1;
  }

  Status EmitIdentity(const onnx::NodeProto& node, const std::string& input) {
    onnx::NodeProto identity;
    identity.set_name(node.name());
    identity.set_op_type("Identity");
    identity.add_input(input);
    identity.add_output(node.output(0));
    return Emit(std::move(identity));
  }

  // QLinearConv(x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B):
  // B is int32 with scale x_scale * w_scale.
  Status QLinearConv(const onnx::NodeProto& node) {
    onnx::NodeProto conv;
    QRUN_RETURN_IF_ERROR(FloatNode(node, "Conv", &conv));
    Parameters x, w;
    QRUN_RETURN_IF_ERROR(Operand(node, 0, std::nullopt, &conv, &x));
    QRUN_RETURN_IF_ERROR(Operand(node, 3, 0, &conv, &w));
    auto weights = constants_.find(conv.input(1));
    if (weights == constants_.end() || weights->second.tensor.shape.empty()) {
      return Refuse(node, "its weights are not a constant");
    }
    if (node.input_size() > 8 && !node.input(8).empty()) {
      const int64_t channels = weights->second.tensor.shape[0];
      QRUN_RETURN_IF_ERROR(Bias(node, 8, x.scale[0], w, channels, &conv));
    }
    Quantization y;
    QRUN_RETURN_IF_ERROR(Output(node, 6, x.type == TensorProto_DataType_UINT8, &y));
    return EmitSaturating(std::move(conv), y);
  }

  // QLinearMatMul(a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point):
  // a constant b may have one scale per column.
  Status QLinearMatMul(const onnx::NodeProto& node) {
    onnx::NodeProto matmul;
    QRUN_RETURN_IF_ERROR(FloatNode(node, "MatMul", &matmul));
    Parameters a, b;
    QRUN_RETURN_IF_ERROR(Operand(node, 0, std::nullopt, &matmul, &a));
    QRUN_RETURN_IF_ERROR(Operand(node, 3, -1, &matmul, &b));
    Quantization y;
    QRUN_RETURN_IF_ERROR(Output(node, 6, a.type == TensorProto_DataType_UINT8, &y));
    return EmitSaturating(std::move(matmul), y);
  }

  // ONNX Runtime's QGemm(A, a_scale, a_zero_point, B, b_scale, b_zero_point, C, y_scale,
  // y_zero_point): Y = alpha * A' * B' + C, C int32 with scale alpha * a_scale * b_scale.
  Status QGemm(const onnx::NodeProto& node) {
    onnx::NodeProto gemm;
    QRUN_RETURN_IF_ERROR(FloatNode(node, "Gemm", &gemm));
    float alpha = 1.0f;
    int64_t trans_b = 0;
    for (const onnx::AttributeProto& attribute : node.attribute()) {
      if (attribute.name() == "alpha") alpha = attribute.f();
      if (attribute.name() == "transB") trans_b = attribute.i();
    }
    Parameters a, b;
    QRUN_RETURN_IF_ERROR(Operand(node, 0, std::nullopt, &gemm, &a));
    QRUN_RETURN_IF_ERROR(Operand(node, 3, trans_b ? 0 : 1, &gemm, &b));
    if (node.input_size() > 6 && !node.input(6).empty()) {
      const std::vector<int64_t>& b_dims = constants_.count(gemm.input(1))
                                               ? constants_.at(gemm.input(1)).tensor.shape
                                               : std::vector<int64_t>{};
      if (b_dims.size() != 2) return Refuse(node, "C with a B that is not a 2-D constant");
      QRUN_RETURN_IF_ERROR(Bias(node, 6, alpha * a.scale[0], b, b_dims[trans_b ? 0 : 1], &gemm));
    }
    Quantization y;
    QRUN_RETURN_IF_ERROR(Output(node, 7, a.type == TensorProto_DataType_UINT8, &y));
    return EmitSaturating(std::move(gemm), y);
  }

  // QLinearAdd / QLinearMul(A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale,
  // C_zero_point).
  Status QLinearBinary(const onnx::NodeProto& node, const std::string& op) {
    onnx::NodeProto binary;
    QRUN_RETURN_IF_ERROR(FloatNode(node, op, &binary));
    Parameters a, b;
    QRUN_RETURN_IF_ERROR(Operand(node, 0, std::nullopt, &binary, &a));
    QRUN_RETURN_IF_ERROR(Operand(node, 3, std::nullopt, &binary, &b));
    Quantization y;
    QRUN_RETURN_IF_ERROR(Output(node, 6, a.type == TensorProto_DataType_UINT8, &y));
    return EmitSaturating(std::move(binary), y);
  }

  // QLinearAveragePool, QLinearGlobalAveragePool, QLinearSigmoid(X, X_scale, X_zero_point,
  // Y_scale, Y_zero_point).
  Status QLinearUnary(const onnx::NodeProto& node, const std::string& op) {
    onnx::NodeProto unary;
    QRUN_RETURN_IF_ERROR(FloatNode(node, op, &unary));
    Parameters x;
    QRUN_RETURN_IF_ERROR(Operand(node, 0, std::nullopt, &unary, &x));
    Quantization y;
    QRUN_RETURN_IF_ERROR(Output(node, 3, x.type == TensorProto_DataType_UINT8, &y));
    return EmitSaturating(std::move(unary), y);
  }

  // QLinearConcat(Y_scale, Y_zero_point, X0, X0_scale, X0_zero_point, X1, ...).
  Status QLinearConcat(const onnx::NodeProto& node) {
    onnx::NodeProto concat;
    QRUN_RETURN_IF_ERROR(FloatNode(node, "Concat", &concat));
    if (node.input_size() < 5 || (node.input_size() - 2) % 3 != 0) {
      return Refuse(node,
                    "its inputs are not Y_scale, Y_zero_point and (X, scale, zero point) "
                    "triples");
    }
    bool uint8_inputs = false;
    for (int first = 2; first < node.input_size(); first += 3) {
      Parameters x;
      QRUN_RETURN_IF_ERROR(Operand(node, first, std::nullopt, &concat, &x));
      uint8_inputs = x.type == TensorProto_DataType_UINT8;
    }
    Quantization y;
    QRUN_RETURN_IF_ERROR(Output(node, 0, uint8_inputs, &y));
    return EmitSaturating(std::move(concat), y);
  }

  // Any other op: MaxPool, Flatten, Reshape and Identity pass an integer tensor (their first
  // input) through with its parameters; no op may read one otherwise.
  Status OtherOp(const onnx::NodeProto& node) {
    const std::string op = QualifiedOp(node);
    for (int i = 0; i < node.input_size(); ++i) {
      auto quantized = quantized_.find(node.input(i));
      if (quantized == quantized_.end()) continue;
      if (i > 0 || !kParameterKeepingOps.count(op) || node.output_size() < 1) {
        return Refuse(node, "it reads '" + node.input(i) +
                                "', an integer tensor, which only QLinear ops, DequantizeLinear, "
                                "MaxPool, Flatten and Reshape take");
      }
      const QuantizedTensor passed = quantized->second;
      QRUN_RETURN_IF_ERROR(
          SetQuantizedOutput(node, node.output(0), passed.params, passed.is_uint8));
    }
    return Emit(node);
  }

  // Installs the rewritten nodes and the new constants, drops the integer constants and
  // Constant nodes nothing reads any more, makes integer graph outputs float (their real
  // values), and forgets domains no node uses.
  void Finish() {
    std::set<std::string> read;
    for (const onnx::NodeProto& node : rewritten_) {
      read.insert(node.input().begin(), node.input().end());
    }
    for (const onnx::ValueInfoProto& output : graph_.output()) read.insert(output.name());
    graph_.clear_node();
    for (onnx::NodeProto& node : rewritten_) {
      if (node.op_type() == "Constant" && node.output_size() == 1 && !read.count(node.output(0))) {
        continue;
      }
      *graph_.add_node() = std::move(node);
    }
    google::protobuf::RepeatedPtrField<onnx::TensorProto> initializers;
    std::set<std::string> dropped;
    for (onnx::TensorProto& initializer : *graph_.mutable_initializer()) {
      if (read.count(initializer.name())) {
        *initializers.Add() = std::move(initializer);
      } else {
        dropped.insert(initializer.name());
      }
    }
    for (onnx::TensorProto& constant : added_constants_) {
      if (read.count(constant.name())) *initializers.Add() = std::move(constant);
    }
    graph_.mutable_initializer()->Swap(&initializers);
    google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> inputs;
    for (onnx::ValueInfoProto& input : *graph_.mutable_input()) {
      if (!dropped.count(input.name())) *inputs.Add() = std::move(input);
    }
    graph_.mutable_input()->Swap(&inputs);
    for (onnx::ValueInfoProto& output : *graph_.mutable_output()) {
      if (quantized_.count(output.name())) {
        output.mutable_type()->mutable_tensor_type()->set_elem_type(TensorProto_DataType_FLOAT);
      }
    }
    std::set<std::string> domains;
    for (const onnx::NodeProto& node : graph_.node()) domains.insert(node.domain());
    google::protobuf::RepeatedPtrField<onnx::OperatorSetIdProto> opsets;
    for (onnx::OperatorSetIdProto& opset : *model_.mutable_opset_import()) {
      if (IsDefaultDomain(opset.domain()) || domains.count(opset.domain())) {
        *opsets.Add() = std::move(opset);
      }
    }
    model_.mutable_opset_import()->Swap(&opsets);
  }

  onnx::ModelProto& model_;
  onnx::GraphProto& graph_;
  const int64_t opset_;
  std::map<std::string, Quantization>& presets_;
  std::set<std::string> names_;
  std::map<std::string, const onnx::TensorProto*> constant_protos_;
  std::map<std::string, ConstantValue> constants_;
  std::vector<onnx::TensorProto> added_constants_;
  std::map<std::string, QuantizedTensor> quantized_;
  std::map<std::string, int> readers_;       // node inputs and graph outputs, in the source model
  std::map<std::string, size_t> producers_;  // index in `rewritten_` of each output's writer
  std::vector<onnx::NodeProto> rewritten_;
};

bool HasQuantizedOps(const onnx::ModelProto& model) {
  for (const onnx::NodeProto& node : model.graph().node()) {
    if (kQuantizedOps.count(QualifiedOp(node))) return true;
  }
  return false;
}

}  // namespace

Status DequantizeOnnxModel(onnx::ModelProto* model, int64_t opset,
                           std::map<std::string, Quantization>* presets) {
  presets->clear();
  if (!HasQuantizedOps(*model)) return Status::Ok();
  return QuantizedModelRewrite(model, opset, presets).Run();
}

std::vector<std::string> SupportedQuantizedOnnxOps() {
  std::vector<std::string> ops;
  for (const auto& entry : kMinimumInputs) ops.push_back(entry.first);
  return ops;
}

}  // namespace qrun::converter
