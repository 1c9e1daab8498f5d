#include "converter/qfb_writer.h"

#include <cstring>
#include <limits>
#include <map>

#include "qfb_generated.h"

#ifndef QRUN_VERSION
#error "QRUN_VERSION must be defined by the build (the project version)"
#endif

namespace qrun::converter {
namespace {

namespace fb = qrun::fb;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

size_t AlignUp(size_t value) {
  return (value + kQfbBufferAlignment - 1) / kQfbBufferAlignment * kQfbBufferAlignment;
}

Status ToInt32(int64_t value, const std::string& what, int32_t* out) {
  if (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max()) {
    return InvalidModel(what + " (" + std::to_string(value) + ") does not fit the file's int32");
  }
  *out = static_cast<int32_t>(value);
  return Status::Ok();
}

// A constant's bytes, in the element type the file declares for it.
Status ConstantBytes(const Tensor& t, const uint8_t** data, size_t* size) {
  switch (t.type) {
    case DataType::kFloat32:
      *data = reinterpret_cast<const uint8_t*>(t.float_data.data());
      *size = t.float_data.size() * sizeof(float);
      break;
    case DataType::kInt8:
      *data = reinterpret_cast<const uint8_t*>(t.int8_data.data());
      *size = t.int8_data.size();
      break;
    case DataType::kInt32:
      *data = reinterpret_cast<const uint8_t*>(t.int32_data.data());
      *size = t.int32_data.size() * sizeof(int32_t);
      break;
    case DataType::kInt64:
      return Unsupported("constant '" + t.name + "' is int64 and no operator consumes it");
  }
  if (static_cast<int64_t>(*size) !=
      t.element_count() * static_cast<int64_t>(t.type == DataType::kInt8 ? 1 : 4)) {
    return InvalidModel("constant '" + t.name + "' holds the wrong number of elements");
  }
  return Status::Ok();
}

fb::TensorType FileType(DataType type) {
  switch (type) {
    case DataType::kInt8: return fb::TensorType::INT8;
    case DataType::kInt32: return fb::TensorType::INT32;
    default: return fb::TensorType::FLOAT32;
  }
}

// The graph's tensors in file order (graph inputs first, then as operators meet them) and where
// each constant's bytes go, relative to the first buffer.
struct Layout {
  std::vector<const Tensor*> tensors;
  std::map<std::string, int32_t> index;
  std::vector<const Tensor*> constants;  // in buffer order
  std::vector<size_t> relative_offsets;
  size_t data_size = 0;
};

Status PlanLayout(const Graph& graph, Layout* layout) {
  auto visit = [&](const std::string& name) -> Status {
    if (name.empty() || layout->index.count(name)) return Status::Ok();
    const Tensor& t = graph.tensor(name);
    layout->index[name] = static_cast<int32_t>(layout->tensors.size());
    layout->tensors.push_back(&t);
    if (!t.is_constant) return Status::Ok();
    const uint8_t* data;
    size_t size;
    QRUN_RETURN_IF_ERROR(ConstantBytes(t, &data, &size));
    layout->data_size = AlignUp(layout->data_size);
    layout->relative_offsets.push_back(layout->data_size);
    layout->constants.push_back(&t);
    layout->data_size += size;
    return Status::Ok();
  };
  for (const std::string& name : graph.inputs) QRUN_RETURN_IF_ERROR(visit(name));
  for (const Node& node : graph.nodes) {
    for (const std::string& name : node.inputs) QRUN_RETURN_IF_ERROR(visit(name));
    for (const std::string& name : node.outputs) QRUN_RETURN_IF_ERROR(visit(name));
  }
  for (const std::string& name : graph.outputs) QRUN_RETURN_IF_ERROR(visit(name));
  return Status::Ok();
}

class ModelBuilder {
 public:
  ModelBuilder(const Graph& graph, const Layout& layout, const QfbMetadata& metadata)
      : graph_(graph), layout_(layout), metadata_(metadata) {}

