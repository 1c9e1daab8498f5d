// LAYER_NORM over the last axis, float: inputs [x, gamma, beta], gamma and beta float constants
// of one value per channel.
#include <cmath>

#include "operators/checks.h"

namespace qrun {

Status make_layer_norm(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 3, 1));
  const fb::LayerNormOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  QRUN_RETURN_IF_ERROR(expect_type(s, input, ElementType::kFloat32));
  QRUN_RETURN_IF_ERROR(expect_type(s, output, ElementType::kFloat32));
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
  const kernels::LayerNormF32Kernel kernel = kernels::select_layer_norm_f32(s.cpu);
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    kernel.run(g, gamma, beta, input.data<float>(context.arena),
               output.mutable_data<float>(context.arena));
  });
  return Status::Ok();
}

}  // namespace qrun
