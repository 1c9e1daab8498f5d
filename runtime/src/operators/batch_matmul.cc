// BATCH_MATMUL: [B,] M x K times [B,] K x N, two activations of the same rank (2 or 3); with
// transpose_b the second is given as [B,] N x K.
#include "operators/checks.h"

namespace qrun {

Status make_batch_matmul(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 2, 1));
  const fb::BatchMatMulOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& a = s.input(0);
  const Tensor& b = s.input(1);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_activation(s, a));
  QRUN_RETURN_IF_ERROR(expect_activation(s, b));
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  QRUN_RETURN_IF_ERROR(expect_type(s, b, a.type));
  const int rank = a.rank();
  if ((rank != 2 && rank != 3) || b.rank() != rank) {
    return s.error("needs two inputs of the same rank, 2 or 3");
  }
  kernels::BatchMatMulGeometry g;
  g.transpose_b = options->transpose_b();
  g.batch = rank == 3 ? static_cast<size_t>(a.dim(0)) : 1;
  g.m = static_cast<size_t>(a.dim(-2));
  g.k = static_cast<size_t>(a.dim(-1));
  g.n = static_cast<size_t>(g.transpose_b ? b.dim(-2) : b.dim(-1));
  std::vector<int> expected = {static_cast<int>(g.m), static_cast<int>(g.n)};
  if (rank == 3) {
    if (b.dim(0) != a.dim(0)) return s.error("the two inputs differ in batch");
    expected.insert(expected.begin(), a.dim(0));
  }
  const size_t b_reduction = static_cast<size_t>(g.transpose_b ? b.dim(-1) : b.dim(-2));
  if (b_reduction != g.k) {
    return s.error("the inputs do not multiply: a " + shape_string(a.shape) + " is [.., M, K], b " +
                   shape_string(b.shape) +
                   (g.transpose_b ? " is [.., N, K] (transpose_b)" : " is [.., K, N]"));
  }
  QRUN_RETURN_IF_ERROR(expect_shape(s, output, expected));
  if (int8) {
    QRUN_RETURN_IF_ERROR(expect_per_tensor(s, b));
    // |a - zp| and |b - zp| are at most 255: K of those products must fit in int32.
    if (g.k > (size_t{1} << 31) / (255 * 255)) return s.error("the reduction is too long");
    std::vector<float> multipliers;
    kernels::BatchMatMulQs8Params params;
    QRUN_RETURN_IF_ERROR(requantization(s, 1, &multipliers, &params.output));
    params.a_zero_point = a.zero_point();
    params.b_zero_point = b.zero_point();
    params.multiplier = multipliers[0];
    const kernels::BatchMatMulQs8Kernel kernel = kernels::select_batch_matmul_qs8(s.cpu);
    *op = make_operator(kernel.name, [=, &a, &b, &output](const RunContext& context) {
      kernel.run(g, params, a.data<int8_t>(context.arena), b.data<int8_t>(context.arena),
                 output.mutable_data<int8_t>(context.arena));
    });
    return Status::Ok();
  }
  kernels::F32Range range;
  QRUN_RETURN_IF_ERROR(float_range(s, options->activation(), &range));
  const kernels::BatchMatMulF32Kernel kernel = kernels::select_batch_matmul_f32(s.cpu);
  *op = make_operator(kernel.name, [=, &a, &b, &output](const RunContext& context) {
    kernel.run(g, range, a.data<float>(context.arena), b.data<float>(context.arena),
               output.mutable_data<float>(context.arena));
  });
  return Status::Ok();
}

}  // namespace qrun