  // Builds the FlatBuffer with the constants' data starting at file offset `data_start`.
  Status Build(size_t data_start, FlatBufferBuilder* fbb) {
    fbb_ = fbb;
    std::vector<Offset<fb::Tensor>> tensors;
    int32_t next_buffer = 0;
    for (const Tensor* t : layout_.tensors) {
      Offset<fb::Tensor> tensor;
      QRUN_RETURN_IF_ERROR(BuildTensor(*t, t->is_constant ? next_buffer++ : -1, &tensor));
      tensors.push_back(tensor);
    }
    std::vector<Offset<fb::Operator>> operators;
    for (const Node& node : graph_.nodes) {
      Offset<fb::Operator> op;
      QRUN_RETURN_IF_ERROR(BuildOperator(node, &op));
      operators.push_back(op);
    }
    std::vector<fb::BufferRef> buffers;
    for (size_t i = 0; i < layout_.constants.size(); ++i) {
      const uint8_t* data;
      size_t size;
      QRUN_RETURN_IF_ERROR(ConstantBytes(*layout_.constants[i], &data, &size));
      buffers.emplace_back(data_start + layout_.relative_offsets[i], size);
    }
    auto meta = fb::CreateMetadataDirect(
        *fbb_, "qconvert", QRUN_VERSION, metadata_.source_file.c_str(),
        metadata_.source_sha256.c_str(),
        metadata_.calibration_method.empty() ? nullptr : metadata_.calibration_method.c_str(),
        metadata_.calibration_samples);
    const std::vector<int32_t> inputs = Indices(graph_.inputs);
    const std::vector<int32_t> outputs = Indices(graph_.outputs);
    std::vector<Offset<fb::Preprocessing>> preprocessing;
    if (metadata_.image_preprocessing) preprocessing.push_back(BuildPreprocessing());
    auto model =
        fb::CreateModelDirect(*fbb_, kQfbFormatVersion, &tensors, &operators, &inputs, &outputs,
                              &buffers, meta, preprocessing.empty() ? nullptr : &preprocessing);
    fb::FinishModelBuffer(*fbb_, model);
    return Status::Ok();
  }

 private:
  std::vector<int32_t> Indices(const std::vector<std::string>& names) const {
    std::vector<int32_t> indices;
    for (const std::string& name : names) {
      if (!name.empty()) indices.push_back(layout_.index.at(name));
    }
    return indices;
  }

  Status BuildTensor(const Tensor& t, int32_t buffer, Offset<fb::Tensor>* out) {
    std::vector<int32_t> shape(t.shape.size());
    for (size_t d = 0; d < shape.size(); ++d) {
      QRUN_RETURN_IF_ERROR(ToInt32(t.shape[d], "a dimension of '" + t.name + "'", &shape[d]));
    }
    if (!t.is_constant && t.type == DataType::kInt64) {
      return Unsupported("tensor '" + t.name + "' is int64 and no operator computes it");
    }
    Offset<fb::Quantization> quantization = 0;
    if (!t.quantization.scale.empty()) {
      quantization = fb::CreateQuantizationDirect(
          *fbb_, &t.quantization.scale, &t.quantization.zero_point, t.quantization.channel_axis);
    }
    *out = fb::CreateTensorDirect(*fbb_, t.name.c_str(), FileType(t.type), &shape, quantization,
                                  buffer);
    return Status::Ok();
  }

  Status Int(const Node& node, const char* key, int32_t* value) {
    return ToInt32(node.attribute_int(key, 0), std::string(key) + " of '" + node.name + "'", value);
  }

  Status Ints(const Node& node, const char* key, std::vector<int32_t>* values) {
    for (int64_t value : node.attribute_ints(key)) {
      values->emplace_back();
      QRUN_RETURN_IF_ERROR(
          ToInt32(value, std::string(key) + " of '" + node.name + "'", &values->back()));
    }
    return Status::Ok();
  }

  Offset<fb::ActivationRange> Activation(const Node& node) {
    return fb::CreateActivationRange(*fbb_, node.activation.min, node.activation.max);
  }

