// An operator after preparation: its tensors checked, its kernel chosen for this CPU, its weights
// packed if that kernel wants them packed. Running it only reads and writes memory that exists.
#pragma once

#include <cstdint>
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
  virtual void run(const RunContext& context) const = 0;
  virtual const char* kernel_name() const = 0;
  // Bytes of weights repacked for the chosen kernel at load time.
  virtual size_t packed_bytes() const { return 0; }
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
Status make_fully_connected(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_add(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_max_pool2d(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_average_pool2d(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_mean(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_reshape(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_concatenation(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_softmax(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_transpose(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_quantize(const OperatorSource&, std::unique_ptr<Operator>*);
Status make_dequantize(const OperatorSource&, std::unique_ptr<Operator>*);

}  // namespace qrun
