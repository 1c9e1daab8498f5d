// ELEMENTWISE_UNARY: y = f(x) for each element. Int8: input 1 is the converter's 256-entry table.
#include <cmath>

#include "operators/checks.h"

namespace qrun {

Status make_elementwise_unary(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  const fb::ElementwiseUnaryOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(expect_shape_keeping_op_with_table(s, &int8));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  const size_t count = input.element_count;
  // Threads take contiguous ranges of elements; a lookup or a formula per element gives the same
  // bytes however the ranges fall.
  auto in_slices = [](const RunContext& context, size_t count, auto&& run) {
    context.threads->parallelize(count, context.threads->tile_for(count),
                                 [&](size_t begin, size_t end) { run(begin, end - begin); });
  };
  if (int8) {
    const Tensor& table = s.input(1);
    QRUN_RETURN_IF_ERROR(expect_constant(s, table));
    QRUN_RETURN_IF_ERROR(expect_type(s, table, ElementType::kInt8));
    QRUN_RETURN_IF_ERROR(expect_shape(s, table, {kernels::kLookupTableSize}));
    const int8_t* entries = table.data<int8_t>(nullptr);
    const kernels::LookupTableS8Kernel kernel = kernels::select_lookup_table_s8(s.cpu);
    *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
      const int8_t* x = input.data<int8_t>(context.arena);
      int8_t* y = output.mutable_data<int8_t>(context.arena);
      in_slices(context, count,
                [&](size_t begin, size_t n) { kernel.run(n, entries, x + begin, y + begin); });
    });
    return Status::Ok();
  }
  kernels::UnaryF32Params params;
  switch (options->function()) {
    case fb::UnaryFunction::HARD_SWISH: params.function = kernels::UnaryFunction::kHardSwish; break;
    case fb::UnaryFunction::HARD_SIGMOID:
      params.function = kernels::UnaryFunction::kHardSigmoid;
      break;
    case fb::UnaryFunction::SIGMOID: params.function = kernels::UnaryFunction::kSigmoid; break;
    case fb::UnaryFunction::SILU: params.function = kernels::UnaryFunction::kSilu; break;
    case fb::UnaryFunction::GELU: params.function = kernels::UnaryFunction::kGelu; break;
    case fb::UnaryFunction::GELU_TANH: params.function = kernels::UnaryFunction::kGeluTanh; break;
    case fb::UnaryFunction::TANH: params.function = kernels::UnaryFunction::kTanh; break;
    case fb::UnaryFunction::LEAKY_RELU: params.function = kernels::UnaryFunction::kLeakyRelu; break;
    case fb::UnaryFunction::CLIP: params.function = kernels::UnaryFunction::kClip; break;
    default: return s.error("unknown elementwise function");
  }
  params.alpha = options->alpha();
  params.beta = options->beta();
  if (params.function == kernels::UnaryFunction::kClip &&
      (std::isnan(params.alpha) || std::isnan(params.beta) || params.alpha > params.beta)) {
    return s.error("the clip range is empty or not a number");
  }
  const kernels::UnaryF32Kernel kernel = kernels::select_unary_f32(s.cpu);
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    const float* x = input.data<float>(context.arena);
    float* y = output.mutable_data<float>(context.arena);
    in_slices(context, count,
              [&](size_t begin, size_t n) { kernel.run(n, params, x + begin, y + begin); });
  });
  return Status::Ok();
}

}  // namespace qrun
