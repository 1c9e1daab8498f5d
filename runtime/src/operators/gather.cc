// GATHER along one axis with constant INT32 indices; values and quantization unchanged.
#include "operators/checks.h"

namespace qrun {

Status make_gather(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 2, 1));
  const fb::GatherOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& input = s.input(0);
  const Tensor& indices = s.input(1);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  QRUN_RETURN_IF_ERROR(expect_constant(s, indices));
  QRUN_RETURN_IF_ERROR(expect_type(s, indices, ElementType::kInt32));
  QRUN_RETURN_IF_ERROR(expect_same_quantization(s, input, output));
  const int axis = options->axis();
  if (axis < 0 || axis >= input.rank()) {
    return s.error("axis " + std::to_string(axis) + " is outside the input's rank");
  }
  std::vector<int> shape(input.shape.begin(), input.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), input.shape.begin() + axis + 1, input.shape.end());
  QRUN_RETURN_IF_ERROR(expect_shape(s, output, shape));
  const int32_t* values = indices.data<int32_t>(nullptr);
  for (size_t i = 0; i < indices.element_count; ++i) {
    if (values[i] < 0 || values[i] >= input.shape[axis]) {
      return s.error("index " + std::to_string(values[i]) + " is outside [0, " +
                     std::to_string(input.shape[axis]) + ")");
    }
  }
  kernels::GatherGeometry geometry;
  for (int d = 0; d < axis; ++d) geometry.outer *= static_cast<size_t>(input.shape[d]);
  geometry.axis_dim = static_cast<size_t>(input.shape[axis]);
  geometry.inner_bytes = element_size(input.type);
  for (int d = axis + 1; d < input.rank(); ++d) {
    geometry.inner_bytes *= static_cast<size_t>(input.shape[d]);
  }
  geometry.index_count = indices.element_count;
  const kernels::GatherKernel kernel = kernels::select_gather(s.cpu);
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    kernel.run(geometry, values, input.data<uint8_t>(context.arena),
               output.mutable_data<uint8_t>(context.arena));
  });
  return Status::Ok();
}

}  // namespace qrun
