// QUANTIZE (float -> int8, with the output's parameters) and DEQUANTIZE (int8 -> float, with the
// input's): the edges of a float island in an int8 graph.
#include "operators/checks.h"

namespace qrun {
namespace {

class Quantize final : public Operator {
 public:
  Quantize(kernels::QuantizeF32Qs8Kernel kernel, const Tensor& input, const Tensor& output)
      : kernel_(kernel), input_(input), output_(output) {}
  void run(const RunContext& context) const override {
    kernel_.run(input_.element_count, output_.scale(), output_.zero_point(),
                input_.data<float>(context.arena), output_.mutable_data<int8_t>(context.arena));
  }
  const char* kernel_name() const override { return kernel_.name; }

 private:
  kernels::QuantizeF32Qs8Kernel kernel_;
  const Tensor& input_;
  const Tensor& output_;
};

class Dequantize final : public Operator {
 public:
  Dequantize(kernels::DequantizeQs8F32Kernel kernel, const Tensor& input, const Tensor& output)
      : kernel_(kernel), input_(input), output_(output) {}
  void run(const RunContext& context) const override {
    kernel_.run(input_.element_count, input_.scale(), input_.zero_point(),
                input_.data<int8_t>(context.arena), output_.mutable_data<float>(context.arena));
  }
  const char* kernel_name() const override { return kernel_.name; }

 private:
  kernels::DequantizeQs8F32Kernel kernel_;
  const Tensor& input_;
  const Tensor& output_;
};

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
  *op = std::make_unique<Quantize>(kernels::select_quantize_f32_qs8(s.cpu), s.input(0), s.output(0));
  return Status::Ok();
}

Status make_dequantize(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(check_conversion(s, ElementType::kInt8, ElementType::kFloat32));
  *op = std::make_unique<Dequantize>(kernels::select_dequantize_qs8_f32(s.cpu), s.input(0),
                                     s.output(0));
  return Status::Ok();
}

}  // namespace qrun
