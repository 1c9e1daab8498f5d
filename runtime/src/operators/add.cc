// ADD: two inputs of rank <= 4 broadcast NumPy-style to the output's shape.
#include "operators/broadcast.h"

namespace qrun {

Status make_add(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 2, 1));
  const fb::AddOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& a = s.input(0);
  const Tensor& b = s.input(1);
  const Tensor& output = s.output(0);
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  QRUN_RETURN_IF_ERROR(expect_type(s, b, a.type));
  kernels::BroadcastGeometry geometry;
  QRUN_RETURN_IF_ERROR(broadcast_geometry(s, &geometry));

  if (int8) {
    QRUN_RETURN_IF_ERROR(expect_per_tensor(s, b));
    std::vector<float> multipliers;
    kernels::AddQs8Params params;
    QRUN_RETURN_IF_ERROR(requantization(s, 2, &multipliers, &params.output));
    params.a_zero_point = a.zero_point();
    params.b_zero_point = b.zero_point();
    params.a_multiplier = multipliers[0];
    params.b_multiplier = multipliers[1];
    const kernels::AddQs8Kernel kernel = kernels::select_add_qs8(s.cpu, geometry);
    *op = make_operator(kernel.name, [=, &a, &b, &output](const RunContext& context) {
      run_in_slices(context, geometry, a.data<int8_t>(context.arena), b.data<int8_t>(context.arena),
                    output.mutable_data<int8_t>(context.arena),
                    [&](const kernels::BroadcastGeometry& slice, const int8_t* x, const int8_t* y,
                        int8_t* out) { kernel.run(slice, params, x, y, out); });
    });
    return Status::Ok();
  }
  kernels::F32Range range;
  QRUN_RETURN_IF_ERROR(float_range(s, options->activation(), &range));
  const kernels::AddF32Kernel kernel = kernels::select_add_f32(s.cpu);
  *op = make_operator(kernel.name, [=, &a, &b, &output](const RunContext& context) {
    run_in_slices(context, geometry, a.data<float>(context.arena), b.data<float>(context.arena),
                  output.mutable_data<float>(context.arena),
                  [&](const kernels::BroadcastGeometry& slice, const float* x, const float* y,
                      float* out) { kernel.run(slice, range, x, y, out); });
  });
  return Status::Ok();
}

}  // namespace qrun
