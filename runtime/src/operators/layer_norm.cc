// LAYER_NORM over the last axis: inputs [x, gamma, beta], gamma and beta float constants of one
// value per channel; x and the output float, or both int8 (kernels/layer_norm/layer_norm.h). A
// float one may have two more outputs, each row's mean and inverse deviation ([rows] floats).
#include <cmath>

#include "operators/checks.h"

namespace qrun {

Status make_layer_norm(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  if (s.inputs.size() != 3 || (s.outputs.size() != 1 && s.outputs.size() != 3)) {
    return s.error(
        "takes 3 inputs and 1 or 3 outputs (y, mean, inverse deviation), the model "
        "gives " +
        std::to_string(s.inputs.size()) + " and " + std::to_string(s.outputs.size()));
  }
  const fb::LayerNormOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  if (input.rank() < 1) return s.error("needs an input of rank >= 1");
  QRUN_RETURN_IF_ERROR(expect_shape(s, output, input.shape));
  kernels::LayerNormGeometry g;
  g.channels = static_cast<size_t>(input.dim(-1));
  g.rows = g.channels == 0 ? 0 : input.element_count / g.channels;
  g.epsilon = options->epsilon();
  if (!std::isfinite(g.epsilon) || g.epsilon < 0.0f) return s.error("epsilon must be >= 0");
  for (int i = 1; i < 3; ++i) {
    QRUN_RETURN_IF_ERROR(expect_constant(s, s.input(i)));
    QRUN_RETURN_IF_ERROR(expect_type(s, s.input(i), ElementType::kFloat32));
    QRUN_RETURN_IF_ERROR(expect_shape(s, s.input(i), {static_cast<int>(g.channels)}));
  }
  const float* gamma = s.input(1).data<float>(nullptr);
  const float* beta = s.input(2).data<float>(nullptr);
  const bool statistics = s.outputs.size() == 3;
  if (statistics) {
    if (int8) return s.error("an int8 layer norm has no mean and inverse deviation outputs");
    if (g.channels == 0) return s.error("mean and inverse deviation of rows of no element");
    for (int i = 1; i < 3; ++i) {
      QRUN_RETURN_IF_ERROR(expect_activation(s, s.output(i)));
      QRUN_RETURN_IF_ERROR(expect_shape(s, s.output(i), {static_cast<int>(g.rows)}));
    }
  }
  if (int8) {
    kernels::LayerNormQs8Params params;
    const double input_scale = input.scale();
    const double output_scale = output.scale();
    if (!(input_scale > 0.0) || !(output_scale > 0.0) || !std::isfinite(input_scale) ||
        !std::isfinite(output_scale)) {
      return s.error("int8 scales must be positive and finite");
    }
    params.input_zero_point = input.zero_point();
    params.epsilon_in_input_steps = g.epsilon / (input_scale * input_scale);
    params.output.zero_point = output.zero_point();
    // Per channel, folded with the output's scale once; the closure owns them.
    std::vector<float> scale(g.channels), shift(g.channels);
    for (size_t c = 0; c < g.channels; ++c) {
      scale[c] = static_cast<float>(gamma[c] / output_scale);
      shift[c] = static_cast<float>(beta[c] / output_scale);
      if (!std::isfinite(scale[c]) || !std::isfinite(shift[c])) {
        return s.error("gamma / output scale and beta / output scale must be finite floats");
      }
    }
    const kernels::LayerNormQs8Kernel kernel = kernels::select_layer_norm_qs8(s.cpu);
    *op = make_operator(kernel.name, [=, &input, &output, scale = std::move(scale),
                                      shift = std::move(shift)](const RunContext& context) {
      kernels::LayerNormQs8Params run_params = params;
      run_params.scale = scale.data();
      run_params.shift = shift.data();
      kernel.run(g, run_params, input.data<int8_t>(context.arena),
                 output.mutable_data<int8_t>(context.arena));
    });
    return Status::Ok();
  }
  const kernels::LayerNormF32Kernel kernel = kernels::select_layer_norm_f32(s.cpu);
  const Tensor* mean = statistics ? &s.output(1) : nullptr;
  const Tensor* inverse = statistics ? &s.output(2) : nullptr;
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    kernel.run(g, gamma, beta, input.data<float>(context.arena),
               output.mutable_data<float>(context.arena),
               mean ? mean->mutable_data<float>(context.arena) : nullptr,
               inverse ? inverse->mutable_data<float>(context.arena) : nullptr);
  });
  return Status::Ok();
}

}  // namespace qrun
