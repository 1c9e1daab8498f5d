#include "converter/torchscript_importer.h"

#include <ATen/native/quantized/PackedParams.h>
#include <caffe2/serialize/versions.h>
#include <torch/csrc/api/include/torch/version.h>
#include <torch/script.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>
#include <vector>

#include "converter/shape_inference.h"

namespace qrun::converter {
namespace {

using torch::jit::Node;
using torch::jit::Value;
using TorchGraph = torch::jit::Graph;
using OnnxNode = ::qrun::converter::Node;

uint32_t ReadLittleEndian(const std::string& bytes, size_t at, int size) {
  uint32_t value = 0;
  for (int i = size - 1; i >= 0; --i) value = value << 8 | static_cast<uint8_t>(bytes[at + i]);
  return value;
}

// The archive's "version" record, read from the zip's local headers (PyTorch stores every record
// uncompressed, sizes in the header) before libtorch sees the file, so that a file from a newer
// PyTorch gets a message that says so rather than libtorch's assertion.
bool ReadFormatVersion(const std::string& zip, int64_t* version) {
  size_t at = 0;
  while (at + 30 <= zip.size() && ReadLittleEndian(zip, at, 4) == 0x04034b50) {
    const uint32_t flags = ReadLittleEndian(zip, at + 6, 2);
    const uint32_t method = ReadLittleEndian(zip, at + 8, 2);
    const size_t size = ReadLittleEndian(zip, at + 18, 4);
    const size_t name_size = ReadLittleEndian(zip, at + 26, 2);
    const size_t extra_size = ReadLittleEndian(zip, at + 28, 2);
    const size_t data = at + 30 + name_size + extra_size;
    if ((flags & 8) != 0 || data + size > zip.size()) return false;
    const std::string name = zip.substr(at + 30, name_size);
    const std::string suffix = "/version";
    if (method == 0 && (name == "version" ||
                        (name.size() > suffix.size() &&
                         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0))) {
      const std::string text = zip.substr(data, size);
      char* end = nullptr;
      *version = std::strtoll(text.c_str(), &end, 10);
      return end != text.c_str();
    }
    at = data + size;
  }
  return false;
}

// libtorch appends a C++ backtrace to its messages; the first line is the message.
std::string FirstLine(const std::exception& e) {
  const std::string message = e.what();
  return message.substr(0, message.find('\n'));
}

// Where TorchScript says a node came from: "file.py:line:column" of the Python source the model
// was scripted or traced from when the file kept it (torch.jit.save keeps it by default), else of
// the code in the archive, or "" when there is none.
std::string SourceOf(const Node* node) {
  const c10::optional<torch::jit::SourceRange> original =
      node->sourceRange().findSourceRangeThatGenerated();
  const auto location = (original ? *original : node->sourceRange()).file_line_col();
  if (!location) return "";
  return std::get<0>(*location) + ":" + std::to_string(std::get<1>(*location)) + ":" +
         std::to_string(std::get<2>(*location));
}

// Maps one frozen TorchScript graph onto a Graph. Values are either tensors, known by name in the
// Graph, or compile-time values (ints, floats, lists, None, shapes) held as IValues; ops on the
// latter are evaluated here.
class Importer {
 public:
  explicit Importer(Graph* graph) : graph_(graph) {}

  Status ImportInputs(const TorchGraph& torch_graph, const ImportOptions& options);
  Status ImportBlock(const torch::jit::Block* block);
  Status ImportOutputs(const TorchGraph& torch_graph);

 private:
  Status ImportNode(const Node* node);
  Status ImportIf(const Node* node);
  Status ImportConvolution(const Node* node, bool underscore_form);
  Status ImportPool(const Node* node, bool is_max);
  Status ImportAdaptiveAveragePool(const Node* node);
  Status ImportFlatten(const Node* node);
  Status ImportClip(const Node* node, float min, float max);
  Status EvaluateScalarOp(const Node* node, bool* handled);
  Status ImportQuantized(const Node* node);
  Status SetOutputParameters(const Node* node, size_t scale_input, const std::string& tensor);
  Status WeightConstants(const Node* node, const at::Tensor& weight,
                         const c10::optional<at::Tensor>& bias, std::vector<std::string>* names);
  Status AddRelu(const Node* node, const std::string& input);

  // Messages.
  Status Unsupported(const Node* node, const std::string& detail = "") const;
  Status Invalid(const Node* node, const std::string& problem) const;

  // Reading operands.
  bool IsTensor(const Value* value) const { return tensors_.count(value) != 0; }
  bool IsNone(const Value* value) const;
  Status TensorName(const Node* node, size_t input, std::string* name);
  Status Known(const Node* node, size_t input, c10::IValue* value) const;
  // A known input through `take`, which returns false when the value is not `what` (a noun).
  template <typename Take>
  Status Read(const Node* node, size_t input, const char* what, Take take) const;
  Status Int(const Node* node, size_t input, int64_t* value) const;
  Status Float(const Node* node, size_t input, double* value) const;
  Status Bool(const Node* node, size_t input, bool* value) const;
  Status Ints(const Node* node, size_t input, std::vector<int64_t>* values) const;
  const std::vector<int64_t>& ShapeOf(const std::string& name) const {
    return graph_->tensor(name).shape;
  }

  // Building the Graph.
  std::string NodeName(const Node* node) const;
  std::string AddConstant(const std::string& base, Tensor tensor);
  std::string ScalarConstant(const std::string& base, float value);
  Status AddNode(const Node* node, const std::string& op, std::vector<std::string> inputs,
                 std::map<std::string, Attribute> attributes = {});
  Status AddIdentity(const Node* node);
  // Inputs 0 and 1 (data and weights) and input 2 (bias) unless it is None.
  Status DataWeightsBias(const Node* node, std::vector<std::string>* inputs);

