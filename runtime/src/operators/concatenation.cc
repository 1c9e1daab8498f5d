// CONCATENATION along one axis; int8 inputs are requantized into the output's parameters.
#include "operators/checks.h"

namespace qrun {

Status make_concatenation(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  if (s.inputs.empty() || s.outputs.size() != 1) return s.error("takes inputs and one output");
  const fb::ConcatenationOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& output = s.output(0);
  const int rank = output.rank();
  const int axis = options->axis() < 0 ? options->axis() + rank : options->axis();
  if (axis < 0 || axis >= rank)
    return s.error("axis " + std::to_string(options->axis()) + " is out of range");
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));

  size_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= static_cast<size_t>(output.shape[d]);
  std::vector<size_t> blocks;
  std::vector<int32_t> zero_points;
  std::vector<const Tensor*> inputs;
  int64_t axis_total = 0;
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    const Tensor& input = s.input(static_cast<int>(i));
    QRUN_RETURN_IF_ERROR(expect_type(s, input, output.type));
    if (int8) QRUN_RETURN_IF_ERROR(expect_per_tensor(s, input));
    QRUN_RETURN_IF_ERROR(expect_rank(s, input, rank));
    for (int d = 0; d < rank; ++d) {
      if (d != axis && input.shape[d] != output.shape[d]) {
        return s.error("input '" + input.name + "' " + shape_string(input.shape) +
                       " does not fit output " + shape_string(output.shape));
      }
    }
    axis_total += input.shape[axis];
    blocks.push_back(input.element_count / outer);
    zero_points.push_back(input.zero_point());
    inputs.push_back(&input);
  }
  if (axis_total != output.shape[axis]) {
    return s.error("inputs add up to " + std::to_string(axis_total) + " along axis " +
                   std::to_string(axis) + ", the output has " + std::to_string(output.shape[axis]));
  }
  // The inputs' addresses are gathered into this array on every run; it is sized here so that
  // running allocates nothing.
  std::vector<const uint8_t*> addresses(inputs.size());
  kernels::ConcatGeometry geometry{outer, inputs.size(), nullptr};
  if (int8) {
    std::vector<float> multipliers;
    kernels::Qs8Output requantized;
    QRUN_RETURN_IF_ERROR(requantization(s, inputs.size(), &multipliers, &requantized));
    // Each input's requantization as a table over its 256 byte values, or none where it is the
    // identity (the input is copied). The closure owns the bytes: a moved vector keeps its storage.
    std::vector<int8_t> table_bytes(inputs.size() * kernels::kConcatTableSize);
    std::vector<const int8_t*> tables(inputs.size(), nullptr);
    for (size_t i = 0; i < inputs.size(); ++i) {
      int8_t* table = table_bytes.data() + i * kernels::kConcatTableSize;
      if (kernels::concat_qs8_table(zero_points[i], multipliers[i], requantized, table)) {
        tables[i] = table;
      }
    }
    const kernels::ConcatS8TablesKernel kernel = kernels::select_concat_s8_tables(s.cpu);
    *op = make_operator(
        kernel.name, [=, &output, blocks = std::move(blocks), table_bytes = std::move(table_bytes),
                      tables = std::move(tables), inputs = std::move(inputs),
                      addresses = std::move(addresses)](const RunContext& context) mutable {
          for (size_t i = 0; i < inputs.size(); ++i)
            addresses[i] = inputs[i]->data<uint8_t>(context.arena);
          kernels::ConcatGeometry call_geometry = geometry;
          call_geometry.input_blocks = blocks.data();
          kernel.run(call_geometry, tables.data(),
                     reinterpret_cast<const int8_t* const*>(addresses.data()),
                     output.mutable_data<int8_t>(context.arena));
        });
    return Status::Ok();
  }
  const kernels::ConcatF32Kernel kernel = kernels::select_concat_f32(s.cpu);
  *op = make_operator(
      kernel.name, [=, &output, blocks = std::move(blocks), inputs = std::move(inputs),
                    addresses = std::move(addresses)](const RunContext& context) mutable {
        for (size_t i = 0; i < inputs.size(); ++i)
          addresses[i] = inputs[i]->data<uint8_t>(context.arena);
        kernels::ConcatGeometry call_geometry = geometry;
        call_geometry.input_blocks = blocks.data();
        kernel.run(call_geometry, reinterpret_cast<const float* const*>(addresses.data()),
                   output.mutable_data<float>(context.arena));
      });
  return Status::Ok();
}

}  // namespace qrun
