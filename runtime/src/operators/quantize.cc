// QUANTIZE (float -> int8, with the output's parameters) and DEQUANTIZE (int8 -> float, with the
// input's): the edges of a float island in an int8 graph.
#include "operators/checks.h"

namespace qrun {
namespace {

Status check_conversion(const OperatorSource& s, ElementType from, ElementType to) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 1, 1));
  QRUN_RETURN_IF_ERROR(expect_type(s, s.input(0), from));
  QRUN_RETURN_IF_ERROR(expect_type(s, s.output(0), to));
  QRUN_RETURN_IF_ERROR(expect_shape(s, s.output(0), s.input(0).shape));
  return expect_per_tensor(s, from == ElementType::kInt8 ? s.input(0) : s.output(0));
}

}  // namespace

Status make_quantize(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(check_conversion(s, ElementType::kFloat32, ElementType::kInt8));
  const kernels::QuantizeF32Qs8Kernel kernel = kernels::select_quantize_f32_qs8(s.cpu);
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  *op = make_operator(kernel.name, [kernel, &input, &output](const RunContext& context) {
    kernel.run(input.element_count, output.scale(), output.zero_point(),
               input.data<float>(context.arena), output.mutable_data<int8_t>(context.arena));
  });
  return Status::Ok();
}

Status make_dequantize(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(check_conversion(s, ElementType::kInt8, ElementType::kFloat32));
  const kernels::DequantizeQs8F32Kernel kernel = kernels::select_dequantize_qs8_f32(s.cpu);
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  *op = make_operator(kernel.name, [kernel, &input, &output](const RunContext& context) {
    kernel.run(input.element_count, input.scale(), input.zero_point(),
               input.data<int8_t>(context.arena), output.mutable_data<float>(context.arena));
  });
  return Status::Ok();
}

}  // namespace qrun
