// A loaded model ready to run: its file, its validated graph, one prepared operator per op, the
// activation arena and the thread pool. The C API (c_api.cc) is a thin shell over this class.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "graph_loader.h"
#include "model_file.h"
#include "operators/operator.h"
#include "qrun/qrun.h"
#include "thread_pool.h"

namespace qrun {

struct PreparedOperator {
  std::string type;
  std::string name;
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::unique_ptr<Operator> op;
  const char* backend = "qrun";  // which library's kernel runs it: "qrun" or "xnnpack"
  // Under the XNNPACK backend, why this op stays on qrun's kernel; empty otherwise.
  std::string fallback_reason;
  uint64_t macs = 0;                 // multiply-accumulates per run (convolutions, FC)
  double last_run_milliseconds = 0;  // with profiling on
};

// Whose kernels run the model: qrun's own, or XNNPACK's where it has an int8 operator for the op
// (the rest on qrun's, in the same plan; see backends/xnnpack_backend.h).
enum class Backend { kQrun, kXnnpack };

class Interpreter {
 public:
  Status set_threads(int threads) { return threads_.set_threads(threads); }
  // Limits kernel choice to an instruction set (see restrict_to_isa); empty: the QRUN_ISA
  // environment variable if set, else the best the CPU has. Takes effect at the next load.
  void set_isa(std::string isa) { isa_ = std::move(isa); }
  // Whether an int8 ADD right behind the CONV_2D that feeds it runs inside that convolution's
  // kernel, where the CPU has such a kernel (on by default). The output bytes are the same either
  // way; fused, the convolution's own output tensor is never written, so an observer that wants
  // every tensor turns this off. Takes effect at the next load.
  void set_fusion(bool on) { fusion_ = on; }
  // "qrun" or "xnnpack"; empty: the QRUN_BACKEND environment variable if set, else "qrun". Fails
  // for a name it does not know, and for "xnnpack" in a build without XNNPACK. Takes effect at the
  // next load. Under XNNPACK no convolution is fused with an ADD: XNNPACK has no such operator.
  Status set_backend(const std::string& name);
  const char* backend() const { return backend_ == Backend::kXnnpack ? "xnnpack" : "qrun"; }
  Status load(std::unique_ptr<ModelFile> file);
  bool loaded() const { return file_ != nullptr; }
  // The last load's two phases: checking the file (the FlatBuffers verifier, then every shape,
  // index and buffer), and preparing it (kernels chosen, weights packed, the arena planned and
  // mapped). The file's pages are read as they are first touched, mostly while packing.
  double verify_milliseconds() const { return verify_milliseconds_; }
  double prepare_milliseconds() const { return prepare_milliseconds_; }
  // The instruction-set family the kernels were chosen from at the last load (see isa_name).
  const char* isa() const;

  Status set_input(int input, const void* data, size_t size);
  Status set_input_float(int input, const float* data, size_t count);
  Status get_output_float(int output, float* data, size_t count) const;
  Status run();
  Status get_output(int output, void* data, size_t size) const;
  // Any tensor as float (int8 quantized or dequantized with its parameters), and one operator
  // run alone: for tools that run an operator on inputs of their choosing, such as the accuracy
  // report. Activations share memory, so writing a tensor may overwrite others, and an operator
  // reads whatever its inputs hold.
  Status set_tensor_float(int tensor, const float* data, size_t count);
  Status get_tensor_float(int tensor, float* data, size_t count) const;
  Status run_operator(int index);
  // Times every operator of every run (see PreparedOperator::last_run_milliseconds).
  void set_profiling(bool on) { profiling_ = on; }
  void set_observer(qrun_tensor_observer observer, void* user_data) {
    observer_ = observer;
    observer_data_ = user_data;
  }

  const ModelFile& file() const { return *file_; }
  const LoadedGraph& graph() const { return graph_; }
  const std::vector<PreparedOperator>& operators() const { return operators_; }
  size_t arena_bytes() const { return arena_bytes_; }
  // The peak int8 multiply-accumulate rate of one core for the instruction sets this model's
  // kernels may use, measured now with a register-only loop (about 20 ms).
  Status measure_peak(double* gmacs, const char** instruction) const;
  size_t weight_bytes() const;
  size_t packed_bytes() const;

 private:
  Status prepare_operators();
  // The backend chosen with set_backend, or else from QRUN_BACKEND.
  Status resolve_backend();
  // Points every operator at the arena (Operator::bind).
  Status bind_operators();
  Status find_tensor(const char* what, int index, const std::vector<int>& list,
                     const Tensor** tensor) const;
  Status find_any_tensor(int index, const Tensor** tensor) const;
  Status write_float(const Tensor& tensor, const float* data, size_t count);
  Status read_float(const Tensor& tensor, float* data, size_t count) const;
  void observe(int tensor) const;

  std::unique_ptr<ModelFile> file_;
  LoadedGraph graph_;
  std::vector<PreparedOperator> operators_;
  bool profiling_ = false;
  // Anonymous memory: page-aligned, zeroed, and committed only as it is touched.
  struct ArenaDeleter {
    size_t bytes;
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, ArenaDeleter> arena_{nullptr, ArenaDeleter{0}};
  size_t arena_bytes_ = 0;
  double verify_milliseconds_ = 0;
  double prepare_milliseconds_ = 0;
  // The index of the ADD that ops[index], a CONV_2D or FULLY_CONNECTED, feeds through nothing but
  // views, each the only reader (`readers` counts them per tensor) of the tensor before it: the
  // ops in between are views (`is_view(j)`) and the ADD comes right after them. Sets `fed` to the
  // tensor the ADD reads. -1 if there is no such ADD.
  template <typename IsView>
  int residual_add_after(int index, const std::vector<int>& readers, const IsView& is_view,
                         int* fed) const;
  // Gives each view operator's output (operator.h) its input's bytes in the arena plan.
  void mark_views();
  // Multiply-accumulates of a convolution or FC with these weights and output.
  uint64_t conv2d_macs(int weights, int output) const;
  ThreadPool threads_;
  std::string isa_;
  bool fusion_ = true;
  std::string backend_name_;
  Backend backend_ = Backend::kQrun;  // as resolved at the last load
  kernels::CpuFeatures cpu_;          // as restricted by isa_, at the last load
  qrun_tensor_observer observer_ = nullptr;
  void* observer_data_ = nullptr;
};

// Fills the public description of a tensor.
void describe_tensor(const Tensor& tensor, qrun_tensor_info* info);

}  // namespace qrun