  Graph* graph_;
  std::map<const Value*, std::string> tensors_;
  std::map<const Value*, c10::IValue> known_;
  std::map<const Value*, std::vector<std::string>> tensor_lists_;
  int next_node_ = 0;
  // PyTorch's activations are quint8 unless quantize_per_tensor said qint8: a quint8 zero point
  // becomes qrun's int8 one by subtracting 128, which is exact.
  int32_t activation_zero_point_shift_ = 128;
};

Status Importer::Unsupported(const Node* node, const std::string& detail) const {
  const std::string source = SourceOf(node);
  return ::qrun::Unsupported(std::string(node->kind().toQualString()) +
                             (source.empty() ? "" : " at " + source) + " is not supported" +
                             (detail.empty() ? "" : ": " + detail));
}

Status Importer::Invalid(const Node* node, const std::string& problem) const {
  const std::string source = SourceOf(node);
  return InvalidModel(std::string(node->kind().toQualString()) +
                      (source.empty() ? "" : " at " + source) + ": " + problem);
}

bool Importer::IsNone(const Value* value) const {
  if (value->type()->kind() == c10::TypeKind::NoneType) return true;
  auto known = known_.find(value);
  return known != known_.end() && known->second.isNone();
}

Status Importer::TensorName(const Node* node, size_t input, std::string* name) {
  const Value* value = node->input(input);
  auto found = tensors_.find(value);
  if (found != tensors_.end()) {
    *name = found->second;
    return Status::Ok();
  }
  auto known = known_.find(value);
  if (known != known_.end() && (known->second.isDouble() || known->second.isInt())) {
    // A number where a tensor may stand (x + 1.0): a scalar constant.
    const double number =
        known->second.isDouble() ? known->second.toDouble() : double(known->second.toInt());
    *name = ScalarConstant(value->debugName(), static_cast<float>(number));
    tensors_[value] = *name;
    return Status::Ok();
  }
  return Invalid(node, "input " + std::to_string(input) + " is not a tensor the graph computes");
}

Status Importer::Known(const Node* node, size_t input, c10::IValue* value) const {
  auto known = known_.find(node->input(input));
  auto tensor = tensors_.find(node->input(input));
  if (known == known_.end() && tensor != tensors_.end() && graph_->is_constant(tensor->second) &&
      graph_->tensor(tensor->second).element_count() == 1) {
    // A one-element constant tensor where a number is expected (FX keeps a quantized model's
    // input scale and zero point as tensors).
    const Tensor& t = graph_->tensor(tensor->second);
    *value = t.type == DataType::kFloat32 ? c10::IValue(static_cast<double>(t.float_data[0]))
                                          : c10::IValue(t.int64_data[0]);
    return Status::Ok();
  }
  if (known == known_.end()) {
    return Unsupported(node, "its input " + std::to_string(input) +
                                 " is computed at run time; qconvert needs it constant");
  }
  *value = known->second;
  return Status::Ok();
}

template <typename Take>
Status Importer::Read(const Node* node, size_t input, const char* what, Take take) const {
  c10::IValue known;
  QRUN_RETURN_IF_ERROR(Known(node, input, &known));
  if (!take(known)) return Invalid(node, "input " + std::to_string(input) + " is not " + what);
  return Status::Ok();
}

Status Importer::Int(const Node* node, size_t input, int64_t* value) const {
  return Read(node, input, "an integer", [value](const c10::IValue& v) {
    if (!v.isInt() && !v.isBool()) return false;
    *value = v.isInt() ? v.toInt() : v.toBool();
    return true;
  });
}

Status Importer::Float(const Node* node, size_t input, double* value) const {
  return Read(node, input, "a number", [value](const c10::IValue& v) {
    if (!v.isDouble() && !v.isInt()) return false;
    *value = v.isDouble() ? v.toDouble() : static_cast<double>(v.toInt());
    return true;
  });
}

Status Importer::Bool(const Node* node, size_t input, bool* value) const {
  return Read(node, input, "a bool", [value](const c10::IValue& v) {
    if (!v.isBool()) return false;
    *value = v.toBool();
    return true;
  });
}

Status Importer::Ints(const Node* node, size_t input, std::vector<int64_t>* values) const {
  return Read(node, input, "a list of integers", [values](const c10::IValue& v) {
    if (!v.isInt() && !v.isIntList()) return false;
    *values = v.isInt() ? std::vector<int64_t>{v.toInt()} : v.toIntVector();
    return true;
  });
}

std::string Importer::NodeName(const Node* node) const {
  const std::string output = node->outputs().empty() ? "" : node->output(0)->debugName();
  return output.empty()
             ? std::string(node->kind().toUnqualString()) + "_" + std::to_string(next_node_)
             : output;
}

std::string Importer::AddConstant(const std::string& base, Tensor tensor) {
  tensor.name = base;
  tensor.is_constant = true;
  return graph_->add_tensor(std::move(tensor));
}

std::string Importer::ScalarConstant(const std::string& base, float value) {
  Tensor tensor;
  tensor.type = DataType::kFloat32;
  tensor.float_data = {value};
  return AddConstant(base, std::move(tensor));
}

Status Importer::AddNode(const Node* node, const std::string& op, std::vector<std::string> inputs,
                         std::map<std::string, Attribute> attributes) {
  OnnxNode added;
  added.name = NodeName(node);
  added.op = op;
  added.inputs = std::move(inputs);
  added.attributes = std::move(attributes);
  for (const Value* output : node->outputs()) {
    Tensor tensor;
    tensor.name = output->debugName();
    const std::string name = graph_->add_tensor(std::move(tensor));
    tensors_[output] = name;
    added.outputs.push_back(name);
  }
  ++next_node_;
  // On a quantized tensor these ops keep its parameters, as PyTorch's quantized kernels do.
  static const std::set<std::string> kKeepParameters = {
      "Relu", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool", "Reshape", "ReduceMean"};
  if (kKeepParameters.count(op) && !added.inputs.empty() &&
      !graph_->tensor(added.inputs[0]).quantization.scale.empty()) {
    graph_->tensor(added.outputs[0]).quantization = graph_->tensor(added.inputs[0]).quantization;
  }
  graph_->nodes.push_back(added);
  // Shapes now, so that later shape queries (aten::size) can be answered.
  const Status inferred = InferOutputShapes(*graph_, graph_->nodes.back());
  if (!inferred.ok()) return Invalid(node, inferred.message());
  return Status::Ok();
}

Status Importer::DataWeightsBias(const Node* node, std::vector<std::string>* inputs) {
  inputs->resize(2);
  QRUN_RETURN_IF_ERROR(TensorName(node, 0, &(*inputs)[0]));
  QRUN_RETURN_IF_ERROR(TensorName(node, 1, &(*inputs)[1]));
  if (IsNone(node->input(2))) return Status::Ok();
  inputs->emplace_back();
  return TensorName(node, 2, &inputs->back());
}

Status Importer::AddIdentity(const Node* node) {
  std::string input;
  QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
  tensors_[node->output(0)] = input;
  return Status::Ok();
}

Attribute IntList(std::vector<int64_t> values) {
  Attribute attribute;
  attribute.ints = std::move(values);
  return attribute;
}

Attribute IntAttribute(int64_t value) {
  return IntList({value});
}

// Two spatial values from one or two given (PyTorch repeats a single one).
Status Pair(const std::vector<int64_t>& given, std::vector<int64_t>* pair) {
  if (given.size() == 1) {
    *pair = {given[0], given[0]};
  } else if (given.size() == 2) {
    *pair = given;
  } else {
    return InvalidArgument("a 2-D window parameter has " + std::to_string(given.size()) +
                           " values");
  }
  return Status::Ok();
}

Status Importer::ImportConvolution(const Node* node, bool underscore_form) {
  // aten::conv2d(input, weight, bias, stride, padding, dilation, groups)
  // aten::_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
  //                    groups, benchmark, deterministic, cudnn_enabled[, allow_tf32])
  std::vector<std::string> inputs;
  QRUN_RETURN_IF_ERROR(DataWeightsBias(node, &inputs));
  const std::string& weight = inputs[1];
  if (node->input(4)->type()->kind() == c10::TypeKind::StringType) {
    return Unsupported(node, "padding given as a string ('same' or 'valid')");
  }
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups = 1;
  QRUN_RETURN_IF_ERROR(Ints(node, 3, &stride));
  QRUN_RETURN_IF_ERROR(Ints(node, 4, &padding));
  QRUN_RETURN_IF_ERROR(Ints(node, 5, &dilation));
  if (underscore_form) {
    bool transposed = false;
    QRUN_RETURN_IF_ERROR(Bool(node, 6, &transposed));
    if (transposed) return Unsupported(node, "transposed convolution");
    QRUN_RETURN_IF_ERROR(Int(node, 8, &groups));
  } else {
    QRUN_RETURN_IF_ERROR(Int(node, 6, &groups));
  }
  if (ShapeOf(weight).size() != 4) return Unsupported(node, "only 2-D convolutions are");
  std::vector<int64_t> strides, pads, dilations;
  if (!Pair(stride, &strides).ok() || !Pair(padding, &pads).ok() ||
      !Pair(dilation, &dilations).ok()) {
    return Invalid(node, "stride, padding and dilation must have one or two values");
  }
  return AddNode(node, "Conv", inputs,
                 {{"kernel_shape", IntList({ShapeOf(weight)[2], ShapeOf(weight)[3]})},
                  {"strides", IntList(strides)},
                  {"pads", IntList({pads[0], pads[1], pads[0], pads[1]})},
                  {"dilations", IntList(dilations)},
                  {"group", IntAttribute(groups)}});
}

Status Importer::ImportPool(const Node* node, bool is_max) {
  // aten::max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)
  // aten::avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
  //                  divisor_override)
  std::string input;
  QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
  std::vector<int64_t> kernel, stride, padding, dilation = {1};
  QRUN_RETURN_IF_ERROR(Ints(node, 1, &kernel));
  QRUN_RETURN_IF_ERROR(Ints(node, 2, &stride));
  QRUN_RETURN_IF_ERROR(Ints(node, 3, &padding));
  if (stride.empty()) stride = kernel;  // PyTorch's default
  bool ceil_mode = false;
  bool count_include_pad = false;
  if (is_max) {
    QRUN_RETURN_IF_ERROR(Ints(node, 4, &dilation));
    QRUN_RETURN_IF_ERROR(Bool(node, 5, &ceil_mode));
  } else {
    QRUN_RETURN_IF_ERROR(Bool(node, 4, &ceil_mode));
    QRUN_RETURN_IF_ERROR(Bool(node, 5, &count_include_pad));
    if (!IsNone(node->input(6))) return Unsupported(node, "divisor_override");
  }
  std::vector<int64_t> kernels, strides, pads, dilations;
  if (!Pair(kernel, &kernels).ok() || !Pair(stride, &strides).ok() || !Pair(padding, &pads).ok() ||
      !Pair(dilation, &dilations).ok()) {
    return Invalid(node, "window parameters must have one or two values");
  }
  std::map<std::string, Attribute> attributes = {
      {"kernel_shape", IntList(kernels)},
      {"strides", IntList(strides)},
      {"pads", IntList({pads[0], pads[1], pads[0], pads[1]})},
      {"ceil_mode", IntAttribute(ceil_mode)}};
  if (is_max) {
    attributes["dilations"] = IntList(dilations);
  } else {
    attributes["count_include_pad"] = IntAttribute(count_include_pad);
  }
  return AddNode(node, is_max ? "MaxPool" : "AveragePool", {input}, attributes);
}

Status Importer::ImportAdaptiveAveragePool(const Node* node) {
  std::string input;
  QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
  std::vector<int64_t> size, output_size;
  QRUN_RETURN_IF_ERROR(Ints(node, 1, &size));
  if (!Pair(size, &output_size).ok()) return Invalid(node, "output_size must have 1 or 2 values");
  const std::vector<int64_t>& shape = ShapeOf(input);
  if (shape.size() != 4) return Unsupported(node, "only 4-D inputs are");
  if (output_size[0] == 1 && output_size[1] == 1)
    return AddNode(node, "GlobalAveragePool", {input});
  // Otherwise only where it is a plain average pooling: the output divides the input.
  if (shape[2] % output_size[0] != 0 || shape[3] % output_size[1] != 0) {
    return Unsupported(
        node, "an output size that does not divide the input's (" + ShapeToString(shape) + ")");
  }
  const std::vector<int64_t> window = {shape[2] / output_size[0], shape[3] / output_size[1]};
  return AddNode(node, "AveragePool", {input},
                 {{"kernel_shape", IntList(window)}, {"strides", IntList(window)}});
}

Status Importer::ImportFlatten(const Node* node) {
  // aten::flatten(input, start_dim, end_dim)
  std::string input;
  QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
  int64_t start = 0, end = -1;
  QRUN_RETURN_IF_ERROR(Int(node, 1, &start));
  QRUN_RETURN_IF_ERROR(Int(node, 2, &end));
  const std::vector<int64_t>& shape = ShapeOf(input);
  int64_t first = 0, last = 0;
  if (!NormalizeAxis(start, shape.size(), &first) || !NormalizeAxis(end, shape.size(), &last) ||
      first > last) {
    return Invalid(node, "bad dimensions for a " + ShapeToString(shape) + " input");
  }
  std::vector<int64_t> target(shape.begin(), shape.begin() + first);
  int64_t merged = 1;
  for (int64_t d = first; d <= last; ++d) merged *= shape[d];
  target.push_back(merged);
  target.insert(target.end(), shape.begin() + last + 1, shape.end());
  Tensor shape_tensor;
  shape_tensor.type = DataType::kInt64;
  shape_tensor.shape = {static_cast<int64_t>(target.size())};
  shape_tensor.int64_data = target;
  return AddNode(node, "Reshape", {input, AddConstant(NodeName(node) + "_shape", shape_tensor)});
}

Status Importer::ImportClip(const Node* node, float min, float max) {
  std::string input;
  QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
  const std::string name = NodeName(node);
  return AddNode(node, "Clip",
                 {input, ScalarConstant(name + "_min", min), ScalarConstant(name + "_max", max)});
}

// Integer and list arithmetic that scripting leaves around shapes, evaluated on known values.
Status Importer::EvaluateScalarOp(const Node* node, bool* handled) {
  *handled = false;
  const std::string kind = node->kind().toQualString();
  static const std::set<std::string> kScalarOps = {
      "aten::size",  "aten::dim",     "aten::len",        "aten::__getitem__", "aten::eq",
      "aten::ne",    "aten::lt",      "aten::le",         "aten::gt",          "aten::ge",
      "aten::add",   "aten::sub",     "aten::mul",        "aten::floordiv",    "aten::Int",
      "aten::Float", "aten::__not__", "prim::NumToTensor"};
  if (!kScalarOps.count(kind)) return Status::Ok();
  // aten::size and aten::dim read a tensor's shape; the rest work on known values only.
  if (kind == "aten::size" || kind == "aten::dim") {
    if (!IsTensor(node->input(0))) return Status::Ok();
    const std::vector<int64_t>& shape = ShapeOf(tensors_.at(node->input(0)));
    *handled = true;
    if (kind == "aten::dim") {
      known_[node->output(0)] = static_cast<int64_t>(shape.size());
    } else if (node->inputs().size() == 1) {
      known_[node->output(0)] = c10::IValue(std::vector<int64_t>(shape));
    } else {
      int64_t dim = 0, axis = 0;
      QRUN_RETURN_IF_ERROR(Int(node, 1, &dim));
      if (!NormalizeAxis(dim, shape.size(), &axis)) return Invalid(node, "dimension out of range");
      known_[node->output(0)] = shape[axis];
    }
    return Status::Ok();
  }
  for (const Value* input : node->inputs()) {
    if (!known_.count(input)) return Status::Ok();  // a tensor op of the same name
  }
  *handled = true;
  std::vector<c10::IValue> args;
  for (const Value* input : node->inputs()) args.push_back(known_.at(input));
  auto number = [](const c10::IValue& v) {
    return v.isDouble() ? v.toDouble() : double(v.toInt());
  };
  auto all_ints = [&]() {
    for (const c10::IValue& v : args) {
      if (!v.isInt() && !v.isBool()) return false;
    }
    return true;
  };
  c10::IValue result;
  if (kind == "aten::len" && args[0].isList()) {
    result = static_cast<int64_t>(args[0].toListRef().size());
  } else if (kind == "aten::__getitem__" && args[0].isList() && args[1].isInt()) {
    const auto list = args[0].toListRef();
    int64_t index = args[1].toInt();
    if (index < 0) index += static_cast<int64_t>(list.size());
    if (index < 0 || index >= static_cast<int64_t>(list.size())) {
      return Invalid(node, "list index out of range");
    }
    result = list[index];
  } else if (kind == "aten::__not__" && args[0].isBool()) {
    result = !args[0].toBool();
  } else if ((kind == "aten::Int" || kind == "prim::NumToTensor") && args.size() == 1) {
    result = args[0].isDouble() ? c10::IValue(static_cast<int64_t>(args[0].toDouble())) : args[0];
  } else if (kind == "aten::Float" && args.size() == 1) {
    result = number(args[0]);
  } else if (args.size() == 2 && (args[0].isInt() || args[0].isDouble() || args[0].isBool()) &&
             (args[1].isInt() || args[1].isDouble() || args[1].isBool())) {
    const double a = number(args[0]), b = number(args[1]);
    if (kind == "aten::eq") result = a == b;
    if (kind == "aten::ne") result = a != b;
    if (kind == "aten::lt") result = a < b;
    if (kind == "aten::le") result = a <= b;
    if (kind == "aten::gt") result = a > b;
    if (kind == "aten::ge") result = a >= b;
    const bool integer = all_ints();
    if (kind == "aten::add")
      result = integer ? c10::IValue(args[0].toInt() + args[1].toInt()) : a + b;
    if (kind == "aten::sub")
      result = integer ? c10::IValue(args[0].toInt() - args[1].toInt()) : a - b;
    if (kind == "aten::mul")
      result = integer ? c10::IValue(args[0].toInt() * args[1].toInt()) : a * b;
    if (kind == "aten::floordiv") {
      if (!integer || args[1].toInt() == 0) return Unsupported(node, "this division");
      const int64_t q = args[0].toInt() / args[1].toInt();
      result = (args[0].toInt() % args[1].toInt() != 0 &&
                ((args[0].toInt() < 0) != (args[1].toInt() < 0)))
                   ? q - 1
                   : q;
    }
  } else if (kind == "aten::eq" && args[0].isIntList() && args[1].isIntList()) {
    result = args[0].toIntVector() == args[1].toIntVector();
  }
  if (result.isNone()) return Unsupported(node, "on these constant operands");
  known_[node->output(0)] = result;
  return Status::Ok();
}

// A quantized op's output parameters: its (scale, zero point) inputs at `scale_input` and the
// next, on `tensor`.
Status Importer::SetOutputParameters(const Node* node, size_t scale_input,
                                     const std::string& tensor) {
  double scale = 0;
  int64_t zero_point = 0;
  QRUN_RETURN_IF_ERROR(Float(node, scale_input, &scale));
  QRUN_RETURN_IF_ERROR(Int(node, scale_input + 1, &zero_point));
  Quantization& q = graph_->tensor(tensor).quantization;
  q.scale = {static_cast<float>(scale)};
  q.zero_point = {static_cast<int32_t>(zero_point) - activation_zero_point_shift_};
  return Status::Ok();
}

// The int8 weights dequantized to float constants (the quantizer puts them back on qrun's
// per-channel grid, which is PyTorch's wherever a channel's largest weight is +-127), and the
// float bias.
Status Importer::WeightConstants(const Node* node, const at::Tensor& weight,
                                 const c10::optional<at::Tensor>& bias,
                                 std::vector<std::string>* names) {
  if (!weight.is_quantized() || weight.scalar_type() != at::kQInt8) {
    return Unsupported(node, std::string("its packed weights are ") +
                                 c10::toString(weight.scalar_type()) +
                                 ", a packing qconvert cannot read (it reads qint8 weights)");
  }
  const at::Tensor values = weight.dequantize().contiguous();
  Tensor w;
  w.shape.assign(values.sizes().begin(), values.sizes().end());
  w.float_data.assign(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
  names->push_back(AddConstant(NodeName(node) + "_weight", std::move(w)));
  if (bias && bias->defined()) {
    const at::Tensor b_values = bias->to(at::kFloat).contiguous();
    Tensor b;
    b.shape.assign(b_values.sizes().begin(), b_values.sizes().end());
    b.float_data.assign(b_values.data_ptr<float>(), b_values.data_ptr<float>() + b_values.numel());
    names->push_back(AddConstant(NodeName(node) + "_bias", std::move(b)));
  }
  return Status::Ok();
}

Status Importer::AddRelu(const Node* node, const std::string& input) {
  OnnxNode relu;
  relu.name = NodeName(node) + "_relu";
  relu.op = "Relu";
  relu.inputs = {input};
  Tensor out;
  out.name = relu.name;
  out.quantization = graph_->tensor(input).quantization;
  relu.outputs = {graph_->add_tensor(std::move(out))};
  graph_->nodes.push_back(relu);
  QRUN_RETURN_IF_ERROR(InferOutputShapes(*graph_, graph_->nodes.back()));
  tensors_[node->output(0)] = relu.outputs[0];
  return Status::Ok();
}

// Ops of a model quantized in PyTorch (FX post-training quantization or QAT, then scripted or
// traced): each becomes its float op on dequantized weights, and its output tensor keeps the
// scale and zero point PyTorch chose, so the quantizer needs no calibration.
Status Importer::ImportQuantized(const Node* node) {
  const std::string kind = node->kind().toQualString();
  if (kind == "aten::quantize_per_tensor") {
    // (input, scale, zero_point, dtype): the graph keeps the float input, with these parameters.
    std::string input;
    int64_t dtype = 0;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
    QRUN_RETURN_IF_ERROR(Int(node, 3, &dtype));
    if (dtype == static_cast<int64_t>(at::kQUInt8)) {
      activation_zero_point_shift_ = 128;
    } else if (dtype == static_cast<int64_t>(at::kQInt8)) {
      activation_zero_point_shift_ = 0;
    } else {
      return Unsupported(node, "a quantized type other than quint8 and qint8");
    }
    tensors_[node->output(0)] = input;
    return SetOutputParameters(node, 1, input);
  }
  if (kind == "aten::dequantize") return AddIdentity(node);
  if (kind.find("_prepack") != std::string::npos) {
    // Weights packed in the graph itself (freezing keeps these calls): packed here, once.
    torch::jit::Stack stack;
    for (const Value* input : node->inputs()) {
      const c10::optional<c10::IValue> value = torch::jit::toIValue(input);
      if (!value) return Unsupported(node, "packing weights that are computed at run time");
      stack.push_back(*value);
    }
    try {
      node->getOperation()(stack);
    } catch (const std::exception& e) {
      return Unsupported(
          node, "weights packed this way cannot be read here (libtorch " TORCH_VERSION ": " +
                    FirstLine(e) + ")");
    }
    if (stack.size() != 1) return Invalid(node, "packing gave no single result");
    known_[node->output(0)] = stack.front();
    return Status::Ok();
  }
  const bool relu = kind.size() > 5 && kind.compare(kind.size() - 5, 5, "_relu") == 0;
  const std::string base = relu ? kind.substr(0, kind.size() - 5) : kind;
  if (base == "quantized::conv2d" || base == "quantized::linear") {
    // (input, packed parameters, output scale, output zero point)
    std::string input;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
    c10::IValue packed;
    QRUN_RETURN_IF_ERROR(Known(node, 1, &packed));
    std::vector<std::string> inputs = {input};
    std::string op;
    std::map<std::string, Attribute> attributes;
    try {
      if (base == "quantized::conv2d") {
        const auto params = packed.toCustomClass<ConvPackedParamsBase<2>>();
        if (params->transpose()) return Unsupported(node, "transposed convolution");
        const auto unpacked = params->unpack();
        QRUN_RETURN_IF_ERROR(
            WeightConstants(node, std::get<0>(unpacked), std::get<1>(unpacked), &inputs));
        const std::vector<int64_t> stride = params->stride().vec();
        const std::vector<int64_t> padding = params->padding().vec();
        const std::vector<int64_t> dilation = params->dilation().vec();
        if (stride.size() != 2 || padding.size() != 2 || dilation.size() != 2) {
          return Unsupported(node, "a packing that is not 2-D");
        }
        const std::vector<int64_t>& w = ShapeOf(inputs[1]);
        op = "Conv";
        attributes = {{"kernel_shape", IntList({w[2], w[3]})},
                      {"strides", IntList(stride)},
                      {"pads", IntList({padding[0], padding[1], padding[0], padding[1]})},
                      {"dilations", IntList(dilation)},
                      {"group", IntAttribute(params->groups())}};
      } else {
        const auto params = packed.toCustomClass<LinearPackedParamsBase>();
        const auto unpacked = params->unpack();
        QRUN_RETURN_IF_ERROR(
            WeightConstants(node, std::get<0>(unpacked), std::get<1>(unpacked), &inputs));
        op = "Gemm";
        attributes = {{"transB", IntAttribute(1)}};
      }
    } catch (const std::exception& e) {
      return Unsupported(node, "its packed weights are in a format this libtorch (" TORCH_VERSION
                               ") cannot unpack: " +
                                   FirstLine(e));
    }
    QRUN_RETURN_IF_ERROR(AddNode(node, op, inputs, attributes));
    const std::string output = tensors_.at(node->output(0));
    QRUN_RETURN_IF_ERROR(SetOutputParameters(node, 2, output));
    return relu ? AddRelu(node, output) : Status::Ok();
  }
  if (base == "quantized::add" || base == "quantized::mul") {
    // (a, b, output scale, output zero point)
    std::string a, b;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &a));
    QRUN_RETURN_IF_ERROR(TensorName(node, 1, &b));
    QRUN_RETURN_IF_ERROR(AddNode(node, base == "quantized::add" ? "Add" : "Mul", {a, b}));
    const std::string output = tensors_.at(node->output(0));
    QRUN_RETURN_IF_ERROR(SetOutputParameters(node, 2, output));
    return relu ? AddRelu(node, output) : Status::Ok();
  }
  if (kind == "quantized::cat") {
    // (tensors, dim, output scale, output zero point)
    auto list = tensor_lists_.find(node->input(0));
    if (list == tensor_lists_.end()) return Unsupported(node, "a list that is not built in place");
    int64_t axis = 0;
    QRUN_RETURN_IF_ERROR(Int(node, 1, &axis));
    QRUN_RETURN_IF_ERROR(AddNode(node, "Concat", list->second, {{"axis", IntAttribute(axis)}}));
    return SetOutputParameters(node, 2, tensors_.at(node->output(0)));
  }
  if (kind == "quantized::hardswish") {
    // (input, output scale, output zero point)
    std::string input;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
    QRUN_RETURN_IF_ERROR(AddNode(node, "HardSwish", {input}));
    return SetOutputParameters(node, 1, tensors_.at(node->output(0)));
  }
  return Unsupported(node);
}

Status Importer::ImportIf(const Node* node) {
  bool condition = false;
  QRUN_RETURN_IF_ERROR(Bool(node, 0, &condition));
  const torch::jit::Block* taken = node->blocks()[condition ? 0 : 1];
  QRUN_RETURN_IF_ERROR(ImportBlock(taken));
  for (size_t i = 0; i < node->outputs().size(); ++i) {
    const Value* result = taken->outputs()[i];
    if (tensors_.count(result)) {
      tensors_[node->output(i)] = tensors_.at(result);
    } else if (known_.count(result)) {
      known_[node->output(i)] = known_.at(result);
    } else if (tensor_lists_.count(result)) {
      tensor_lists_[node->output(i)] = tensor_lists_.at(result);
    } else {
      return Invalid(node, "a branch result is neither a tensor nor a constant");
    }
  }
  return Status::Ok();
}

Status Importer::ImportNode(const Node* node) {
  const std::string kind = node->kind().toQualString();
  if (kind == "prim::Constant") {
    const c10::optional<c10::IValue> value = torch::jit::toIValue(node->output());
    if (!value) return Invalid(node, "a constant without a value");
    if (!value->isTensor()) {
      known_[node->output()] = *value;
      return Status::Ok();
    }
    const at::Tensor data = value->toTensor().contiguous();
    Tensor tensor;
    tensor.shape.assign(data.sizes().begin(), data.sizes().end());
    if (data.scalar_type() == at::kFloat || data.scalar_type() == at::kDouble) {
      const at::Tensor values = data.to(at::kFloat);
      tensor.type = DataType::kFloat32;
      tensor.float_data.assign(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
    } else if (data.scalar_type() == at::kLong || data.scalar_type() == at::kInt) {
      const at::Tensor values = data.to(at::kLong);
      tensor.type = DataType::kInt64;
      tensor.int64_data.assign(values.data_ptr<int64_t>(),
                               values.data_ptr<int64_t>() + values.numel());
    } else if (data.is_quantized()) {
      return Unsupported(node, "quantized TorchScript models are not supported yet");
    } else {
      return Unsupported(node,
                         std::string("a constant of type ") + c10::toString(data.scalar_type()));
    }
    tensors_[node->output()] = AddConstant(node->output()->debugName(), std::move(tensor));
    return Status::Ok();
  }
  if (kind == "prim::ListConstruct") {
    bool all_known = true, all_tensors = true;
    for (const Value* input : node->inputs()) {
      all_known = all_known && known_.count(input);
      all_tensors = all_tensors && tensors_.count(input);
    }
    if (all_tensors && !node->inputs().empty()) {
      std::vector<std::string>& names = tensor_lists_[node->output()];
      for (const Value* input : node->inputs()) names.push_back(tensors_.at(input));
      return Status::Ok();
    }
    if (!all_known) return Unsupported(node, "a list mixing tensors and values");
    c10::impl::GenericList list(c10::AnyType::get());
    std::vector<int64_t> ints;
    bool integers = true;
    for (const Value* input : node->inputs()) {
      const c10::IValue& v = known_.at(input);
      integers = integers && v.isInt();
      if (v.isInt()) ints.push_back(v.toInt());
      list.push_back(v);
    }
    known_[node->output()] = integers ? c10::IValue(ints) : c10::IValue(list);
    return Status::Ok();
  }
  if (kind == "prim::TupleConstruct") {
    std::vector<std::string>& names = tensor_lists_[node->output()];
    for (const Value* input : node->inputs()) {
      if (!tensors_.count(input)) return Unsupported(node, "a tuple holding non-tensors");
      names.push_back(tensors_.at(input));
    }
    return Status::Ok();
  }
  if (kind == "prim::ListUnpack" || kind == "prim::TupleUnpack") {
    auto list = tensor_lists_.find(node->input(0));
    if (list == tensor_lists_.end() || list->second.size() != node->outputs().size()) {
      return Unsupported(node, "unpacking anything but a list of tensors");
    }
    for (size_t i = 0; i < node->outputs().size(); ++i) tensors_[node->output(i)] = list->second[i];
    return Status::Ok();
  }
  if (kind == "prim::If") return ImportIf(node);
  if (kind == "prim::RaiseException") {
    return Unsupported(node, "the model raises an exception for these input shapes");
  }
  if (kind == "aten::warn") return Status::Ok();

  bool evaluated = false;
  QRUN_RETURN_IF_ERROR(EvaluateScalarOp(node, &evaluated));
  if (evaluated) return Status::Ok();

  if (kind == "aten::conv2d") return ImportConvolution(node, false);
  if (kind == "aten::_convolution") return ImportConvolution(node, true);
  if (kind == "aten::relu" || kind == "aten::relu_") {
    std::string input;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
    return AddNode(node, "Relu", {input});
  }
  if (kind == "aten::relu6" || kind == "aten::relu6_") return ImportClip(node, 0.0f, 6.0f);
  if (kind == "aten::hardtanh" || kind == "aten::hardtanh_") {
    double min = -1.0, max = 1.0;
    QRUN_RETURN_IF_ERROR(Float(node, 1, &min));
    QRUN_RETURN_IF_ERROR(Float(node, 2, &max));
    return ImportClip(node, static_cast<float>(min), static_cast<float>(max));
  }
  if (kind == "aten::add" || kind == "aten::add_") {
    std::string a, b;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &a));
    QRUN_RETURN_IF_ERROR(TensorName(node, 1, &b));
    double alpha = 1.0;
    if (node->inputs().size() > 2) QRUN_RETURN_IF_ERROR(Float(node, 2, &alpha));
    if (alpha != 1.0) return Unsupported(node, "alpha other than 1");
    return AddNode(node, "Add", {a, b});
  }
  if (kind == "aten::mul" || kind == "aten::mul_") {
    std::string a, b;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &a));
    QRUN_RETURN_IF_ERROR(TensorName(node, 1, &b));
    return AddNode(node, "Mul", {a, b});
  }
  if (kind == "aten::hardswish" || kind == "aten::hardswish_" || kind == "aten::hardsigmoid" ||
      kind == "aten::hardsigmoid_") {
    // PyTorch's x * relu6(x + 3) / 6 and relu6(x + 3) / 6: ONNX's forms with alpha 1/6, beta 1/2.
    std::string input;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
    Attribute alpha, beta;
    alpha.floats = {1.0f / 6};
    beta.floats = {0.5f};
    const bool swish = kind.rfind("aten::hardswish", 0) == 0;
    return AddNode(node, swish ? "HardSwish" : "HardSigmoid", {input},
                   {{"alpha", alpha}, {"beta", beta}});
  }
  if (kind == "aten::sigmoid" || kind == "aten::sigmoid_" || kind == "aten::silu" ||
      kind == "aten::silu_") {
    std::string input;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
    return AddNode(node, kind.rfind("aten::silu", 0) == 0 ? "Silu" : "Sigmoid", {input});
  }
  if (kind == "aten::gelu") {
    // (input, approximate: 'none' or 'tanh')
    std::string input;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
    c10::IValue approximate("none");
    if (node->inputs().size() > 1) QRUN_RETURN_IF_ERROR(Known(node, 1, &approximate));
    if (!approximate.isString() ||
        (approximate.toStringRef() != "none" && approximate.toStringRef() != "tanh")) {
      return Unsupported(node, "an approximation other than 'none' and 'tanh'");
    }
    Attribute form;
    form.text = approximate.toStringRef();
    return AddNode(node, "Gelu", {input}, {{"approximate", form}});
  }
  if (kind == "aten::batch_norm") {
    // (input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)
    std::string input, mean, variance;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
    QRUN_RETURN_IF_ERROR(TensorName(node, 3, &mean));
    QRUN_RETURN_IF_ERROR(TensorName(node, 4, &variance));
    bool training = false;
    double epsilon = 1e-5;
    QRUN_RETURN_IF_ERROR(Bool(node, 5, &training));
    QRUN_RETURN_IF_ERROR(Float(node, 7, &epsilon));
    if (training) return Unsupported(node, "training mode");
    const int64_t channels = ShapeOf(mean).empty() ? 0 : ShapeOf(mean)[0];
    auto parameter = [&](size_t index, float fallback, std::string* name) -> Status {
      if (!IsNone(node->input(index))) return TensorName(node, index, name);
      Tensor filled;
      filled.shape = {channels};
      filled.float_data.assign(static_cast<size_t>(channels), fallback);
      *name = AddConstant(NodeName(node) + (fallback == 1.0f ? "_scale" : "_shift"), filled);
      return Status::Ok();
    };
    std::string scale, shift;
    QRUN_RETURN_IF_ERROR(parameter(1, 1.0f, &scale));
    QRUN_RETURN_IF_ERROR(parameter(2, 0.0f, &shift));
    Attribute eps;
    eps.floats = {static_cast<float>(epsilon)};
    return AddNode(node, "BatchNormalization", {input, scale, shift, mean, variance},
                   {{"epsilon", eps}});
  }
  if (kind == "aten::max_pool2d") return ImportPool(node, true);
  if (kind == "aten::avg_pool2d") return ImportPool(node, false);
  if (kind == "aten::adaptive_avg_pool2d") return ImportAdaptiveAveragePool(node);
  if (kind == "aten::flatten") return ImportFlatten(node);
  if (kind == "aten::reshape" || kind == "aten::view") {
    std::string input;
    std::vector<int64_t> shape;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
    QRUN_RETURN_IF_ERROR(Ints(node, 1, &shape));
    Tensor shape_tensor;
    shape_tensor.type = DataType::kInt64;
    shape_tensor.shape = {static_cast<int64_t>(shape.size())};
    shape_tensor.int64_data = shape;
    return AddNode(node, "Reshape", {input, AddConstant(NodeName(node) + "_shape", shape_tensor)});
  }
  if (kind == "aten::linear") {
    std::vector<std::string> inputs;
    QRUN_RETURN_IF_ERROR(DataWeightsBias(node, &inputs));
    if (ShapeOf(inputs[0]).size() != 2) return Unsupported(node, "an input that is not 2-D");
    return AddNode(node, "Gemm", inputs, {{"transB", IntAttribute(1)}});
  }
  if (kind == "aten::matmul") {
    std::string a, b;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &a));
    QRUN_RETURN_IF_ERROR(TensorName(node, 1, &b));
    return AddNode(node, "MatMul", {a, b});
  }
  if (kind == "aten::cat") {
    auto list = tensor_lists_.find(node->input(0));
    if (list == tensor_lists_.end()) return Unsupported(node, "a list that is not built in place");
    int64_t axis = 0;
    QRUN_RETURN_IF_ERROR(Int(node, 1, &axis));
    return AddNode(node, "Concat", list->second, {{"axis", IntAttribute(axis)}});
  }
  if (kind == "aten::softmax") {
    std::string input;
    int64_t axis = -1;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
    QRUN_RETURN_IF_ERROR(Int(node, 1, &axis));
    return AddNode(node, "Softmax", {input}, {{"axis", IntAttribute(axis)}});
  }
  if (kind == "aten::mean") {
    // aten::mean.dim(input, dim, keepdim, dtype)
    std::string input;
    std::vector<int64_t> axes;
    bool keep = false;
    QRUN_RETURN_IF_ERROR(TensorName(node, 0, &input));
    if (node->inputs().size() < 3) return Unsupported(node, "a mean over every element");
    QRUN_RETURN_IF_ERROR(Ints(node, 1, &axes));
    QRUN_RETURN_IF_ERROR(Bool(node, 2, &keep));
    return AddNode(node, "ReduceMean", {input},
                   {{"axes", IntList(axes)}, {"keepdims", IntAttribute(keep)}});
  }
  if (kind == "aten::dropout" || kind == "aten::dropout_" || kind == "aten::feature_dropout" ||
      kind == "aten::alpha_dropout" || kind == "aten::contiguous" || kind == "aten::detach") {
    return AddIdentity(node);
  }
  if (kind.rfind("quantized::", 0) == 0 || kind == "aten::quantize_per_tensor" ||
      kind == "aten::dequantize") {
    return ImportQuantized(node);
  }
  return Unsupported(node);
}

