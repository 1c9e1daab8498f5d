// PRELU: x and its constant slope, broadcast NumPy-style to the output's (x's) shape.
#include "operators/broadcast.h"

namespace qrun {

Status make_prelu(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  kernels::BroadcastGeometry geometry;
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(prepare_broadcast(s, &geometry, &int8));
  const fb::PReluOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& input = s.input(0);
  const Tensor& slope = s.input(1);
  QRUN_RETURN_IF_ERROR(expect_constant(s, slope));
  if (input.shape != s.output(0).shape) {
    return s.error("the output's shape " + shape_string(s.output(0).shape) +
                   " is not the input's " + shape_string(input.shape));
  }
  if (int8) {
    if (slope.zero_point() != 0) return s.error("the int8 slope must have zero point 0");
    std::vector<float> multipliers;
    kernels::PReluQs8Params params;
    QRUN_RETURN_IF_ERROR(requantization(s, 2, &multipliers, &params.output));
    params.input_zero_point = input.zero_point();
    params.positive_multiplier = multipliers[0];
    params.negative_multiplier = multipliers[1];
    *op = make_broadcast_operator<int8_t>(s, kernels::select_prelu_qs8(s.cpu), geometry, params);
    return Status::Ok();
  }
  const kernels::PReluF32Kernel kernel = kernels::select_prelu_f32(s.cpu);
  const Tensor& output = s.output(0);
  *op = make_operator(kernel.name, [=, &input, &slope, &output](const RunContext& context) {
    run_in_slices(context, geometry, input.data<float>(context.arena),
                  slope.data<float>(context.arena), output.mutable_data<float>(context.arena),
                  [&](const kernels::BroadcastGeometry& part, const float* x, const float* a,
                      float* y) { kernel.run(part, x, a, y); });
  });
  return Status::Ok();
}

}  // namespace qrun
