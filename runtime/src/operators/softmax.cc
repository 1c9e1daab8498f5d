// SOFTMAX over the last axis. Int8: input 1 is the converter's exp table
// (kernels/softmax/softmax.h).
#include "operators/checks.h"

namespace qrun {

Status make_softmax(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  const fb::SoftmaxOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(expect_shape_keeping_op_with_table(s, &int8));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
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
  const size_t rows = input.element_count / length;
  if (int8) {
    const kernels::SoftmaxQs8Kernel kernel = kernels::select_softmax_qs8(s.cpu);
    *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
      kernel.run(rows, length, table, input.data<int8_t>(context.arena),
                 output.mutable_data<int8_t>(context.arena));
    });
    return Status::Ok();
  }
  const kernels::SoftmaxF32Kernel kernel = kernels::select_softmax_f32(s.cpu);
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    kernel.run(rows, length, input.data<float>(context.arena),
               output.mutable_data<float>(context.arena));
  });
  return Status::Ok();
}

}  // namespace qrun
