// PAD: constant, reflect or edge padding of every axis; values and quantization unchanged.
#include "operators/checks.h"

namespace qrun {

Status make_pad(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  const fb::PadOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const bool constant_mode = options->mode() == fb::PadMode::CONSTANT;
  QRUN_RETURN_IF_ERROR(expect_io_count(s, constant_mode ? 2 : 1, 1));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  QRUN_RETURN_IF_ERROR(expect_same_quantization(s, input, output));
  const void* value = nullptr;
  if (constant_mode) {
    const Tensor& fill = s.input(1);
    QRUN_RETURN_IF_ERROR(expect_constant(s, fill));
    QRUN_RETURN_IF_ERROR(expect_type(s, fill, input.type));
    if (fill.element_count != 1) return s.error("the padding value must be one element");
    value = fill.data<uint8_t>(nullptr);
  }
  kernels::PadGeometry geometry;
  switch (options->mode()) {
    case fb::PadMode::CONSTANT: geometry.mode = kernels::PadMode::kConstant; break;
    case fb::PadMode::REFLECT: geometry.mode = kernels::PadMode::kReflect; break;
    case fb::PadMode::EDGE: geometry.mode = kernels::PadMode::kEdge; break;
    default: return s.error("unknown padding mode");
  }
  const int rank = input.rank();
  const auto* before = options->before();
  const auto* after = options->after();
  if (rank > kernels::kMaxPadRank || before == nullptr || after == nullptr ||
      before->size() != static_cast<size_t>(rank) || after->size() != static_cast<size_t>(rank)) {
    return s.error("needs paddings before and after each axis of an input of rank <= " +
                   std::to_string(kernels::kMaxPadRank));
  }
  geometry.rank = rank;
  geometry.element_size = element_size(input.type);
  std::vector<int> shape;
  for (int d = 0; d < rank; ++d) {
    const int64_t front = before->Get(d);
    const int64_t back = after->Get(d);
    const int64_t limit =
        geometry.mode == kernels::PadMode::kReflect ? input.shape[d] - 1 : int64_t{1} << 30;
    if (front < 0 || back < 0 || front > limit || back > limit) {
      return s.error("axis " + std::to_string(d) + ": paddings " + std::to_string(front) + " and " +
                     std::to_string(back) + " are negative or too large for dimension " +
                     std::to_string(input.shape[d]));
    }
    geometry.input_dims[d] = static_cast<size_t>(input.shape[d]);
    geometry.before[d] = static_cast<size_t>(front);
    geometry.after[d] = static_cast<size_t>(back);
    shape.push_back(static_cast<int>(front + input.shape[d] + back));
  }
  QRUN_RETURN_IF_ERROR(expect_shape(s, output, shape));
  const kernels::PadKernel kernel = kernels::select_pad(s.cpu, geometry);
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    kernel.run(geometry, value, input.data<uint8_t>(context.arena),
               output.mutable_data<uint8_t>(context.arena));
  });
  return Status::Ok();
}

}  // namespace qrun
