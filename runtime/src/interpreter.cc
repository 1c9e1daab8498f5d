#include "interpreter.h"

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "backends/xnnpack_backend.h"
#include "common/overread.h"
#include "cpu_features.h"
#include "memory_planner.h"
#include "quantize/quantize.h"

namespace qrun {
namespace {

OperatorFactory factory_for(fb::OperatorType type) {
  switch (type) {
    case fb::OperatorType::CONV_2D: return make_conv2d;
    case fb::OperatorType::FULLY_CONNECTED: return make_fully_connected;
    case fb::OperatorType::ADD: return make_add;
    case fb::OperatorType::MAX_POOL_2D: return make_max_pool2d;
    case fb::OperatorType::AVERAGE_POOL_2D: return make_average_pool2d;
    case fb::OperatorType::MEAN: return make_mean;
    case fb::OperatorType::RESHAPE: return make_reshape;
    case fb::OperatorType::CONCATENATION: return make_concatenation;
    case fb::OperatorType::SOFTMAX: return make_softmax;
    case fb::OperatorType::TRANSPOSE: return make_transpose;
    case fb::OperatorType::QUANTIZE: return make_quantize;
    case fb::OperatorType::DEQUANTIZE: return make_dequantize;
    case fb::OperatorType::MUL: return make_mul;
    case fb::OperatorType::ELEMENTWISE_UNARY: return make_elementwise_unary;
    case fb::OperatorType::BATCH_MATMUL: return make_batch_matmul;
    case fb::OperatorType::LAYER_NORM: return make_layer_norm;
    case fb::OperatorType::PRELU: return make_prelu;
    case fb::OperatorType::ELEMENTWISE_BINARY: return make_elementwise_binary;
    case fb::OperatorType::REDUCE: return make_reduce;
    case fb::OperatorType::SLICE: return make_slice;
    case fb::OperatorType::GATHER: return make_gather;
    case fb::OperatorType::PAD: return make_pad;
    case fb::OperatorType::TRANSPOSE_CONV_2D: return make_transpose_conv2d;
    case fb::OperatorType::RESIZE: return make_resize;
    case fb::OperatorType::CHANNEL_SHUFFLE: return make_channel_shuffle;
  }
  return nullptr;
}

Status parse_backend(const std::string& name, Backend* backend) {
  if (name == "qrun") {
    *backend = Backend::kQrun;
  } else if (name == "xnnpack") {
    if (!xnnpack_backend_built()) {
      return Unsupported("backend 'xnnpack': qrun was built without XNNPACK (QRUN_WITH_XNNPACK)");
    }
    *backend = Backend::kXnnpack;
  } else {
    return InvalidArgument("unknown backend '" + name + "' (qrun or xnnpack)");
  }
  return Status::Ok();
}

}  // namespace

Status Interpreter::set_backend(const std::string& name) {
  if (!name.empty()) {
    Backend backend;
    QRUN_RETURN_IF_ERROR(parse_backend(name, &backend));
  }
  backend_name_ = name;
  return Status::Ok();
}

Status Interpreter::resolve_backend() {
  const char* from_environment = std::getenv("QRUN_BACKEND");
  const std::string name =
      !backend_name_.empty() ? backend_name_ : (from_environment ? from_environment : "");
  backend_ = Backend::kQrun;
  return name.empty() ? Status::Ok() : parse_backend(name, &backend_);
}

Status Interpreter::bind_operators() {
  for (PreparedOperator& prepared : operators_) {
    QRUN_RETURN_IF_ERROR(prepared.op->bind(arena_.get(), threads_));
  }
  return Status::Ok();
}

void Interpreter::ArenaDeleter::operator()(uint8_t* p) const {
  munmap(p, bytes);
}

Status Interpreter::load(std::unique_ptr<ModelFile> file) {
  file_.reset();
  operators_.clear();
  graph_ = LoadedGraph{};
  using Clock = std::chrono::steady_clock;
  const auto milliseconds_since = [](Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  };
  const Clock::time_point verify_start = Clock::now();
  LoadedGraph graph;
  QRUN_RETURN_IF_ERROR(load_graph(*file, &graph));
  verify_milliseconds_ = milliseconds_since(verify_start);
  const Clock::time_point prepare_start = Clock::now();
  graph_ = std::move(graph);
  const std::string file_name = file->name();
  file_ = std::move(file);
  Status status = prepare_operators();
  if (!status.ok()) {
    file_.reset();
    operators_.clear();
    graph_ = LoadedGraph{};
    return status;
  }
  mark_views();
  arena_bytes_ = plan_arena(&graph_.tensors, static_cast<int>(graph_.model->operators()->size()));
  const size_t allocation = arena_bytes_ + kernels::kInputOverreadBytes;
  void* arena =
      mmap(nullptr, allocation, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (arena == MAP_FAILED) {
    file_.reset();
    operators_.clear();
    return Status(StatusCode::kInternal, file_name + ": cannot allocate a " +
                                             std::to_string(arena_bytes_) +
                                             "-byte activation arena");
  }
  arena_ = std::unique_ptr<uint8_t, ArenaDeleter>(static_cast<uint8_t*>(arena),
                                                  ArenaDeleter{allocation});
  status = bind_operators();
  if (!status.ok()) {
    file_.reset();
    operators_.clear();
    graph_ = LoadedGraph{};
    arena_.reset();
    return status;
  }
  prepare_milliseconds_ = milliseconds_since(prepare_start);
  return Status::Ok();
}

const char* Interpreter::isa() const {
  return isa_name(cpu_);
}

Status Interpreter::prepare_operators() {
  kernels::CpuFeatures cpu = detect_cpu_features();
  const char* from_environment = std::getenv("QRUN_ISA");
  const std::string isa = !isa_.empty() ? isa_ : (from_environment ? from_environment : "");
  if (!isa.empty()) QRUN_RETURN_IF_ERROR(restrict_to_isa(isa, &cpu));
  cpu_ = cpu;
  QRUN_RETURN_IF_ERROR(resolve_backend());
  const bool xnnpack = backend_ == Backend::kXnnpack;
  const auto& ops = *graph_.model->operators();
  auto source_of = [&](int i, PreparedOperator* prepared) {
    const fb::Operator& op = *ops.Get(i);
    const char* type_name = fb::EnumNameOperatorType(op.type());
    prepared->type = *type_name ? type_name : "UNKNOWN";
    prepared->name = op.name() ? op.name()->str() : "";
    prepared->inputs.assign(op.inputs()->begin(), op.inputs()->end());
    prepared->outputs.assign(op.outputs()->begin(), op.outputs()->end());
    return OperatorSource{op,
                          graph_.tensors,
                          prepared->inputs,
                          prepared->outputs,
                          cpu,
                          file_->name() + ": operator " + std::to_string(i) + " (" +
                              prepared->type + " '" + prepared->name + "')"};
  };
  // How many operator inputs name each tensor: a fused convolution's output must have one reader.
  std::vector<int> readers(graph_.tensors.size(), 0);
  for (const fb::Operator* op : ops) {
    for (int input : *op->inputs()) ++readers[input];
  }
  // Views are what a fused Add may look through: RESHAPEs, and TRANSPOSEs of unit axes, which
  // their factories make into views (cheaply: they pack nothing).
  auto is_view = [&](int j) {
    const fb::OperatorType type = ops.Get(j)->type();
    if (type != fb::OperatorType::RESHAPE && type != fb::OperatorType::TRANSPOSE) return false;
    PreparedOperator scratch;
    std::unique_ptr<Operator> view;
    return factory_for(type)(source_of(j, &scratch), &view).ok() && view->is_view();
  };
  for (int i = 0; i < static_cast<int>(ops.size()); ++i) {
    PreparedOperator prepared;
    const OperatorSource source = source_of(i, &prepared);
    int fed = -1;
    const int add_index = fusion_ && !xnnpack ? residual_add_after(i, readers, is_view, &fed) : -1;
    if (add_index >= 0) {
      PreparedOperator add;
      const OperatorSource add_source = source_of(add_index, &add);
      QRUN_RETURN_IF_ERROR(ops.Get(i)->type() == fb::OperatorType::CONV_2D
                               ? make_conv2d_add(source, add_source, fed, &prepared.op)
                               : make_fully_connected_add(source, add_source, fed, &prepared.op));
      if (prepared.op != nullptr) {
        // One operator at index i now writes the ADD's output; the producer's own output, and the
        // views of it, are never written, so the arena plan leaves them out.
        for (int j = i; j < add_index; ++j) {
          Tensor& intermediate = graph_.tensors[ops.Get(j)->outputs()->Get(0)];
          intermediate.producer = -1;
          intermediate.last_consumer = -1;
        }
        graph_.tensors[add.outputs[0]].producer = i;
        prepared.type += "+" + add.type;
        prepared.name += "+" + add.name;
        for (int input : add.inputs) {
          if (input != fed) prepared.inputs.push_back(input);
        }
        const int producer_output = prepared.outputs[0];
        prepared.outputs = add.outputs;
        prepared.macs = conv2d_macs(prepared.inputs[1], producer_output);
        operators_.push_back(std::move(prepared));
        i = add_index;
        continue;
      }
    }
    const fb::Operator& op = *ops.Get(i);
    const OperatorFactory factory = factory_for(op.type());
    if (factory == nullptr) {
      return InvalidModel(source.where + ": unknown operator type " +
                          std::to_string(static_cast<int>(op.type())));
    }
    QRUN_RETURN_IF_ERROR(factory(source, &prepared.op));
    if (xnnpack) {
      // qrun's own operator, made above, has checked the op; XNNPACK's replaces it if it can.
      std::unique_ptr<Operator> lowered;
      QRUN_RETURN_IF_ERROR(make_xnnpack_operator(source, &lowered, &prepared.fallback_reason));
      if (lowered != nullptr) {
        prepared.op = std::move(lowered);
        prepared.backend = "xnnpack";
      }
    }
    if (op.type() == fb::OperatorType::CONV_2D || op.type() == fb::OperatorType::FULLY_CONNECTED) {
      prepared.macs = conv2d_macs(prepared.inputs[1], prepared.outputs[0]);
    }
    if (op.type() == fb::OperatorType::TRANSPOSE_CONV_2D) {
      // Each input element meets every weight of its group's output channels (counted before
      // the padding crops the output).
      const Tensor& in = graph_.tensors[prepared.inputs[0]];
      prepared.macs = in.element_count * graph_.tensors[prepared.inputs[1]].element_count /
                      static_cast<size_t>(in.shape.back());
    }
    operators_.push_back(std::move(prepared));
  }
  return Status::Ok();
}

void Interpreter::mark_views() {
  for (const PreparedOperator& prepared : operators_) {
    if (!prepared.op->is_view()) continue;
    const Tensor& input = graph_.tensors[prepared.inputs[0]];
    if (input.is_constant()) continue;
    // Operators run in order, so the input's own root, if it is a view, is marked already.
    graph_.tensors[prepared.outputs[0]].view_of =
        input.view_of >= 0 ? input.view_of : prepared.inputs[0];
  }
}

uint64_t Interpreter::conv2d_macs(int weights, int output) const {
  // Each output element is one dot product over a row of the weights.
  const Tensor& w = graph_.tensors[weights];
  return graph_.tensors[output].element_count * (w.element_count / static_cast<size_t>(w.shape[0]));
}

template <typename IsView>
int Interpreter::residual_add_after(int index, const std::vector<int>& readers,
                                    const IsView& is_view, int* fed) const {
  const auto& ops = *graph_.model->operators();
  const fb::Operator& producer = *ops.Get(index);
  if ((producer.type() != fb::OperatorType::CONV_2D &&
       producer.type() != fb::OperatorType::FULLY_CONNECTED) ||
      producer.outputs()->size() != 1) {
    return -1;
  }
  int tensor = producer.outputs()->Get(0);
  for (int j = index + 1; j < static_cast<int>(ops.size()); ++j) {
    if (graph_.tensors[tensor].is_graph_output || readers[tensor] != 1) return -1;
    const fb::Operator& next = *ops.Get(j);
    const auto& inputs = *next.inputs();
    if (next.type() == fb::OperatorType::ADD) {
      *fed = tensor;
      return inputs.size() == 2 && (inputs.Get(0) == tensor || inputs.Get(1) == tensor) ? j : -1;
    }
    if (inputs.size() < 1 || inputs.Get(0) != tensor || next.outputs()->size() != 1 ||
        !is_view(j)) {
      return -1;
    }
    tensor = next.outputs()->Get(0);
  }
  return -1;
}

Status Interpreter::find_tensor(const char* what, int index, const std::vector<int>& list,
                                const Tensor** tensor) const {
  if (!loaded()) return InvalidArgument("no model is loaded");
  if (index < 0 || index >= static_cast<int>(list.size())) {
    return InvalidArgument(std::string(what) + " " + std::to_string(index) + " does not exist");
  }
  *tensor = &graph_.tensors[list[index]];
  return Status::Ok();
}

Status Interpreter::set_input(int input, const void* data, size_t size) {
  const Tensor* tensor = nullptr;
  QRUN_RETURN_IF_ERROR(find_tensor("input", input, graph_.inputs, &tensor));
  if (data == nullptr || size != tensor->byte_size) {
    return InvalidArgument("input '" + tensor->name + "' " + shape_string(tensor->shape) + " of " +
                           element_type_name(tensor->type) + " takes " +
                           std::to_string(tensor->byte_size) + " bytes, got " +
                           std::to_string(size));
  }
  std::memcpy(tensor->mutable_data<uint8_t>(arena_.get()), data, size);
  return Status::Ok();
}

Status Interpreter::set_input_float(int input, const float* data, size_t count) {
  const Tensor* tensor = nullptr;
  QRUN_RETURN_IF_ERROR(find_tensor("input", input, graph_.inputs, &tensor));
  return write_float(*tensor, data, count);
}

Status Interpreter::get_output_float(int output, float* data, size_t count) const {
  const Tensor* tensor = nullptr;
  QRUN_RETURN_IF_ERROR(find_tensor("output", output, graph_.outputs, &tensor));
  return read_float(*tensor, data, count);
}

Status Interpreter::set_tensor_float(int index, const float* data, size_t count) {
  const Tensor* tensor = nullptr;
  QRUN_RETURN_IF_ERROR(find_any_tensor(index, &tensor));
  if (tensor->is_constant()) {
    return InvalidArgument("tensor '" + tensor->name + "' is a constant of the model");
  }
  return write_float(*tensor, data, count);
}

Status Interpreter::get_tensor_float(int index, float* data, size_t count) const {
  const Tensor* tensor = nullptr;
  QRUN_RETURN_IF_ERROR(find_any_tensor(index, &tensor));
  return read_float(*tensor, data, count);
}

Status Interpreter::find_any_tensor(int index, const Tensor** tensor) const {
  if (!loaded()) return InvalidArgument("no model is loaded");
  if (index < 0 || index >= static_cast<int>(graph_.tensors.size())) {
    return InvalidArgument("tensor " + std::to_string(index) + " does not exist");
  }
  *tensor = &graph_.tensors[index];
  return Status::Ok();
}

namespace {

// A float view of a float or int8 tensor: exactly its element count.
Status check_float_view(const Tensor& tensor, const void* data, size_t count) {
  if ((tensor.type != ElementType::kFloat32 && tensor.type != ElementType::kInt8) ||
      data == nullptr || count != tensor.element_count) {
    return InvalidArgument("tensor '" + tensor.name + "' " + shape_string(tensor.shape) + " of " +
                           element_type_name(tensor.type) + " holds " +
                           std::to_string(tensor.element_count) + " values as float, not " +
                           std::to_string(count));
  }
  return Status::Ok();
}

}  // namespace

Status Interpreter::write_float(const Tensor& tensor, const float* data, size_t count) {
  QRUN_RETURN_IF_ERROR(check_float_view(tensor, data, count));
  if (tensor.type == ElementType::kFloat32) {
    std::memcpy(tensor.mutable_data<float>(arena_.get()), data, count * sizeof(float));
  } else {
    kernels::quantize_f32_qs8_reference(count, tensor.scale(), tensor.zero_point(), data,
                                        tensor.mutable_data<int8_t>(arena_.get()));
  }
  return Status::Ok();
}

Status Interpreter::read_float(const Tensor& tensor, float* data, size_t count) const {
  QRUN_RETURN_IF_ERROR(check_float_view(tensor, data, count));
  if (tensor.type == ElementType::kFloat32) {
    std::memcpy(data, tensor.data<float>(arena_.get()), count * sizeof(float));
  } else {
    kernels::dequantize_qs8_f32_reference(count, tensor.scale(), tensor.zero_point(),
                                          tensor.data<int8_t>(arena_.get()), data);
  }
  return Status::Ok();
}

void Interpreter::observe(int tensor) const {
  qrun_tensor_info info;
  describe_tensor(graph_.tensors[tensor], &info);
  observer_(observer_data_, tensor, &info, graph_.tensors[tensor].data<uint8_t>(arena_.get()));
}

Status Interpreter::run() {
  if (!loaded()) return InvalidArgument("no model is loaded");
  const RunContext context{arena_.get(), &threads_};
  if (observer_ != nullptr) {
    for (int input : graph_.inputs) observe(input);
  }
  for (PreparedOperator& prepared : operators_) {
    if (profiling_) {
      const auto start = std::chrono::steady_clock::now();
      prepared.op->run(context);
      prepared.last_run_milliseconds =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
    } else {
      prepared.op->run(context);
    }
    if (observer_ != nullptr) {
      for (int output : prepared.outputs) observe(output);
    }
  }
  return Status::Ok();
}

Status Interpreter::run_operator(int index) {
  if (!loaded()) return InvalidArgument("no model is loaded");
  if (index < 0 || index >= static_cast<int>(operators_.size())) {
    return InvalidArgument("operator " + std::to_string(index) + " does not exist");
  }
  operators_[index].op->run(RunContext{arena_.get(), &threads_});
  return Status::Ok();
}

Status Interpreter::get_output(int output, void* data, size_t size) const {
  const Tensor* tensor = nullptr;
  QRUN_RETURN_IF_ERROR(find_tensor("output", output, graph_.outputs, &tensor));
  if (data == nullptr || size != tensor->byte_size) {
    return InvalidArgument("output '" + tensor->name + "' holds " +
                           std::to_string(tensor->byte_size) + " bytes, the buffer " +
                           std::to_string(size));
  }
  std::memcpy(data, tensor->data<uint8_t>(arena_.get()), size);
  return Status::Ok();
}

Status Interpreter::measure_peak(double* gmacs, const char** instruction) const {
  if (!loaded()) return InvalidArgument("no model is loaded");
  const kernels::PeakLoop loop = kernels::select_peak_loop(cpu_);
  *instruction = loop.instruction;
  *gmacs = 0;
  if (loop.run == nullptr) return Status::Ok();
  // Grow the loop until it runs long enough to time, then keep the best of a few runs.
  uint64_t iterations = 1 << 12;
  double best = 0;
  for (int attempt = 0; attempt < 40; ++attempt) {
    const auto start = std::chrono::steady_clock::now();
    const uint64_t macs = loop.run(iterations);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (seconds < 2e-3) {
      iterations *= 2;
      continue;
    }
    best = std::max(best, static_cast<double>(macs) / seconds / 1e9);
    if (attempt > 20) break;
  }
  *gmacs = best;
  return Status::Ok();
}

size_t Interpreter::weight_bytes() const {
  size_t bytes = 0;
  for (const Tensor& tensor : graph_.tensors) {
    if (tensor.is_constant()) bytes += tensor.byte_size;
  }
  return bytes;
}

size_t Interpreter::packed_bytes() const {
  size_t bytes = 0;
  for (const PreparedOperator& prepared : operators_) bytes += prepared.op->packed_bytes();
  return bytes;
}

void describe_tensor(const Tensor& tensor, qrun_tensor_info* info) {
  *info = qrun_tensor_info{};
  info->name = tensor.name.c_str();
  info->type = tensor.type == ElementType::kInt8    ? QRUN_INT8
               : tensor.type == ElementType::kInt32 ? QRUN_INT32
                                                    : QRUN_FLOAT32;
  info->rank = tensor.rank();
  for (int d = 0; d < tensor.rank(); ++d) info->shape[d] = tensor.shape[d];
  info->byte_size = tensor.byte_size;
  info->scale = tensor.scale();
  info->zero_point = tensor.zero_point();
  info->quantized_channels = static_cast<int>(tensor.scales.size());
  info->is_constant = tensor.is_constant() ? 1 : 0;
}

}  // namespace qrun
