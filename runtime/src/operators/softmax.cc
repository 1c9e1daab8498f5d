// SOFTMAX over one axis. Int8: input 1 is the converter's exp table (kernels/softmax/softmax.h).
// The kernels take rows along the last axis; over another axis each [length, inner] block is
// transposed into a scratch buffer (sized at load time), run as `inner` rows and transposed back.
#include <vector>

#include "operators/checks.h"

namespace qrun {
namespace {

// The operator that runs `run_rows(rows, length, in, out)` over axis `axis` of `input`.
template <typename Element, typename RunRows>
std::unique_ptr<Operator> make_softmax_operator(const char* name, const Tensor& input,
                                                const Tensor& output, int axis, RunRows run_rows) {
  size_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= static_cast<size_t>(input.shape[d]);
  for (int d = axis + 1; d < input.rank(); ++d) inner *= static_cast<size_t>(input.shape[d]);
  const size_t length = static_cast<size_t>(input.shape[axis]);
  if (inner == 1) {
    return make_operator(name, [=, &input, &output](const RunContext& context) {
      run_rows(outer, length, input.data<Element>(context.arena),
               output.mutable_data<Element>(context.arena));
    });
  }
  std::vector<Element> rows_in(length * inner), rows_out(length * inner);
  return make_operator(name, [=, &input, &output](const RunContext& context) mutable {
    const Element* x = input.data<Element>(context.arena);
    Element* y = output.mutable_data<Element>(context.arena);
    for (size_t o = 0; o < outer; ++o, x += length * inner, y += length * inner) {
      for (size_t l = 0; l < length; ++l) {
        for (size_t i = 0; i < inner; ++i) rows_in[i * length + l] = x[l * inner + i];
      }
      run_rows(inner, length, rows_in.data(), rows_out.data());
      for (size_t l = 0; l < length; ++l) {
        for (size_t i = 0; i < inner; ++i) y[l * inner + i] = rows_out[i * length + l];
      }
    }
  });
}

}  // namespace

Status make_softmax(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  const fb::SoftmaxOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(expect_shape_keeping_op_with_table(s, &int8));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  if (input.rank() < 1) return s.error("needs an input of rank >= 1");
  int axis = options->axis();
  if (axis < -input.rank() || axis >= input.rank()) {
    return s.error("axis " + std::to_string(axis) + " is out of range");
  }
  if (axis < 0) axis += input.rank();
  if (input.element_count == 0) return s.error("the input is empty");
  const int32_t* table = nullptr;
  if (int8) {
    const Tensor& exp_table = s.input(1);
    QRUN_RETURN_IF_ERROR(expect_constant(s, exp_table));
    QRUN_RETURN_IF_ERROR(expect_type(s, exp_table, ElementType::kInt32));
    QRUN_RETURN_IF_ERROR(expect_shape(s, exp_table, {kernels::kSoftmaxTableSize}));
    table = exp_table.data<int32_t>(nullptr);
    // Entries in [0, 2^23] keep the int64 row sum far from overflow and exact in float's reach.
    for (int i = 0; i < kernels::kSoftmaxTableSize; ++i) {
      if (table[i] < 0 || table[i] > (1 << 23)) return s.error("exp table entry out of range");
    }
    if (table[0] == 0) return s.error("exp table entry 0 must be positive");
    if (output.scale() != kernels::kSoftmaxQs8OutputScale ||
        output.zero_point() != kernels::kSoftmaxQs8OutputZeroPoint) {
      return s.error("int8 softmax output must have scale 1/256 and zero point -128");
    }
  }
  if (int8) {
    const kernels::SoftmaxQs8Kernel kernel = kernels::select_softmax_qs8(s.cpu);
    *op = make_softmax_operator<int8_t>(
        kernel.name, input, output, axis,
        [kernel, table](size_t rows, size_t length, const int8_t* x, int8_t* y) {
          kernel.run(rows, length, table, x, y);
        });
    return Status::Ok();
  }
  const kernels::SoftmaxF32Kernel kernel = kernels::select_softmax_f32(s.cpu);
  *op = make_softmax_operator<float>(kernel.name, input, output, axis, kernel.run);
  return Status::Ok();
}

}  // namespace qrun