  Status BuildOptions(const Node& node, fb::OperatorType type, fb::OperatorOptions* options_type,
                      Offset<void>* options) {
    int32_t stride_h = 0, stride_w = 0, pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    if (type == fb::OperatorType::CONV_2D || type == fb::OperatorType::MAX_POOL_2D ||
        type == fb::OperatorType::AVERAGE_POOL_2D) {
      QRUN_RETURN_IF_ERROR(Int(node, "stride_h", &stride_h));
      QRUN_RETURN_IF_ERROR(Int(node, "stride_w", &stride_w));
      QRUN_RETURN_IF_ERROR(Int(node, "pad_top", &pad_top));
      QRUN_RETURN_IF_ERROR(Int(node, "pad_left", &pad_left));
      QRUN_RETURN_IF_ERROR(Int(node, "pad_bottom", &pad_bottom));
      QRUN_RETURN_IF_ERROR(Int(node, "pad_right", &pad_right));
    }
    switch (type) {
      case fb::OperatorType::CONV_2D: {
        int32_t dilation_h, dilation_w, groups;
        QRUN_RETURN_IF_ERROR(Int(node, "dilation_h", &dilation_h));
        QRUN_RETURN_IF_ERROR(Int(node, "dilation_w", &dilation_w));
        QRUN_RETURN_IF_ERROR(Int(node, "groups", &groups));
        *options_type = fb::OperatorOptions::Conv2DOptions;
        *options =
            fb::CreateConv2DOptions(*fbb_, stride_h, stride_w, dilation_h, dilation_w, pad_top,
                                    pad_left, pad_bottom, pad_right, groups, Activation(node))
                .Union();
        break;
      }
      case fb::OperatorType::MAX_POOL_2D:
      case fb::OperatorType::AVERAGE_POOL_2D: {
        int32_t kernel_h, kernel_w;
        QRUN_RETURN_IF_ERROR(Int(node, "kernel_h", &kernel_h));
        QRUN_RETURN_IF_ERROR(Int(node, "kernel_w", &kernel_w));
        *options_type = fb::OperatorOptions::Pool2DOptions;
        *options = fb::CreatePool2DOptions(
                       *fbb_, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, pad_bottom,
                       pad_right, node.attribute_int("count_include_pad", 0) != 0, Activation(node))
                       .Union();
        break;
      }
      case fb::OperatorType::FULLY_CONNECTED:
        *options_type = fb::OperatorOptions::FullyConnectedOptions;
        *options = fb::CreateFullyConnectedOptions(*fbb_, Activation(node)).Union();
        break;
      case fb::OperatorType::ADD:
        *options_type = fb::OperatorOptions::AddOptions;
        *options = fb::CreateAddOptions(*fbb_, Activation(node)).Union();
        break;
      case fb::OperatorType::MEAN:
        *options_type = fb::OperatorOptions::MeanOptions;
        *options = fb::CreateMeanOptions(*fbb_).Union();
        break;
      case fb::OperatorType::RESHAPE:
        *options_type = fb::OperatorOptions::ReshapeOptions;
        *options = fb::CreateReshapeOptions(*fbb_).Union();
        break;
      case fb::OperatorType::CONCATENATION: {
        int32_t axis;
        QRUN_RETURN_IF_ERROR(Int(node, "axis", &axis));
        *options_type = fb::OperatorOptions::ConcatenationOptions;
        *options = fb::CreateConcatenationOptions(*fbb_, axis).Union();
        break;
      }
      case fb::OperatorType::SOFTMAX: {
        int32_t axis;
        QRUN_RETURN_IF_ERROR(
            ToInt32(node.attribute_int("axis", -1), "axis of '" + node.name + "'", &axis));
        *options_type = fb::OperatorOptions::SoftmaxOptions;
        *options = fb::CreateSoftmaxOptions(*fbb_, axis).Union();
        break;
      }
      case fb::OperatorType::PRELU:
        *options_type = fb::OperatorOptions::PReluOptions;
        *options = fb::CreatePReluOptions(*fbb_).Union();
        break;
      case fb::OperatorType::ELEMENTWISE_BINARY: {
        static const std::map<std::string, fb::BinaryFunction> kFunctions = {
            {"Sub", fb::BinaryFunction::SUB},
            {"Div", fb::BinaryFunction::DIV},
            {"Maximum", fb::BinaryFunction::MAXIMUM},
            {"Minimum", fb::BinaryFunction::MINIMUM}};
        const auto found = kFunctions.find(node.attribute_text("function", ""));
        if (found == kFunctions.end()) {
          return UnsupportedNode(graph_, node, "unknown binary function");
        }
        *options_type = fb::OperatorOptions::ElementwiseBinaryOptions;
        *options =
            fb::CreateElementwiseBinaryOptions(*fbb_, found->second, Activation(node)).Union();
        break;
      }
      case fb::OperatorType::REDUCE: {
        static const std::map<std::string, fb::ReduceFunction> kFunctions = {
            {"Mean", fb::ReduceFunction::MEAN},
            {"Sum", fb::ReduceFunction::SUM},
            {"Max", fb::ReduceFunction::MAXIMUM},
            {"Min", fb::ReduceFunction::MINIMUM}};
        const auto found = kFunctions.find(node.attribute_text("function", ""));
        if (found == kFunctions.end()) {
          return UnsupportedNode(graph_, node, "unknown reduce function");
        }
        std::vector<int32_t> axes;
        for (int64_t axis : node.attribute_ints("axes")) axes.push_back(static_cast<int32_t>(axis));
        *options_type = fb::OperatorOptions::ReduceOptions;
        *options = fb::CreateReduceOptionsDirect(*fbb_, found->second, &axes,
                                                 node.attribute_int("keep_dims", 1) != 0)
                       .Union();
        break;
      }
      case fb::OperatorType::TRANSPOSE: {
        std::vector<int32_t> perm;
        for (int64_t axis : node.attribute_ints("perm")) perm.push_back(static_cast<int32_t>(axis));
        *options_type = fb::OperatorOptions::TransposeOptions;
        *options = fb::CreateTransposeOptionsDirect(*fbb_, &perm).Union();
        break;
      }
      case fb::OperatorType::SLICE: {
        std::vector<int32_t> begin, step;
        QRUN_RETURN_IF_ERROR(Ints(node, "begin", &begin));
        QRUN_RETURN_IF_ERROR(Ints(node, "step", &step));
        *options_type = fb::OperatorOptions::SliceOptions;
        *options = fb::CreateSliceOptionsDirect(*fbb_, &begin, &step).Union();
        break;
      }
      case fb::OperatorType::GATHER: {
        int32_t axis;
        QRUN_RETURN_IF_ERROR(Int(node, "axis", &axis));
        *options_type = fb::OperatorOptions::GatherOptions;
        *options = fb::CreateGatherOptions(*fbb_, axis).Union();
        break;
      }
      case fb::OperatorType::PAD: {
        std::vector<int32_t> before, after;
        QRUN_RETURN_IF_ERROR(Ints(node, "before", &before));
        QRUN_RETURN_IF_ERROR(Ints(node, "after", &after));
        const std::string mode = node.attribute_text("mode", "constant");
        *options_type = fb::OperatorOptions::PadOptions;
        *options = fb::CreatePadOptionsDirect(*fbb_, &before, &after,
                                              mode == "reflect" ? fb::PadMode::REFLECT
                                              : mode == "edge"  ? fb::PadMode::EDGE
                                                                : fb::PadMode::CONSTANT)
                       .Union();
        break;
      }
      case fb::OperatorType::TRANSPOSE_CONV_2D: {
        const char* keys[] = {"stride_h",         "stride_w",         "dilation_h", "dilation_w",
                              "pad_top",          "pad_left",         "pad_bottom", "pad_right",
                              "output_padding_h", "output_padding_w", "groups"};
        int32_t v[11];
        for (size_t i = 0; i < 11; ++i) QRUN_RETURN_IF_ERROR(Int(node, keys[i], &v[i]));
        *options_type = fb::OperatorOptions::TransposeConv2DOptions;
        *options = fb::CreateTransposeConv2DOptions(*fbb_, v[0], v[1], v[2], v[3], v[4], v[5], v[6],
                                                    v[7], v[8], v[9], v[10], Activation(node))
                       .Union();
        break;
      }
      case fb::OperatorType::QUANTIZE:
        *options_type = fb::OperatorOptions::QuantizeOptions;
        *options = fb::CreateQuantizeOptions(*fbb_).Union();
        break;
      case fb::OperatorType::DEQUANTIZE:
        *options_type = fb::OperatorOptions::DequantizeOptions;
        *options = fb::CreateDequantizeOptions(*fbb_).Union();
        break;
      case fb::OperatorType::MUL:
        *options_type = fb::OperatorOptions::MulOptions;
        *options = fb::CreateMulOptions(*fbb_, Activation(node)).Union();
        break;
      case fb::OperatorType::BATCH_MATMUL:
        *options_type = fb::OperatorOptions::BatchMatMulOptions;
        *options = fb::CreateBatchMatMulOptions(*fbb_, Activation(node),
                                                node.attribute_int("transpose_b", 0) != 0)
                       .Union();
        break;
      case fb::OperatorType::LAYER_NORM:
        *options_type = fb::OperatorOptions::LayerNormOptions;
        *options =
            fb::CreateLayerNormOptions(*fbb_, node.attribute_float("epsilon", 1e-5f)).Union();
        break;
      case fb::OperatorType::RESIZE: {
        static const std::map<std::string, fb::ResizeCoordinates> kCoordinates = {
            {"half_pixel", fb::ResizeCoordinates::HALF_PIXEL},
            {"pytorch_half_pixel", fb::ResizeCoordinates::PYTORCH_HALF_PIXEL},
            {"align_corners", fb::ResizeCoordinates::ALIGN_CORNERS},
            {"asymmetric", fb::ResizeCoordinates::ASYMMETRIC},
            {"tf_half_pixel_for_nn", fb::ResizeCoordinates::TF_HALF_PIXEL_FOR_NN},
            {"tf_crop_and_resize", fb::ResizeCoordinates::TF_CROP_AND_RESIZE}};
        static const std::map<std::string, fb::ResizeNearestRounding> kRoundings = {
            {"round_prefer_floor", fb::ResizeNearestRounding::ROUND_PREFER_FLOOR},
            {"round_prefer_ceil", fb::ResizeNearestRounding::ROUND_PREFER_CEIL},
            {"floor", fb::ResizeNearestRounding::FLOOR},
            {"ceil", fb::ResizeNearestRounding::CEIL}};
        const std::string coordinates = node.attribute_text("coordinates", "");
        const std::string rounding = node.attribute_text("nearest_rounding", "");
        auto found_coordinates = kCoordinates.find(coordinates);
        auto found_rounding = kRoundings.find(rounding);
        if (found_coordinates == kCoordinates.end() || found_rounding == kRoundings.end()) {
          return UnsupportedNode(graph_, node,
                                 "unknown coordinate transformation '" + coordinates +
                                     "' or nearest mode '" + rounding + "'");
        }
        const fb::ResizeMode mode = node.attribute_text("mode", "") == "linear"
                                        ? fb::ResizeMode::LINEAR
                                        : fb::ResizeMode::NEAREST;
        *options_type = fb::OperatorOptions::ResizeOptions;
        *options =
            fb::CreateResizeOptions(
                *fbb_, mode, found_coordinates->second, found_rounding->second,
                node.attribute_float("scale_h", 1.0f), node.attribute_float("scale_w", 1.0f),
                node.attribute_float("roi_h_start", 0.0f), node.attribute_float("roi_h_end", 1.0f),
                node.attribute_float("roi_w_start", 0.0f), node.attribute_float("roi_w_end", 1.0f),
                node.attribute_float("extrapolation_value", 0.0f))
                .Union();
        break;
      }
      case fb::OperatorType::CHANNEL_SHUFFLE: {
        int32_t groups;
        QRUN_RETURN_IF_ERROR(Int(node, "groups", &groups));
        *options_type = fb::OperatorOptions::ChannelShuffleOptions;
        *options = fb::CreateChannelShuffleOptions(*fbb_, groups).Union();
        break;
      }
      case fb::OperatorType::ELEMENTWISE_UNARY: {
        static const std::map<std::string, fb::UnaryFunction> kFunctions = {
            {"HardSwish", fb::UnaryFunction::HARD_SWISH},
            {"HardSigmoid", fb::UnaryFunction::HARD_SIGMOID},
            {"Sigmoid", fb::UnaryFunction::SIGMOID},
            {"Silu", fb::UnaryFunction::SILU},
            {"Gelu", fb::UnaryFunction::GELU},
            {"GeluTanh", fb::UnaryFunction::GELU_TANH},
            {"Tanh", fb::UnaryFunction::TANH},
            {"LeakyRelu", fb::UnaryFunction::LEAKY_RELU},
            {"Clip", fb::UnaryFunction::CLIP}};
        const std::string function = node.attribute_text("function", "");
        auto found = kFunctions.find(function);
        if (found == kFunctions.end()) {
          return UnsupportedNode(graph_, node, "unknown function '" + function + "'");
        }
        *options_type = fb::OperatorOptions::ElementwiseUnaryOptions;
        *options = fb::CreateElementwiseUnaryOptions(*fbb_, found->second,
                                                     node.attribute_float("alpha", 1.0f / 6),
                                                     node.attribute_float("beta", 0.5f))
                       .Union();
        break;
      }
    }
    return Status::Ok();
  }

