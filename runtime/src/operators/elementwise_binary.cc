// ELEMENTWISE_BINARY: Sub, Div, Maximum or Minimum of two inputs of rank <= 4, broadcast
// NumPy-style to the output's shape.
#include "operators/broadcast.h"

namespace qrun {
namespace {

Status binary_function(const OperatorSource& s, fb::BinaryFunction source,
                       kernels::BinaryFunction* function) {
  switch (source) {
    case fb::BinaryFunction::SUB: *function = kernels::BinaryFunction::kSub; break;
    case fb::BinaryFunction::DIV: *function = kernels::BinaryFunction::kDiv; break;
    case fb::BinaryFunction::MAXIMUM: *function = kernels::BinaryFunction::kMaximum; break;
    case fb::BinaryFunction::MINIMUM: *function = kernels::BinaryFunction::kMinimum; break;
    default: return s.error("unknown binary function");
  }
  return Status::Ok();
}

}  // namespace

Status make_elementwise_binary(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  kernels::BroadcastGeometry geometry;
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(prepare_broadcast(s, &geometry, &int8));
  const fb::ElementwiseBinaryOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  kernels::BinaryFunction function = kernels::BinaryFunction::kSub;
  QRUN_RETURN_IF_ERROR(binary_function(s, options->function(), &function));
  if (int8) {
    const size_t count = function == kernels::BinaryFunction::kDiv ? 1 : 2;
    std::vector<float> multipliers;
    kernels::BinaryQs8Params params;
    QRUN_RETURN_IF_ERROR(requantization(s, count, &multipliers, &params.output));
    params.function = function;
    params.a_zero_point = s.input(0).zero_point();
    params.b_zero_point = s.input(1).zero_point();
    params.a_multiplier = multipliers[0];
    params.b_multiplier = multipliers.back();
    *op = make_broadcast_operator<int8_t>(s, kernels::select_binary_qs8(s.cpu, geometry), geometry,
                                          params);
    return Status::Ok();
  }
  kernels::BinaryF32Params params;
  params.function = function;
  QRUN_RETURN_IF_ERROR(float_range(s, options->activation(), &params.range));
  *op = make_broadcast_operator<float>(s, kernels::select_binary_f32(s.cpu), geometry, params);
  return Status::Ok();
}

}  // namespace qrun
