#include "converter/onnx_importer.h"

#include <exception>
#include <set>

#include "converter/onnx_proto.h"
#include "converter/onnx_quantized_import.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"

namespace qrun::converter {
namespace {

// Ops the passes can convert on any input (lowered to qfb operators or removed).
const std::set<std::string> kComputeOps = {"Conv",
                                           "BatchNormalization",
                                           "Relu",
                                           "Clip",
                                           "Gemm",
                                           "MatMul",
                                           "Add",
                                           "MaxPool",
                                           "AveragePool",
                                           "GlobalAveragePool",
                                           "ReduceMean",
                                           "Flatten",
                                           "Reshape",
                                           "Concat",
                                           "Softmax",
                                           "Identity",
                                           "Dropout",
                                           "Constant",
                                           "Mul",
                                           "HardSwish",
                                           "HardSigmoid",
                                           "Sigmoid",
                                           "Sub",
                                           "Div",
                                           "Pow",
                                           "Sqrt",
                                           "Transpose",
                                           "Slice",
                                           "LayerNormalization",
                                           "Tanh",
                                           "LeakyRelu",
                                           "PRelu",
                                           "Max",
                                           "Min",
                                           "ReduceSum",
                                           "ReduceMax",
                                           "ReduceMin",
                                           "Split",
                                           "Gather",
                                           "Pad",
                                           "ConvTranspose",
                                           "Squeeze",
                                           "Unsqueeze",
                                           "Resize",
                                           "Upsample"};
// Ops that only compute constants (shapes, reshaped weights): constant folding evaluates them,
// and they are an error anywhere else.
const std::set<std::string> kConstantOnlyOps = {"Shape", "Cast", "ConstantOfShape", "Range"};

// A Constant node's value, from whichever of its attributes holds it.
Status ReadConstantNode(const onnx::NodeProto& node, const std::string& name, Tensor* tensor) {
  if (node.attribute_size() != 1) return InvalidModel("Constant node '" + name + "' is malformed");
  const onnx::AttributeProto& attribute = node.attribute(0);
  const std::string& kind = attribute.name();
  if (kind == "value") {
    QRUN_RETURN_IF_ERROR(ReadTensorProto(attribute.t(), tensor));
  } else if (kind == "value_float" || kind == "value_floats") {
    tensor->is_constant = true;
    tensor->type = DataType::kFloat32;
    if (kind == "value_float") {
      tensor->float_data = {attribute.f()};
    } else {
      tensor->float_data.assign(attribute.floats().begin(), attribute.floats().end());
      tensor->shape = {static_cast<int64_t>(tensor->float_data.size())};
    }
  } else if (kind == "value_int" || kind == "value_ints") {
    tensor->is_constant = true;
    tensor->type = DataType::kInt64;
    if (kind == "value_int") {
      tensor->int64_data = {attribute.i()};
    } else {
      tensor->int64_data.assign(attribute.ints().begin(), attribute.ints().end());
      tensor->shape = {static_cast<int64_t>(tensor->int64_data.size())};
    }
  } else {
    return Unsupported("Constant node '" + name + "' uses attribute '" + kind +
                       "', which is not supported");
  }
  tensor->name = node.output(0);
  return Status::Ok();
}

Status ReadNode(const onnx::NodeProto& proto, int index, Node* out) {
  Node node;
  node.name = NodeName(proto, index);
  node.op = proto.op_type();
  node.inputs.assign(proto.input().begin(), proto.input().end());
  node.outputs.assign(proto.output().begin(), proto.output().end());
  for (const onnx::AttributeProto& attribute : proto.attribute()) {
    Attribute& value = node.attributes[attribute.name()];
    switch (attribute.type()) {
      case onnx::AttributeProto_AttributeType_INT: value.ints = {attribute.i()}; break;
      case onnx::AttributeProto_AttributeType_INTS:
        value.ints.assign(attribute.ints().begin(), attribute.ints().end());
        break;
      case onnx::AttributeProto_AttributeType_FLOAT: value.floats = {attribute.f()}; break;
      case onnx::AttributeProto_AttributeType_FLOATS:
        value.floats.assign(attribute.floats().begin(), attribute.floats().end());
        break;
      case onnx::AttributeProto_AttributeType_STRING: value.text = attribute.s(); break;
      case onnx::AttributeProto_AttributeType_TENSOR:
        value.tensor.emplace_back();
        QRUN_RETURN_IF_ERROR(ReadTensorProto(attribute.t(), &value.tensor.back()));
        break;
      default: break;  // graph attributes belong to ops we do not support
    }
  }
  *out = std::move(node);
  return Status::Ok();
}

int64_t DefaultDomainOpset(const onnx::ModelProto& model) {
  for (const auto& opset : model.opset_import()) {
    if (IsDefaultDomain(opset.domain())) return opset.version();
  }
  return 0;
}

// Rejects ops we cannot convert before anything else runs on the model, so the message names the
// node as the user's file has it.
Status CheckOpsAreKnown(const onnx::ModelProto& model, int64_t opset) {
  for (int i = 0; i < model.graph().node_size(); ++i) {
    const onnx::NodeProto& node = model.graph().node(i);
    const std::string op =
        IsDefaultDomain(node.domain()) ? node.op_type() : node.domain() + "." + node.op_type();
    if (IsDefaultDomain(node.domain()) && (kComputeOps.count(op) || kConstantOnlyOps.count(op))) {
      continue;
    }
    return Unsupported("node '" + NodeName(node, i) + "' (op " + op + ", opset " +
                       std::to_string(opset) + ") is not supported");
  }
  return Status::Ok();
}

// Gives every graph input a concrete shape (the user's, or 1 for each unknown dimension) and
// forgets the shapes the exporter wrote for other tensors, which may carry symbolic dimensions
// that would contradict the concrete ones shape inference now finds.
Status ConcretizeShapes(const ImportOptions& options, const std::set<std::string>& initializers,
                        onnx::GraphProto* graph) {
  std::set<std::string> overridden;
  size_t position = 0;
  for (onnx::ValueInfoProto& input : *graph->mutable_input()) {
    if (initializers.count(input.name())) continue;
    onnx::TypeProto_Tensor* type = input.mutable_type()->mutable_tensor_type();
    auto user_shape = options.input_shapes.find(input.name());
    const std::vector<int64_t>* shape = nullptr;
    if (user_shape != options.input_shapes.end()) {
      overridden.insert(input.name());
      shape = &user_shape->second;
    } else if (position < options.positional_input_shapes.size()) {
      shape = &options.positional_input_shapes[position];
    }
    ++position;
    if (shape != nullptr) {
      type->mutable_shape()->clear_dim();
      for (int64_t dim : *shape) type->mutable_shape()->add_dim()->set_dim_value(dim);
      continue;
    }
    if (!type->has_shape()) {
      return InvalidArgument("graph input '" + input.name() +
                             "' has no shape in the model: give one with --input-shape " +
                             input.name() + ":d0,d1,...");
    }
    for (onnx::TensorShapeProto_Dimension& dim : *type->mutable_shape()->mutable_dim()) {
      if (!dim.has_dim_value() || dim.dim_value() <= 0) dim.set_dim_value(1);
    }
  }
  for (const auto& entry : options.input_shapes) {
    if (!overridden.count(entry.first)) {
      return InvalidArgument("--input-shape names '" + entry.first +
                             "', which is not an input of the model");
    }
  }
  graph->clear_value_info();
  for (onnx::ValueInfoProto& output : *graph->mutable_output()) {
    output.mutable_type()->mutable_tensor_type()->clear_shape();
  }
  return Status::Ok();
}

Status ReadGraphInput(const onnx::ValueInfoProto& input, Tensor* tensor) {
  const onnx::TypeProto_Tensor& type = input.type().tensor_type();
  if (type.elem_type() != onnx::TensorProto_DataType_FLOAT) {
    return Unsupported("graph input '" + input.name() + "' has ONNX data type " +
                       std::to_string(type.elem_type()) + "; only float32 inputs are supported");
  }
  tensor->name = input.name();
  for (const auto& dim : type.shape().dim()) {
    if (dim.dim_value() <= 0 || dim.dim_value() > (int64_t{1} << 31)) {
      return InvalidArgument("graph input '" + input.name() + "' has a bad dimension " +
                             std::to_string(dim.dim_value()));
    }
    tensor->shape.push_back(dim.dim_value());
  }
  return Status::Ok();
}

Status BuildGraph(const onnx::GraphProto& proto, Graph* graph) {
  for (const onnx::TensorProto& initializer : proto.initializer()) {
    Tensor tensor;
    QRUN_RETURN_IF_ERROR(ReadTensorProto(initializer, &tensor));
    graph->tensors[tensor.name] = std::move(tensor);
  }
  for (const onnx::ValueInfoProto& input : proto.input()) {
    if (graph->has_tensor(input.name())) continue;  // an initializer listed as an input
    Tensor tensor;
    QRUN_RETURN_IF_ERROR(ReadGraphInput(input, &tensor));
    graph->inputs.push_back(tensor.name);
    graph->tensors[tensor.name] = std::move(tensor);
  }
  for (int i = 0; i < proto.node_size(); ++i) {
    const onnx::NodeProto& node_proto = proto.node(i);
    if (node_proto.op_type() == "Constant") {
      if (node_proto.output_size() != 1 || graph->has_tensor(node_proto.output(0))) {
        return InvalidModel("Constant node '" + NodeName(node_proto, i) + "' is malformed");
      }
      Tensor tensor;
      QRUN_RETURN_IF_ERROR(ReadConstantNode(node_proto, NodeName(node_proto, i), &tensor));
      graph->tensors[tensor.name] = std::move(tensor);
      continue;
    }
    Node node;
    QRUN_RETURN_IF_ERROR(ReadNode(node_proto, i, &node));
    for (const std::string& input : node.inputs) {
      if (!input.empty() && !graph->has_tensor(input)) {
        return InvalidModel("node '" + node.name + "' reads '" + input +
                            "', which no earlier node, initializer or input defines");
      }
    }
    for (const std::string& output : node.outputs) {
      if (output.empty()) continue;
      if (graph->has_tensor(output)) {
        return InvalidModel("tensor '" + output + "' is defined twice (again by node '" +
                            node.name + "')");
      }
      graph->tensors[output].name = output;
    }
    graph->nodes.push_back(std::move(node));
  }
  for (const onnx::ValueInfoProto& output : proto.output()) {
    if (!graph->has_tensor(output.name())) {
      return InvalidModel("graph output '" + output.name() + "' is not computed by the graph");
    }
    graph->outputs.push_back(output.name());
  }
  if (graph->inputs.empty()) return Unsupported("the model has no (non-constant) input");
  return Status::Ok();
}

}  // namespace

const std::set<std::string>& OnnxComputeOps() {
  return kComputeOps;
}

const std::set<std::string>& OnnxConstantOnlyOps() {
  return kConstantOnlyOps;
}

Status ImportOnnxModel(const std::string& serialized_model, const ImportOptions& options,
                       Graph* graph) {
  onnx::ModelProto model;
  if (!model.ParseFromString(serialized_model)) {
    return InvalidModel("not an ONNX model (the protobuf does not parse)");
  }
  const int64_t opset = DefaultDomainOpset(model);
  if (opset <= 0) return InvalidModel("the model imports no opset of the default ONNX domain");
  std::map<std::string, Quantization> presets;
  QRUN_RETURN_IF_ERROR(DequantizeOnnxModel(&model, opset, &presets));
  QRUN_RETURN_IF_ERROR(CheckOpsAreKnown(model, opset));

  const int newest_opset =
      onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map().at("").second;
  if (opset > newest_opset) {
    return Unsupported("the model uses opset " + std::to_string(opset) +
                       ", newer than the ONNX library qconvert was built with knows (" +
                       std::to_string(newest_opset) + ")");
  }
  // libonnx reports every failure by throwing; nothing beyond this function sees an exception.
  try {
    if (opset < kTargetOpset) {
      model = onnx::version_conversion::ConvertVersion(model, kTargetOpset);
    }
  } catch (const std::exception& e) {
    return Unsupported("cannot convert the model from opset " + std::to_string(opset) +
                       " to opset " + std::to_string(kTargetOpset) + ": " + e.what());
  }
  std::set<std::string> initializers;
  for (const auto& initializer : model.graph().initializer()) {
    initializers.insert(initializer.name());
  }
  QRUN_RETURN_IF_ERROR(ConcretizeShapes(options, initializers, model.mutable_graph()));
  // ONNX's own shape inference, strict, validates the model (types, ranks, attributes) so that a
  // malformed one is rejected with ONNX's message; the shapes qconvert uses are computed by the
  // constant folding walk, which also sees the shapes that only folding makes known.
  try {
    onnx::ShapeInferenceOptions strict(/*check_type=*/true, /*error_mode=*/1);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), strict);
  } catch (const std::exception& e) {
    return InvalidModel(std::string("ONNX shape inference rejects the model: ") + e.what());
  }

  *graph = Graph();
  graph->opset = opset;
  QRUN_RETURN_IF_ERROR(BuildGraph(model.graph(), graph));
  for (const auto& preset : presets) {
    if (graph->has_tensor(preset.first)) graph->tensor(preset.first).quantization = preset.second;
  }
  return Status::Ok();
}

}  // namespace qrun::converter