  Status BuildOperator(const Node& node, Offset<fb::Operator>* out) {
    fb::OperatorType type = fb::OperatorType::CONV_2D;
    bool known = false;
    for (fb::OperatorType candidate : fb::EnumValuesOperatorType()) {
      if (node.op == fb::EnumNameOperatorType(candidate)) {
        type = candidate;
        known = true;
      }
    }
    if (!known) return UnsupportedNode(graph_, node, "it was not lowered to a qfb operator");
    fb::OperatorOptions options_type = fb::OperatorOptions::NONE;
    Offset<void> options = 0;
    QRUN_RETURN_IF_ERROR(BuildOptions(node, type, &options_type, &options));
    Offset<fb::Requantization> requantization = 0;
    if (node.has_requantization) {
      requantization = fb::CreateRequantizationDirect(*fbb_, &node.requantization.multiplier,
                                                      node.requantization.output_min,
                                                      node.requantization.output_max);
    }
    const std::vector<int32_t> inputs = Indices(node.inputs);
    const std::vector<int32_t> outputs = Indices(node.outputs);
    *out = fb::CreateOperatorDirect(*fbb_, type, &inputs, &outputs, options_type, options,
                                    requantization, node.name.c_str());
    return Status::Ok();
  }

  // For input 0, the one input a model with image preprocessing has.
  Offset<fb::Preprocessing> BuildPreprocessing() {
    const qrun_image_preprocessing& steps = *metadata_.image_preprocessing;
    const std::vector<float> mean_values(steps.mean, steps.mean + steps.channels);
    const std::vector<float> std_values(steps.std, steps.std + steps.channels);
    return fb::CreatePreprocessingDirect(
        *fbb_, 0, steps.resize_shorter_side, steps.resize_height, steps.resize_width,
        steps.crop_height, steps.crop_width, &mean_values, &std_values,
        steps.channel_order == QRUN_BGR ? fb::ChannelOrder::BGR : fb::ChannelOrder::RGB,
        steps.source_layout == QRUN_NHWC ? fb::SourceLayout::NHWC : fb::SourceLayout::NCHW);
  }

