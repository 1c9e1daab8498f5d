// ADD: two inputs of rank <= 4 broadcast NumPy-style to the output's shape.
#include "operators/checks.h"

namespace qrun {
namespace {

// Right-aligns each input against the output's shape; a dimension of 1 broadcasts (stride 0).
Status broadcast_strides(const OperatorSource& s, const Tensor& input, const Tensor& output,
                         size_t* strides) {
  const int offset = kernels::kMaxBroadcastRank - input.rank();
  const int output_offset = kernels::kMaxBroadcastRank - output.rank();
  size_t stride = 1;
  for (int d = kernels::kMaxBroadcastRank - 1; d >= 0; --d) {
    const int extent = d >= offset ? input.shape[d - offset] : 1;
    const int out_extent = d >= output_offset ? output.shape[d - output_offset] : 1;
    if (extent != out_extent && extent != 1) {
      return s.error("input '" + input.name + "' " + shape_string(input.shape) +
                     " does not broadcast to " + shape_string(output.shape));
    }
    strides[d] = extent == 1 ? 0 : stride;
    stride *= static_cast<size_t>(extent);
  }
  return Status::Ok();
}

// Shares the work among threads along the outermost dimension with more than one index: each
// slice is the same broadcast over fewer rows, its pointers moved to its first row.
template <typename Element, typename Call>
void run_in_slices(const RunContext& context, const kernels::BroadcastGeometry& g, const Element* a,
                   const Element* b, Element* output, const Call& call) {
  int axis = 0;
  while (axis < kernels::kMaxBroadcastRank - 1 && g.output_dims[axis] == 1) ++axis;
  const size_t extent = g.output_dims[axis];
  size_t inner = 1;
  for (int d = axis + 1; d < kernels::kMaxBroadcastRank; ++d) inner *= g.output_dims[d];
  if (axis == kernels::kMaxBroadcastRank - 1) {
    call(g, a, b, output);
    return;
  }
  context.threads->parallelize(extent, context.threads->tile_for(extent),
                               [&](size_t begin, size_t end) {
                                 kernels::BroadcastGeometry slice = g;
                                 slice.output_dims[axis] = end - begin;
                                 call(slice, a + begin * g.a_strides[axis],
                                      b + begin * g.b_strides[axis], output + begin * inner);
                               });
}

}  // namespace

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
  if (output.rank() > kernels::kMaxBroadcastRank || a.rank() > output.rank() ||
      b.rank() > output.rank()) {
    return s.error("broadcasting is supported up to rank 4, with the output of the highest rank");
  }
  kernels::BroadcastGeometry geometry;
  const int offset = kernels::kMaxBroadcastRank - output.rank();
  for (int d = 0; d < output.rank(); ++d) geometry.output_dims[offset + d] = output.shape[d];
  QRUN_RETURN_IF_ERROR(broadcast_strides(s, a, output, geometry.a_strides));
  QRUN_RETURN_IF_ERROR(broadcast_strides(s, b, output, geometry.b_strides));

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
