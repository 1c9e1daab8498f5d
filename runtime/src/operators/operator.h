// An operator after preparation: its tensors checked, its kernel chosen for this CPU, its weights
// packed if that kernel wants them packed. Running it only reads and writes memory that exists.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "qfb_generated.h"
#include "qrun/status.h"
#include "registry.h"
#include "tensor.h"
#include "thread_pool.h"

namespace qrun {

struct RunContext {
  uint8_t* arena = nullptr;
  ThreadPool* threads = nullptr;
};

class Operator {
 public:
  virtual ~Operator() = default;
  // Called once the activation arena exists, before any run: for operators that must know their
  // tensors' addresses in advance (XNNPACK's).
  virtual Status bind(uint8_t* /*arena*/, ThreadPool& /*threads*/) { return Status::Ok(); }
  virtual void run(const RunContext& context) const = 0;
  virtual const char* kernel_name() const = 0;
  // Bytes of weights repacked for the chosen kernel at load time.
  virtual size_t packed_bytes() const { return 0; }
  // Whether the output is input 0's bytes unchanged (RESHAPE, a TRANSPOSE of unit axes): then the
  // arena plan gives both the same bytes and running the operator does nothing.
  virtual bool is_view() const { return false; }
};

// An operator whose whole run is one closure over what preparation decided: the kernel, its
// geometry and parameters, the tensors. The closure owns its data, so a prepared operator runs
// without allocating.
template <typename Work>
class ClosureOperator final : public Operator {
 public:
  ClosureOperator(const char* kernel_name, size_t packed_bytes, Work work)
      : kernel_name_(kernel_name), packed_bytes_(packed_bytes), work_(std::move(work)) {}
  void run(const RunContext& context) const override { work_(context); }
  const char* kernel_name() const override { return kernel_name_; }
  size_t packed_bytes() const override { return packed_bytes_; }

 private:
  const char* kernel_name_;
  size_t packed_bytes_;
  // Mutable for closures that keep scratch space of their own (sized at load time); an
  // interpreter runs one operator at a time.
  mutable Work work_;
};

template <typename Work>
std::unique_ptr<Operator> make_operator(const char* kernel_name, Work work,
                                        size_t packed_bytes = 0) {
  return std::make_unique<ClosureOperator<Work>>(kernel_name, packed_bytes, std::move(work));
}

// Weights repacked at load time into the layout the chosen kernel reads, 64-byte aligned.
class PackedWeights {
 public:
  // Packs `weights` for `kernel` if it wants packing; otherwise holds nothing.
  template <typename Kernel, typename Geometry, typename Params, typename Weights>
  Status pack(const Kernel& kernel, const Geometry& geometry, const Params& params,
              Weights* weights) {
    if (kernel.pack == nullptr) return Status::Ok();
    size_ = kernel.packed_size(geometry);
    const size_t rounded = (size_ + 63) / 64 * 64;
    data_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, rounded == 0 ? 64 : rounded)));
    if (data_ == nullptr) return Status(StatusCode::kInternal, "out of memory packing weights");
    kernel.pack(geometry, params, *weights, data_.get());
    weights->packed = data_.get();
    return Status::Ok();
  }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

// What an operator is prepared from.
struct OperatorSource {
  const fb::Operator& op;
  const std::vector<Tensor>& tensors;
  std::vector<int> inputs;
  std::vector<int> outputs;
  const kernels::CpuFeatures& cpu;
  std::string where;  // "model.qfb: operator 3 (CONV_2D 'conv1')", the prefix of every message

  const Tensor& input(int i) const { return tensors[inputs[i]]; }
  const Tensor& output(int i) const { return tensors[outputs[i]]; }
  Status error(const std::string& what) const { return InvalidModel(where + ": " + what); }
};

using OperatorFactory = Status (*)(const OperatorSource&, std::unique_ptr<Operator>*);

Status make_conv2d(const OperatorSource&, std::unique_ptr<Operator>*);
// A CONV_2D or FULLY_CONNECTED and the ADD behind it that takes its output, `fed` (the output
// itself, or a view of it), as one operator whose kernel adds in its epilogue and writes the ADD's
// output. Leaves *op empty, without error, where no kernel can (then the ops run in turn).
Status make_conv2d_add(const OperatorSource& conv, const OperatorSource& add, int fed,
                       std::unique_ptr<Operator>*);
Status make_fully_connected_add(const OperatorSource& fully_connected, const OperatorSource& add,
                                int fed, std::unique_ptr<Operator>*);
// What both share: the producer computed by a Conv2D kernel of `kernels` (the first), from its
// `geometry`, its int8 weights, bias and requantization read from `producer`.
Status make_gemm_add(const OperatorSource& producer, const kernels::Conv2dGeometry& geometry,
                     const std::vector<kernels::Conv2dQs8Kernel>& kernels,
                     const OperatorSource& add, int fed, std::unique_ptr<Operator>*);
Status make_fully_connected(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_add(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_mul(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_elementwise_unary(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_max_pool2d(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_average_pool2d(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_mean(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_reshape(const OperatorSource&, std::unique_ptr<Operator>*);
// The output as a view of the input's bytes: a copy only where the two do not share them (a
// constant input).
std::unique_ptr<Operator> make_view(const Tensor& input, const Tensor& output);
Status make_concatenation(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_softmax(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_transpose(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_slice(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_gather(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_pad(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_transpose_conv2d(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_batch_matmul(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_layer_norm(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_resize(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_channel_shuffle(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_quantize(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_dequantize(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_prelu(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_elementwise_binary(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_reduce(const OperatorSource&, std::unique_ptr<Operator>*);

}  // namespace qrun
