// SLICE: part of a tensor along every axis, with any step; values and quantization unchanged.
#include "operators/checks.h"

namespace qrun {

Status make_slice(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 1, 1));
  const fb::SliceOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  QRUN_RETURN_IF_ERROR(expect_same_quantization(s, input, output));
  const int rank = input.rank();
  const auto* begin = options->begin();
  const auto* step = options->step();
  if (rank > kernels::kMaxSliceRank || output.rank() != rank || begin == nullptr ||
      step == nullptr || begin->size() != static_cast<size_t>(rank) ||
      step->size() != static_cast<size_t>(rank)) {
    return s.error("needs begin and step for each axis of input and output of the same rank <= " +
                   std::to_string(kernels::kMaxSliceRank));
  }
  kernels::SliceGeometry geometry;
  geometry.rank = rank;
  geometry.element_size = element_size(input.type);
  for (int d = 0; d < rank; ++d) {
    const int64_t first = begin->Get(d);
    const int64_t stride = step->Get(d);
    const int64_t last = first + (static_cast<int64_t>(output.shape[d]) - 1) * stride;
    if (stride == 0 || first < 0 || first >= input.shape[d] || last < 0 || last >= input.shape[d]) {
      return s.error("axis " + std::to_string(d) + ": " + std::to_string(output.shape[d]) +
                     " elements from " + std::to_string(first) + " in steps of " +
                     std::to_string(stride) + " do not lie in the input's " +
                     std::to_string(input.shape[d]));
    }
    geometry.input_dims[d] = static_cast<size_t>(input.shape[d]);
    geometry.output_dims[d] = static_cast<size_t>(output.shape[d]);
    geometry.begin[d] = static_cast<ptrdiff_t>(first);
    geometry.step[d] = static_cast<ptrdiff_t>(stride);
  }
  const kernels::SliceKernel kernel = kernels::select_slice(s.cpu, geometry);
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    kernel.run(geometry, input.data<uint8_t>(context.arena),
               output.mutable_data<uint8_t>(context.arena));
  });
  return Status::Ok();
}

}  // namespace qrun