  const Graph& graph_;
  const Layout& layout_;
  const QfbMetadata& metadata_;
  FlatBufferBuilder* fbb_ = nullptr;
};

}  // namespace

Status SerializeQfb(const Graph& graph, const QfbMetadata& metadata, std::vector<uint8_t>* file) {
  Layout layout;
  QRUN_RETURN_IF_ERROR(PlanLayout(graph, &layout));
  ModelBuilder builder(graph, layout, metadata);

  // The buffers' offsets depend on the FlatBuffer's size, which does not depend on their values
  // (BufferRef is a fixed-size struct): build once to measure, then again with the real offsets.
  FlatBufferBuilder measure;
  QRUN_RETURN_IF_ERROR(builder.Build(0, &measure));
  const size_t data_start = AlignUp(measure.GetSize());
  FlatBufferBuilder fbb;
  QRUN_RETURN_IF_ERROR(builder.Build(data_start, &fbb));
  if (fbb.GetSize() != measure.GetSize()) {
    return Status(StatusCode::kInternal, "the FlatBuffer changed size between two builds");
  }

  file->assign(data_start + layout.data_size, 0);
  std::memcpy(file->data(), fbb.GetBufferPointer(), fbb.GetSize());
  for (size_t i = 0; i < layout.constants.size(); ++i) {
    const uint8_t* data;
    size_t size;
    QRUN_RETURN_IF_ERROR(ConstantBytes(*layout.constants[i], &data, &size));
    if (size) std::memcpy(file->data() + data_start + layout.relative_offsets[i], data, size);
  }
  return Status::Ok();
}

}  // namespace qrun::converter
