// The public C API: argument checks, status codes and the last error message around Interpreter.
#include <chrono>
#include <string>

#include "cpu_topology.h"
#include "interpreter.h"
#include "qrun/qrun.h"

struct qrun_interpreter {
  qrun::Interpreter interpreter;
  std::string last_error;
  double map_milliseconds = 0;  // of the last load
};

namespace {

qrun_status to_c(const qrun::Status& status) {
  switch (status.code()) {
    case qrun::StatusCode::kOk: return QRUN_OK;
    case qrun::StatusCode::kInvalidArgument: return QRUN_INVALID_ARGUMENT;
    case qrun::StatusCode::kInvalidModel: return QRUN_INVALID_MODEL;
    case qrun::StatusCode::kIoError: return QRUN_IO_ERROR;
    case qrun::StatusCode::kUnsupported: return QRUN_UNSUPPORTED;
    case qrun::StatusCode::kInternal: return QRUN_INTERNAL;
  }
  return QRUN_INTERNAL;
}

qrun_status report(qrun_interpreter* self, const qrun::Status& status) {
  self->last_error = status.ok() ? "" : status.message();
  return to_c(status);
}

// Runs `body` (which returns a qrun::Status) unless the interpreter pointer is null; no C++
// exception may cross the C boundary.
template <typename Body>
qrun_status guarded(qrun_interpreter* self, Body body) {
  if (self == nullptr) return QRUN_INVALID_ARGUMENT;
  try {
    return report(self, body());
  } catch (const std::exception& e) {
    return report(self, qrun::Status(qrun::StatusCode::kInternal, e.what()));
  }
}

qrun::Status index_in_range(const char* what, int index, size_t count) {
  if (index < 0 || static_cast<size_t>(index) >= count) {
    return qrun::InvalidArgument(std::string(what) + " " + std::to_string(index) +
                                 " does not exist");
  }
  return qrun::Status::Ok();
}

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

extern "C" {

qrun_interpreter* qrun_interpreter_create(void) {
  try {
    return new qrun_interpreter();
  } catch (...) {
    return nullptr;
  }
}

void qrun_interpreter_destroy(qrun_interpreter* interpreter) {
  delete interpreter;
}

qrun_status qrun_interpreter_set_num_threads(qrun_interpreter* self, int num_threads) {
  return guarded(self, [&] { return self->interpreter.set_threads(num_threads); });
}

qrun_status qrun_interpreter_set_isa(qrun_interpreter* self, const char* isa) {
  return guarded(self, [&] {
    self->interpreter.set_isa(isa ? isa : "");
    return qrun::Status::Ok();
  });
}

qrun_status qrun_interpreter_set_backend(qrun_interpreter* self, const char* backend) {
  return guarded(self, [&] { return self->interpreter.set_backend(backend ? backend : ""); });
}

const char* qrun_interpreter_backend(const qrun_interpreter* self) {
  return self && self->interpreter.loaded() ? self->interpreter.backend() : "";
}

qrun_status qrun_interpreter_set_fusion(qrun_interpreter* self, int enabled) {
  return guarded(self, [&] {
    self->interpreter.set_fusion(enabled != 0);
    return qrun::Status::Ok();
  });
}

qrun_status qrun_interpreter_load_file(qrun_interpreter* self, const char* path) {
  return guarded(self, [&] {
    if (path == nullptr) return qrun::InvalidArgument("no model path given");
    std::unique_ptr<qrun::ModelFile> file;
    const auto start = std::chrono::steady_clock::now();
    QRUN_RETURN_IF_ERROR(qrun::ModelFile::Map(path, &file));
    self->map_milliseconds = milliseconds_since(start);
    return self->interpreter.load(std::move(file));
  });
}

qrun_status qrun_interpreter_load_buffer(qrun_interpreter* self, const void* data, size_t size) {
  return guarded(self, [&] {
    std::unique_ptr<qrun::ModelFile> file;
    const auto start = std::chrono::steady_clock::now();
    QRUN_RETURN_IF_ERROR(qrun::ModelFile::Copy(data, size, &file));
    self->map_milliseconds = milliseconds_since(start);
    return self->interpreter.load(std::move(file));
  });
}

int qrun_interpreter_input_count(const qrun_interpreter* self) {
  return self ? static_cast<int>(self->interpreter.graph().inputs.size()) : 0;
}

int qrun_interpreter_output_count(const qrun_interpreter* self) {
  return self ? static_cast<int>(self->interpreter.graph().outputs.size()) : 0;
}

qrun_status qrun_interpreter_input_info(qrun_interpreter* self, int input, qrun_tensor_info* info) {
  return guarded(self, [&] {
    const auto& graph = self->interpreter.graph();
    QRUN_RETURN_IF_ERROR(index_in_range("input", input, graph.inputs.size()));
    if (info == nullptr) return qrun::InvalidArgument("info is null");
    qrun::describe_tensor(graph.tensors[graph.inputs[input]], info);
    return qrun::Status::Ok();
  });
}

qrun_status qrun_interpreter_output_info(qrun_interpreter* self, int output,
                                         qrun_tensor_info* info) {
  return guarded(self, [&] {
    const auto& graph = self->interpreter.graph();
    QRUN_RETURN_IF_ERROR(index_in_range("output", output, graph.outputs.size()));
    if (info == nullptr) return qrun::InvalidArgument("info is null");
    qrun::describe_tensor(graph.tensors[graph.outputs[output]], info);
    return qrun::Status::Ok();
  });
}

qrun_status qrun_interpreter_input_preprocessing(qrun_interpreter* self, int input, int* stored,
                                                 qrun_image_preprocessing* preprocessing) {
  return guarded(self, [&] {
    const auto& graph = self->interpreter.graph();
    QRUN_RETURN_IF_ERROR(index_in_range("input", input, graph.inputs.size()));
    if (stored == nullptr || preprocessing == nullptr)
      return qrun::InvalidArgument("null argument");
    const auto& steps = graph.input_preprocessing[input];
    *stored = steps.has_value() ? 1 : 0;
    if (steps) *preprocessing = *steps;
    return qrun::Status::Ok();
  });
}

qrun_status qrun_interpreter_set_input(qrun_interpreter* self, int input, const void* data,
                                       size_t size) {
  return guarded(self, [&] { return self->interpreter.set_input(input, data, size); });
}

qrun_status qrun_interpreter_run(qrun_interpreter* self) {
  return guarded(self, [&] { return self->interpreter.run(); });
}

qrun_status qrun_interpreter_get_output(qrun_interpreter* self, int output, void* data,
                                        size_t size) {
  return guarded(self, [&] { return self->interpreter.get_output(output, data, size); });
}

qrun_status qrun_interpreter_set_input_float(qrun_interpreter* self, int input, const float* data,
                                             size_t count) {
  return guarded(self, [&] { return self->interpreter.set_input_float(input, data, count); });
}

qrun_status qrun_interpreter_get_output_float(qrun_interpreter* self, int output, float* data,
                                              size_t count) {
  return guarded(self, [&] { return self->interpreter.get_output_float(output, data, count); });
}

qrun_status qrun_interpreter_set_tensor_float(qrun_interpreter* self, int tensor, const float* data,
                                              size_t count) {
  return guarded(self, [&] { return self->interpreter.set_tensor_float(tensor, data, count); });
}

qrun_status qrun_interpreter_get_tensor_float(qrun_interpreter* self, int tensor, float* data,
                                              size_t count) {
  return guarded(self, [&] { return self->interpreter.get_tensor_float(tensor, data, count); });
}

qrun_status qrun_interpreter_run_operator(qrun_interpreter* self, int op) {
  return guarded(self, [&] { return self->interpreter.run_operator(op); });
}

qrun_status qrun_interpreter_set_profiling(qrun_interpreter* self, int enabled) {
  return guarded(self, [&] {
    self->interpreter.set_profiling(enabled != 0);
    return qrun::Status::Ok();
  });
}

qrun_status qrun_interpreter_set_observer(qrun_interpreter* self, qrun_tensor_observer observer,
                                          void* user_data) {
  return guarded(self, [&] {
    self->interpreter.set_observer(observer, user_data);
    return qrun::Status::Ok();
  });
}

int qrun_interpreter_tensor_count(const qrun_interpreter* self) {
  return self ? static_cast<int>(self->interpreter.graph().tensors.size()) : 0;
}

qrun_status qrun_interpreter_tensor_info(qrun_interpreter* self, int tensor,
                                         qrun_tensor_info* info) {
  return guarded(self, [&] {
    const auto& tensors = self->interpreter.graph().tensors;
    QRUN_RETURN_IF_ERROR(index_in_range("tensor", tensor, tensors.size()));
    if (info == nullptr) return qrun::InvalidArgument("info is null");
    qrun::describe_tensor(tensors[tensor], info);
    return qrun::Status::Ok();
  });
}

int qrun_interpreter_operator_count(const qrun_interpreter* self) {
  return self ? static_cast<int>(self->interpreter.operators().size()) : 0;
}

qrun_status qrun_interpreter_operator_info(qrun_interpreter* self, int op,
                                           qrun_operator_info* info) {
  return guarded(self, [&] {
    const auto& ops = self->interpreter.operators();
    QRUN_RETURN_IF_ERROR(index_in_range("operator", op, ops.size()));
    if (info == nullptr) return qrun::InvalidArgument("info is null");
    const qrun::PreparedOperator& prepared = ops[op];
    info->type = prepared.type.c_str();
    info->name = prepared.name.c_str();
    info->kernel = prepared.op->kernel_name();
    info->input_count = static_cast<int>(prepared.inputs.size());
    info->inputs = prepared.inputs.data();
    info->output_count = static_cast<int>(prepared.outputs.size());
    info->outputs = prepared.outputs.data();
    info->macs = prepared.macs;
    info->last_run_ms = prepared.last_run_milliseconds;
    info->backend = prepared.backend;
    info->fallback_reason = prepared.fallback_reason.c_str();
    return qrun::Status::Ok();
  });
}

qrun_status qrun_interpreter_memory_info(qrun_interpreter* self, qrun_memory_info* info) {
  return guarded(self, [&] {
    if (!self->interpreter.loaded()) return qrun::InvalidArgument("no model is loaded");
    if (info == nullptr) return qrun::InvalidArgument("info is null");
    info->file_bytes = self->interpreter.file().size();
    info->weight_bytes = self->interpreter.weight_bytes();
    info->packed_bytes = self->interpreter.packed_bytes();
    info->arena_bytes = self->interpreter.arena_bytes();
    return qrun::Status::Ok();
  });
}

qrun_status qrun_interpreter_measure_peak(qrun_interpreter* self, double* gmacs,
                                          const char** instruction) {
  return guarded(self, [&] {
    if (gmacs == nullptr || instruction == nullptr) return qrun::InvalidArgument("null argument");
    return self->interpreter.measure_peak(gmacs, instruction);
  });
}

qrun_status qrun_interpreter_load_times(qrun_interpreter* self, qrun_load_times* times) {
  return guarded(self, [&] {
    if (!self->interpreter.loaded()) return qrun::InvalidArgument("no model is loaded");
    if (times == nullptr) return qrun::InvalidArgument("times is null");
    times->map_ms = self->map_milliseconds;
    times->verify_ms = self->interpreter.verify_milliseconds();
    times->prepare_ms = self->interpreter.prepare_milliseconds();
    return qrun::Status::Ok();
  });
}

const char* qrun_interpreter_isa(const qrun_interpreter* self) {
  return self && self->interpreter.loaded() ? self->interpreter.isa() : "";
}

// The topology is read once, on first use; reading it allocates, and nothing may throw out of C.
const char* qrun_cpu_name(void) {
  try {
    return qrun::cpu_topology().name.c_str();
  } catch (...) {
    return "";
  }
}

int qrun_cpu_count(void) {
  try {
    return static_cast<int>(qrun::cpu_topology().cores.size());
  } catch (...) {
    return 0;
  }
}

qrun_status qrun_cpu_describe(int index, qrun_cpu_info* info) {
  if (index < 0 || index >= qrun_cpu_count() || info == nullptr) return QRUN_INVALID_ARGUMENT;
  const qrun::CpuCore& core = qrun::cpu_topology().cores[index];
  info->id = core.id;
  info->cluster = core.cluster;
  info->uarch = core.uarch.c_str();
  info->max_frequency_khz = core.max_frequency_khz;
  info->capacity = core.capacity;
  return QRUN_OK;
}

const char* qrun_interpreter_last_error(const qrun_interpreter* self) {
  return self ? self->last_error.c_str() : "no interpreter";
}

}  // extern "C"
