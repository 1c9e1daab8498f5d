// TRANSPOSE of a tensor of rank <= 6; values and quantization are unchanged.
#include "operators/checks.h"

namespace qrun {
namespace {

// Whether the axes longer than 1 keep their order: then the elements keep theirs too.
bool moves_only_unit_axes(const kernels::TransposeGeometry& g) {
  int previous = -1;
  for (int d = 0; d < g.rank; ++d) {
    const int source = g.perm[d];
    if (g.input_dims[source] == 1) continue;
    if (source < previous) return false;
    previous = source;
  }
  return true;
}

}  // namespace

Status make_transpose(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 1, 1));
  const fb::TransposeOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& input = s.input(0);
  QRUN_RETURN_IF_ERROR(expect_same_quantization(s, input, s.output(0)));
  const int rank = input.rank();
  const auto* perm = options->perm();
  if (rank > kernels::kMaxTransposeRank || perm == nullptr ||
      perm->size() != static_cast<size_t>(rank)) {
    return s.error("needs a permutation of the input's rank, which must be <= " +
                   std::to_string(kernels::kMaxTransposeRank));
  }
  kernels::TransposeGeometry geometry;
  geometry.rank = rank;
  geometry.element_size = element_size(input.type);
  std::vector<int> output_shape;
  bool seen[kernels::kMaxTransposeRank] = {};
  for (int d = 0; d < rank; ++d) {
    const int source = perm->Get(d);
    if (source < 0 || source >= rank || seen[source]) return s.error("perm is not a permutation");
    seen[source] = true;
    geometry.perm[d] = source;
    geometry.input_dims[d] = static_cast<size_t>(input.shape[d]);
    output_shape.push_back(input.shape[source]);
  }
  QRUN_RETURN_IF_ERROR(expect_shape(s, s.output(0), output_shape));
  if (moves_only_unit_axes(geometry)) {
    *op = make_view(input, s.output(0));
    return Status::Ok();
  }
  const kernels::TransposeKernel kernel = kernels::select_transpose(s.cpu, geometry);
  const Tensor& output = s.output(0);
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    kernel.run(geometry, input.data<uint8_t>(context.arena),
               output.mutable_data<uint8_t>(context.arena));
  });
  return Status::Ok();
}

}  // namespace qrun
