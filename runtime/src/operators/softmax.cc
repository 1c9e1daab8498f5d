// SOFTMAX over the last axis. Int8: input 1 is the converter's exp table (kernels/softmax/softmax.h).
#include "operators/checks.h"

namespace qrun {
namespace {

class Softmax final : public Operator {
 public:
  Softmax(bool int8, kernels::SoftmaxQs8Kernel qs8, kernels::SoftmaxF32Kernel f32, size_t rows,
          size_t length, const int32_t* table, const Tensor& input, const Tensor& output)
      : int8_(int8), qs8_(qs8), f32_(f32), rows_(rows), length_(length), table_(table),
        input_(input), output_(output) {}

  void run(const RunContext& context) const override {
    if (int8_) {
      qs8_.run(rows_, length_, table_, input_.data<int8_t>(context.arena),
               output_.mutable_data<int8_t>(context.arena));
    } else {
      f32_.run(rows_, length_, input_.data<float>(context.arena),
               output_.mutable_data<float>(context.arena));
    }
  }
  const char* kernel_name() const override { return int8_ ? qs8_.name : f32_.name; }

 private:
  bool int8_;
  kernels::SoftmaxQs8Kernel qs8_;
  kernels::SoftmaxF32Kernel f32_;
  size_t rows_;
  size_t length_;
  const int32_t* table_;
  const Tensor& input_;
  const Tensor& output_;
};

}  // namespace

Status make_softmax(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  const fb::SoftmaxOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  if (s.inputs.empty()) return s.error("has no input");
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  QRUN_RETURN_IF_ERROR(expect_io_count(s, int8 ? 2 : 1, 1));
  QRUN_RETURN_IF_ERROR(expect_shape(s, output, input.shape));
  if (input.rank() < 1) return s.error("needs an input of rank >= 1");
  const size_t length = static_cast<size_t>(input.dim(-1));
  const int32_t* table = nullptr;
  if (int8) {
    const Tensor& exp_table = s.input(1);
    QRUN_RETURN_IF_ERROR(expect_constant(s, exp_table));
    QRUN_RETURN_IF_ERROR(expect_type(s, exp_table, ElementType::kInt32));
    QRUN_RETURN_IF_ERROR(expect_shape(s, exp_table, {kernels::kSoftmaxTableSize}));
    table = exp_table.data<int32_t>(nullptr);
    // Entries in [0, 2^23] keep the int64 row sum far from overflow and exact in float's reach.
    for (int i = 0; i < kernels::kSoftmaxTableSize; ++i) {
      if (table[i] < 0 || table[i] > (1 << 23)) return s.error("exp table entry out of range");
    }
    if (table[0] == 0) return s.error("exp table entry 0 must be positive");
    if (output.scale() != kernels::kSoftmaxQs8OutputScale ||
        output.zero_point() != kernels::kSoftmaxQs8OutputZeroPoint) {
      return s.error("int8 softmax output must have scale 1/256 and zero point -128");
    }
  }
  *op = std::make_unique<Softmax>(int8, kernels::select_softmax_qs8(s.cpu),
                                  kernels::select_softmax_f32(s.cpu), input.element_count / length,
                                  length, table, input, output);
  return Status::Ok();
}

}  // namespace qrun
