// A thin C++ wrapper over the C API: RAII ownership and errors as exceptions-free Status values.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "qrun/qrun.h"
#include "qrun/status.h"

namespace qrun {

class Model {
 public:
  Model() : handle_(qrun_interpreter_create()) {}

  Status set_threads(int threads) {
    return check(qrun_interpreter_set_num_threads(get(), threads));
  }
  Status set_isa(const std::string& isa) {
    return check(qrun_interpreter_set_isa(get(), isa.c_str()));
  }
  Status set_backend(const std::string& backend) {
    return check(qrun_interpreter_set_backend(get(), backend.c_str()));
  }
  std::string backend() const { return qrun_interpreter_backend(handle_.get()); }
  Status set_fusion(bool on) { return check(qrun_interpreter_set_fusion(get(), on ? 1 : 0)); }
  Status load_file(const std::string& path) {
    return check(qrun_interpreter_load_file(get(), path.c_str()));
  }
  Status load_buffer(const void* data, size_t size) {
    return check(qrun_interpreter_load_buffer(get(), data, size));
  }

  int input_count() const { return qrun_interpreter_input_count(handle_.get()); }
  int output_count() const { return qrun_interpreter_output_count(handle_.get()); }
  Status input_info(int input, qrun_tensor_info* info) {
    return check(qrun_interpreter_input_info(get(), input, info));
  }
  Status output_info(int output, qrun_tensor_info* info) {
    return check(qrun_interpreter_output_info(get(), output, info));
  }

  // *stored: whether the model holds image preprocessing for this input.
  Status input_preprocessing(int input, bool* stored, qrun_image_preprocessing* preprocessing) {
    int has = 0;
    const Status status =
        check(qrun_interpreter_input_preprocessing(get(), input, &has, preprocessing));
    *stored = has != 0;
    return status;
  }

  Status set_input(int input, const void* data, size_t bytes) {
    return check(qrun_interpreter_set_input(get(), input, data, bytes));
  }
  Status set_input_float(int input, const std::vector<float>& values) {
    return check(qrun_interpreter_set_input_float(get(), input, values.data(), values.size()));
  }
  Status run() { return check(qrun_interpreter_run(get())); }
  Status get_output(int output, void* data, size_t bytes) {
    return check(qrun_interpreter_get_output(get(), output, data, bytes));
  }
  Status get_output_float(int output, std::vector<float>* values) {
    return check(qrun_interpreter_get_output_float(get(), output, values->data(), values->size()));
  }
  Status set_profiling(bool on) { return check(qrun_interpreter_set_profiling(get(), on ? 1 : 0)); }
  Status set_observer(qrun_tensor_observer observer, void* user_data) {
    return check(qrun_interpreter_set_observer(get(), observer, user_data));
  }

  int tensor_count() const { return qrun_interpreter_tensor_count(handle_.get()); }
  Status tensor_info(int tensor, qrun_tensor_info* info) {
    return check(qrun_interpreter_tensor_info(get(), tensor, info));
  }
  Status set_tensor_float(int tensor, const std::vector<float>& values) {
    return check(qrun_interpreter_set_tensor_float(get(), tensor, values.data(), values.size()));
  }
  Status get_tensor_float(int tensor, std::vector<float>* values) {
    return check(qrun_interpreter_get_tensor_float(get(), tensor, values->data(), values->size()));
  }
  Status run_operator(int op) { return check(qrun_interpreter_run_operator(get(), op)); }
  int operator_count() const { return qrun_interpreter_operator_count(handle_.get()); }
  Status operator_info(int op, qrun_operator_info* info) {
    return check(qrun_interpreter_operator_info(get(), op, info));
  }
  Status memory_info(qrun_memory_info* info) {
    return check(qrun_interpreter_memory_info(get(), info));
  }

  Status measure_peak(double* gmacs, const char** instruction) {
    return check(qrun_interpreter_measure_peak(get(), gmacs, instruction));
  }
  Status load_times(qrun_load_times* times) {
    return check(qrun_interpreter_load_times(get(), times));
  }
  std::string isa() const { return qrun_interpreter_isa(handle_.get()); }

  qrun_interpreter* get() const { return handle_.get(); }

 private:
  struct Destroy {
    void operator()(qrun_interpreter* p) const { qrun_interpreter_destroy(p); }
  };

  Status check(qrun_status status) const {
    if (handle_ == nullptr) return Status(StatusCode::kInternal, "out of memory");
    if (status == QRUN_OK) return Status::Ok();
    return Status(static_cast<StatusCode>(status), qrun_interpreter_last_error(handle_.get()));
  }

  std::unique_ptr<qrun_interpreter, Destroy> handle_;
};

// The machine's logical CPUs (see qrun_cpu_describe), in the order of their ids.
inline std::vector<qrun_cpu_info> cpus() {
  std::vector<qrun_cpu_info> list(static_cast<size_t>(qrun_cpu_count()));
  for (size_t i = 0; i < list.size(); ++i) qrun_cpu_describe(static_cast<int>(i), &list[i]);
  return list;
}

}  // namespace qrun
