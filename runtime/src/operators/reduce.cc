// REDUCE: mean, sum, max or min over a set of axes, the reduced ones kept as 1 or dropped.
#include <limits>

#include "operators/checks.h"

namespace qrun {
namespace {

Status reduce_function(const OperatorSource& s, fb::ReduceFunction source,
                       kernels::ReduceFunction* function) {
  switch (source) {
    case fb::ReduceFunction::MEAN: *function = kernels::ReduceFunction::kMean; break;
    case fb::ReduceFunction::SUM: *function = kernels::ReduceFunction::kSum; break;
    case fb::ReduceFunction::MAXIMUM: *function = kernels::ReduceFunction::kMaximum; break;
    case fb::ReduceFunction::MINIMUM: *function = kernels::ReduceFunction::kMinimum; break;
    default: return s.error("unknown reduce function");
  }
  return Status::Ok();
}

// The geometry from the input's shape and the options' axes, with the output's shape checked
// against it.
Status reduce_geometry(const OperatorSource& s, const fb::ReduceOptions& options,
                       kernels::ReduceGeometry* g) {
  const Tensor& input = s.input(0);
  if (input.rank() < 1 || input.rank() > kernels::kMaxReduceRank) {
    return s.error("the input's rank must be 1 to " + std::to_string(kernels::kMaxReduceRank));
  }
  if (input.element_count == 0) return s.error("the input is empty");
  g->rank = input.rank();
  for (int d = 0; d < g->rank; ++d) g->dims[d] = static_cast<size_t>(input.shape[d]);
  if (options.axes() == nullptr || options.axes()->size() == 0) {
    return s.error("no axes to reduce");
  }
  for (int32_t axis : *options.axes()) {
    if (axis < 0 || axis >= g->rank || g->reduced[axis]) {
      return s.error("axis " + std::to_string(axis) + " is out of range or given twice");
    }
    g->reduced[axis] = true;
  }
  std::vector<int> expected;
  for (int d = 0; d < g->rank; ++d) {
    if (!g->reduced[d]) {
      expected.push_back(input.shape[d]);
    } else if (options.keep_dims()) {
      expected.push_back(1);
    }
  }
  return expect_shape(s, s.output(0), expected);
}

}  // namespace

Status make_reduce(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 1, 1));
  const fb::ReduceOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  kernels::ReduceFunction function = kernels::ReduceFunction::kMean;
  QRUN_RETURN_IF_ERROR(reduce_function(s, options->function(), &function));
  kernels::ReduceGeometry geometry;
  QRUN_RETURN_IF_ERROR(reduce_geometry(s, *options, &geometry));
  if (int8) {
    // |x - x_zp| <= 255, so the int32 sum cannot overflow below this many terms.
    if (geometry.reduced_count() > static_cast<size_t>(std::numeric_limits<int32_t>::max() / 255)) {
      return s.error("reduces too many elements for an int32 sum");
    }
    std::vector<float> multipliers;
    kernels::ReduceQs8Params params;
    QRUN_RETURN_IF_ERROR(requantization(s, 1, &multipliers, &params.output));
    params.function = function;
    params.input_zero_point = input.zero_point();
    params.multiplier = multipliers[0];
    const kernels::ReduceQs8Kernel kernel = kernels::select_reduce_qs8(s.cpu, geometry);
    *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
      kernel.run(geometry, params, input.data<int8_t>(context.arena),
                 output.mutable_data<int8_t>(context.arena));
    });
    return Status::Ok();
  }
  const kernels::ReduceF32Kernel kernel = kernels::select_reduce_f32(s.cpu);
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    kernel.run(geometry, function, input.data<float>(context.arena),
               output.mutable_data<float>(context.arena));
  });
  return Status::Ok();
}

}  // namespace qrun
