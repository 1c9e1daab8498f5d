// What the elementwise binary operators (ADD, MUL) share: the broadcast geometry of their two
// inputs against the output, and the split of a broadcast among threads.
#pragma once

#include "operators/checks.h"

namespace qrun {

// Right-aligns each input against the output's shape; a dimension of 1 broadcasts (stride 0).
inline Status broadcast_strides(const OperatorSource& s, const Tensor& input, const Tensor& output,
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
template <typename A, typename B, typename Element, typename Call>
void run_in_slices(const RunContext& context, const kernels::BroadcastGeometry& g, const A* a,
                   const B* b, Element* output, const Call& call) {
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

// The broadcast geometry of a binary op's two inputs against its output (each of rank <= 4 and at
// most the output's).
inline Status broadcast_geometry(const OperatorSource& s, kernels::BroadcastGeometry* geometry) {
  const Tensor& a = s.input(0);
  const Tensor& b = s.input(1);
  const Tensor& output = s.output(0);
  if (output.rank() > kernels::kMaxBroadcastRank || a.rank() > output.rank() ||
      b.rank() > output.rank()) {
    return s.error("broadcasting is supported up to rank 4, with the output of the highest rank");
  }
  const int offset = kernels::kMaxBroadcastRank - output.rank();
  for (int d = 0; d < output.rank(); ++d) geometry->output_dims[offset + d] = output.shape[d];
  QRUN_RETURN_IF_ERROR(broadcast_strides(s, a, output, geometry->a_strides));
  return broadcast_strides(s, b, output, geometry->b_strides);
}

// Checks a binary op (inputs a and b of one element type, one output) and finds its broadcast
// geometry and whether it runs in int8.
inline Status prepare_broadcast(const OperatorSource& s, kernels::BroadcastGeometry* geometry,
                                bool* int8) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 2, 1));
  QRUN_RETURN_IF_ERROR(op_is_int8(s, int8));
  QRUN_RETURN_IF_ERROR(expect_type(s, s.input(1), s.input(0).type));
  if (*int8) QRUN_RETURN_IF_ERROR(expect_per_tensor(s, s.input(1)));
  return broadcast_geometry(s, geometry);
}

// The operator that runs a binary kernel, `kernel.run(geometry, params, a, b, output)`, over the
// broadcast of `s`'s inputs, shared among the threads.
template <typename Element, typename Kernel, typename Params>
std::unique_ptr<Operator> make_broadcast_operator(const OperatorSource& s, const Kernel& kernel,
                                                  const kernels::BroadcastGeometry& geometry,
                                                  const Params& params) {
  const Tensor& a = s.input(0);
  const Tensor& b = s.input(1);
  const Tensor& output = s.output(0);
  return make_operator(kernel.name, [=, &a, &b, &output](const RunContext& context) {
    run_in_slices(context, geometry, a.data<Element>(context.arena), b.data<Element>(context.arena),
                  output.mutable_data<Element>(context.arena),
                  [&](const kernels::BroadcastGeometry& slice, const Element* x, const Element* y,
                      Element* out) { kernel.run(slice, params, x, y, out); });
  });
}

}  // namespace qrun