Status Importer::ImportBlock(const torch::jit::Block* block) {
  for (const Node* node : block->nodes()) QRUN_RETURN_IF_ERROR(ImportNode(node));
  return Status::Ok();
}

Status Importer::ImportInputs(const TorchGraph& torch_graph, const ImportOptions& options) {
  // "x.1" is how TorchScript numbers a value; the user knows the argument as "x".
  auto argument_of = [](const Value* input) {
    const std::string name = input->debugName();
    return name.substr(0, name.find('.'));
  };
  std::vector<const Value*> tensor_inputs;
  std::set<std::string> arguments;
  for (const Value* input : torch_graph.inputs()) {
    if (input->type()->kind() == c10::TypeKind::ClassType) continue;  // the module itself
    if (input->type()->kind() != c10::TypeKind::TensorType) {
      return ::qrun::Unsupported("input '" + argument_of(input) +
                                 "' is not a tensor; only tensor inputs are supported");
    }
    tensor_inputs.push_back(input);
    arguments.insert(argument_of(input));
  }
  for (const auto& entry : options.input_shapes) {
    if (!arguments.count(entry.first)) {
      return InvalidArgument("--input-shape names '" + entry.first +
                             "', which is not an input of the model");
    }
  }
  size_t position = 0;
  for (const Value* input : tensor_inputs) {
    Tensor tensor;
    tensor.name = argument_of(input);
    auto named = options.input_shapes.find(tensor.name);
    if (named != options.input_shapes.end()) {
      tensor.shape = named->second;
    } else if (position < options.positional_input_shapes.size()) {
      tensor.shape = options.positional_input_shapes[position++];
    } else {
      return InvalidArgument("TorchScript records no input shapes: give input '" + tensor.name +
                             "' one with --input-shape, e.g. --input-shape 1,3,224,224");
    }
    const std::string added = graph_->add_tensor(std::move(tensor));
    graph_->inputs.push_back(added);
    tensors_[input] = added;
  }
  if (graph_->inputs.empty()) return ::qrun::Unsupported("the model has no input");
  return Status::Ok();
}

