// PRELU: x and its constant slope, broadcast NumPy-style to the output's (x's) shape. Int8: input
// 1 holds the negative side's multipliers in float (see kernels/prelu/prelu.h).
#include <cmath>

#include "operators/broadcast.h"

namespace qrun {

Status make_prelu(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 2, 1));
  const fb::PReluOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  const Tensor& input = s.input(0);
  const Tensor& slope = s.input(1);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_constant(s, slope));
  QRUN_RETURN_IF_ERROR(expect_type(s, slope, ElementType::kFloat32));
  if (input.shape != output.shape) {
    return s.error("the output's shape " + shape_string(output.shape) + " is not the input's " +
                   shape_string(input.shape));
  }
  kernels::BroadcastGeometry geometry;
  QRUN_RETURN_IF_ERROR(broadcast_geometry(s, &geometry));
  const float* slope_values = slope.data<float>(nullptr);
  if (int8) {
    for (size_t i = 0; i < slope.element_count; ++i) {
      if (!std::isfinite(slope_values[i])) {
        return s.error("a negative-side multiplier is not a finite number");
      }
    }
    std::vector<float> multipliers;
    kernels::PReluQs8Params params;
    QRUN_RETURN_IF_ERROR(requantization(s, 1, &multipliers, &params.output));
    params.input_zero_point = input.zero_point();
    params.positive_multiplier = multipliers[0];
    const kernels::PReluQs8Kernel kernel = kernels::select_prelu_qs8(s.cpu, geometry);
    *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
      run_in_slices(context, geometry, input.data<int8_t>(context.arena), slope_values,
                    output.mutable_data<int8_t>(context.arena),
                    [&](const kernels::BroadcastGeometry& part, const int8_t* x, const float* m,
                        int8_t* y) { kernel.run(part, params, x, m, y); });
    });
    return Status::Ok();
  }
  const kernels::PReluF32Kernel kernel = kernels::select_prelu_f32(s.cpu);
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    run_in_slices(context, geometry, input.data<float>(context.arena), slope_values,
                  output.mutable_data<float>(context.arena),
                  [&](const kernels::BroadcastGeometry& part, const float* x, const float* a,
                      float* y) { kernel.run(part, x, a, y); });
  });
  return Status::Ok();
}

}  // namespace qrun
