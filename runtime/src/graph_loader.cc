#include "graph_loader.h"

#include <cmath>
#include <string>

#include "preprocessing_loader.h"

namespace qrun {
namespace {

constexpr uint32_t kFormatVersion = 1;
constexpr size_t kBufferAlignment = 64;
constexpr int kMaxRank = 8;
// Far beyond any real model's tensor, and small enough that no size or offset overflows.
constexpr size_t kMaxTensorBytes = size_t{1} << 31;

Status tensor_error(const ModelFile& file, int index, const std::string& name,
                    const std::string& what) {
  return InvalidModel(file.name() + ": tensor " + std::to_string(index) + " '" + name +
                      "': " + what);
}

Status load_quantization(const ModelFile& file, int index, const fb::Tensor& source,
                         Tensor* tensor) {
  const fb::Quantization* quantization = source.quantization();
  if (quantization == nullptr) {
    if (tensor->type == ElementType::kInt8) {
      return tensor_error(file, index, tensor->name, "int8 tensor has no quantization");
    }
    return Status::Ok();
  }
  const auto* scales = quantization->scale();
  const auto* zero_points = quantization->zero_point();
  const size_t count = scales ? scales->size() : 0;
  if (count == 0 || zero_points == nullptr || zero_points->size() != count) {
    return tensor_error(file, index, tensor->name,
                        "quantization needs as many zero points as scales, and at least one");
  }
  const int axis = quantization->channel_axis();
  if (count > 1) {
    if (axis < 0 || axis >= tensor->rank()) {
      return tensor_error(file, index, tensor->name,
                          "per-channel quantization axis " + std::to_string(axis) +
                              " is outside the tensor's rank");
    }
    if (static_cast<size_t>(tensor->shape[axis]) != count) {
      return tensor_error(file, index, tensor->name,
                          std::to_string(count) + " scales for " +
                              std::to_string(tensor->shape[axis]) + " channels on axis " +
                              std::to_string(axis));
    }
  }
  for (size_t i = 0; i < count; ++i) {
    const float scale = scales->Get(i);
    const int32_t zero_point = zero_points->Get(i);
    if (!std::isfinite(scale) || scale <= 0.0f) {
      return tensor_error(file, index, tensor->name,
                          "scale " + std::to_string(scale) + " is not a positive finite number");
    }
    if (tensor->type == ElementType::kInt8 && (zero_point < -128 || zero_point > 127)) {
      return tensor_error(file, index, tensor->name,
                          "zero point " + std::to_string(zero_point) + " is outside int8");
    }
    tensor->scales.push_back(scale);
    tensor->zero_points.push_back(zero_point);
  }
  tensor->channel_axis = count > 1 ? axis : -1;
  return Status::Ok();
}

Status load_tensor(const ModelFile& file, const fb::Model& model, int index, Tensor* tensor) {
  const fb::Tensor* source = model.tensors()->Get(index);
  tensor->name = source->name() ? source->name()->str() : "#" + std::to_string(index);
  switch (source->type()) {
    case fb::TensorType::FLOAT32: tensor->type = ElementType::kFloat32; break;
    case fb::TensorType::INT8: tensor->type = ElementType::kInt8; break;
    case fb::TensorType::INT32: tensor->type = ElementType::kInt32; break;
    default:
      return tensor_error(
          file, index, tensor->name,
          "unknown element type " + std::to_string(static_cast<int>(source->type())));
  }
  const auto* shape = source->shape();
  if (shape == nullptr || shape->size() > kMaxRank) {
    return tensor_error(file, index, tensor->name, "needs a shape of rank 0 to 8");
  }
  tensor->element_count = 1;
  for (int d : *shape) {
    if (d <= 0) return tensor_error(file, index, tensor->name, "has a dimension <= 0");
    tensor->shape.push_back(d);
    tensor->element_count *= static_cast<size_t>(d);
    if (tensor->element_count * element_size(tensor->type) > kMaxTensorBytes) {
      return tensor_error(file, index, tensor->name, "is larger than 2 GiB");
    }
  }
  tensor->byte_size = tensor->element_count * element_size(tensor->type);
  QRUN_RETURN_IF_ERROR(load_quantization(file, index, *source, tensor));

  const int buffer = source->buffer();
  if (buffer < 0) return Status::Ok();
  const auto* buffers = model.buffers();
  if (buffers == nullptr || static_cast<size_t>(buffer) >= buffers->size()) {
    return tensor_error(file, index, tensor->name,
                        "buffer index " + std::to_string(buffer) + " does not exist");
  }
  const fb::BufferRef* ref = buffers->Get(buffer);
  if (ref->offset() % kBufferAlignment != 0) {
    return tensor_error(file, index, tensor->name, "buffer offset is not 64-byte aligned");
  }
  if (ref->offset() > file.size() || ref->size() > file.size() - ref->offset()) {
    return tensor_error(file, index, tensor->name, "buffer runs past the end of the file");
  }
  if (ref->size() != tensor->byte_size) {
    return tensor_error(file, index, tensor->name,
                        "shape " + shape_string(tensor->shape) + " of " +
                            element_type_name(tensor->type) + " needs " +
                            std::to_string(tensor->byte_size) + " bytes, its buffer holds " +
                            std::to_string(ref->size()));
  }
  tensor->constant = file.data() + ref->offset();
  return Status::Ok();
}

Status check_tensor_list(const ModelFile& file, const char* what,
                         const flatbuffers::Vector<int>* list, size_t tensor_count,
                         std::vector<int>* out) {
  if (list == nullptr) return InvalidModel(file.name() + ": the model has no " + what);
  for (int index : *list) {
    if (index < 0 || static_cast<size_t>(index) >= tensor_count) {
      return InvalidModel(file.name() + ": " + what + " names tensor " + std::to_string(index) +
                          ", which does not exist");
    }
    out->push_back(index);
  }
  return Status::Ok();
}

// Each activation must be written by exactly one op (or be a graph input) before it is read.
Status check_data_flow(const ModelFile& file, const fb::Model& model, LoadedGraph* graph) {
  std::vector<Tensor>& tensors = graph->tensors;
  for (int input : graph->inputs) {
    if (tensors[input].is_constant()) {
      return InvalidModel(file.name() + ": graph input '" + tensors[input].name +
                          "' is a constant");
    }
    tensors[input].is_graph_input = true;
  }
  const auto* operators = model.operators();
  const int op_count = static_cast<int>(operators->size());
  for (int i = 0; i < op_count; ++i) {
    const fb::Operator* op = operators->Get(i);
    const std::string where = file.name() + ": operator " + std::to_string(i) + " (" +
                              fb::EnumNameOperatorType(op->type()) + ")";
    if (op->inputs() == nullptr || op->outputs() == nullptr || op->outputs()->size() == 0) {
      return InvalidModel(where + " has no inputs or outputs");
    }
    for (int index : *op->inputs()) {
      if (index < 0 || static_cast<size_t>(index) >= tensors.size()) {
        return InvalidModel(where + " reads tensor " + std::to_string(index) +
                            ", which does not exist");
      }
      Tensor& tensor = tensors[index];
      if (!tensor.is_constant() && !tensor.is_graph_input && tensor.producer < 0) {
        return InvalidModel(where + " reads tensor '" + tensor.name +
                            "' before any operator writes it");
      }
      tensor.last_consumer = i;
    }
    for (int index : *op->outputs()) {
      if (index < 0 || static_cast<size_t>(index) >= tensors.size()) {
        return InvalidModel(where + " writes tensor " + std::to_string(index) +
                            ", which does not exist");
      }
      Tensor& tensor = tensors[index];
      if (tensor.is_constant() || tensor.is_graph_input || tensor.producer >= 0) {
        return InvalidModel(where + " writes tensor '" + tensor.name +
                            "', which is a constant, a graph input or already written");
      }
      tensor.producer = i;
    }
  }
  for (int output : graph->outputs) {
    Tensor& tensor = tensors[output];
    if (tensor.producer < 0 && !tensor.is_graph_input) {
      return InvalidModel(file.name() + ": graph output '" + tensor.name +
                          "' is not written by any operator");
    }
    tensor.is_graph_output = true;
  }
  return Status::Ok();
}

}  // namespace

Status load_graph(const ModelFile& file, LoadedGraph* graph) {
  if (file.size() < 8 || !fb::ModelBufferHasIdentifier(file.data())) {
    return InvalidModel(file.name() + ": not a qfb model (file identifier QFB1 missing)");
  }
  flatbuffers::Verifier verifier(file.data(), file.size());
  if (!fb::VerifyModelBuffer(verifier)) {
    return InvalidModel(file.name() +
                        ": the model file is damaged (FlatBuffers verification "
                        "failed)");
  }
  const fb::Model* model = fb::GetModel(file.data());
  if (model->format_version() != kFormatVersion) {
    return InvalidModel(file.name() + ": format version " +
                        std::to_string(model->format_version()) + " is not supported (expected " +
                        std::to_string(kFormatVersion) + ")");
  }
  if (model->tensors() == nullptr || model->operators() == nullptr) {
    return InvalidModel(file.name() + ": the model has no tensors or no operators");
  }
  // The verifier checks a vector's length field, not that its 8-byte structs are 8-byte aligned.
  if (model->buffers() != nullptr &&
      reinterpret_cast<uintptr_t>(model->buffers()->Data()) % alignof(fb::BufferRef) != 0) {
    return InvalidModel(file.name() + ": the model file is damaged (misaligned buffer table)");
  }
  graph->model = model;
  const int tensor_count = static_cast<int>(model->tensors()->size());
  graph->tensors.resize(tensor_count);
  for (int i = 0; i < tensor_count; ++i) {
    QRUN_RETURN_IF_ERROR(load_tensor(file, *model, i, &graph->tensors[i]));
  }
  QRUN_RETURN_IF_ERROR(check_tensor_list(file, "graph inputs", model->inputs(),
                                         graph->tensors.size(), &graph->inputs));
  QRUN_RETURN_IF_ERROR(check_tensor_list(file, "graph outputs", model->outputs(),
                                         graph->tensors.size(), &graph->outputs));
  if (graph->inputs.empty() || graph->outputs.empty()) {
    return InvalidModel(file.name() + ": the model needs at least one input and one output");
  }
  QRUN_RETURN_IF_ERROR(check_data_flow(file, *model, graph));
  return load_preprocessing(file, *model, graph->tensors, graph->inputs,
                            &graph->input_preprocessing);
}

}  // namespace qrun