Status Importer::ImportOutputs(const TorchGraph& torch_graph) {
  for (const Value* output : torch_graph.outputs()) {
    if (tensors_.count(output)) {
      graph_->outputs.push_back(tensors_.at(output));
    } else if (tensor_lists_.count(output)) {
      for (const std::string& name : tensor_lists_.at(output)) graph_->outputs.push_back(name);
    } else {
      return ::qrun::Unsupported("an output that is not a tensor or a tuple of them");
    }
  }
  return Status::Ok();
}

Status ImportTorchScriptInModule(const std::string& bytes, const ImportOptions& options,
                                 Graph* graph) {
  int64_t version = 0;
  if (ReadFormatVersion(bytes, &version) &&
      (version > static_cast<int64_t>(caffe2::serialize::kMaxSupportedFileFormatVersion) ||
       version < static_cast<int64_t>(caffe2::serialize::kMinSupportedFileFormatVersion))) {
    return ::qrun::Unsupported(
        "TorchScript file format version " + std::to_string(version) +
        ", written by a newer PyTorch; this qconvert's libtorch (" TORCH_VERSION
        ") reads versions " +
        std::to_string(caffe2::serialize::kMinSupportedFileFormatVersion) + " to " +
        std::to_string(caffe2::serialize::kMaxSupportedFileFormatVersion));
  }
  std::shared_ptr<TorchGraph> torch_graph;
  // libtorch reports every failure by throwing; nothing beyond this function sees an exception.
  try {
    std::istringstream stream(bytes);
    torch::jit::Module module = torch::jit::load(stream);
    module.eval();
    torch::jit::Module frozen = torch::jit::freeze(module);
    torch_graph = frozen.get_method("forward").graph()->copy();
  } catch (const std::exception& e) {
    return InvalidModel("libtorch " TORCH_VERSION " cannot load it: " + FirstLine(e));
  }
  *graph = Graph();
  graph->opset = kTargetOpset;
  Importer importer(graph);
  QRUN_RETURN_IF_ERROR(importer.ImportInputs(*torch_graph, options));
  QRUN_RETURN_IF_ERROR(importer.ImportBlock(torch_graph->block()));
  QRUN_RETURN_IF_ERROR(importer.ImportOutputs(*torch_graph));
  graph->remove_unused_tensors();
  return Status::Ok();
}

}  // namespace
}  // namespace qrun::converter

extern "C" __attribute__((visibility("default"))) void qrun_import_torchscript(
    const std::string& bytes, const qrun::converter::ImportOptions& options,
    qrun::converter::Graph* graph, qrun::Status* status) {
  static_assert(
      std::is_same_v<decltype(&qrun_import_torchscript), qrun::converter::ImportTorchScriptFn>);
  *status = qrun::converter::ImportTorchScriptInModule(bytes, options, graph);
}
