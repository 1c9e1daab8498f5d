// The definition of Transpose: walk the output in order, gather from the input.
#include <cstring>

#include "transpose/transpose.h"

namespace qrun::kernels {

void transpose_reference(const TransposeGeometry& g, const void* input, void* output) {
  size_t in_strides[kMaxTransposeRank];
  size_t stride = 1;
  for (int d = g.rank - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= g.input_dims[d];
  }
  const size_t count = stride;
  size_t out_dims[kMaxTransposeRank];
  size_t in_strides_for_out[kMaxTransposeRank];
  for (int d = 0; d < g.rank; ++d) {
    out_dims[d] = g.input_dims[g.perm[d]];
    in_strides_for_out[d] = in_strides[g.perm[d]];
  }
  const auto* in = static_cast<const unsigned char*>(input);
  auto* out = static_cast<unsigned char*>(output);
  size_t index[kMaxTransposeRank] = {};
  for (size_t e = 0; e < count; ++e) {
    size_t source = 0;
    for (int d = 0; d < g.rank; ++d) source += index[d] * in_strides_for_out[d];
    std::memcpy(out, in + source * g.element_size, g.element_size);
    out += g.element_size;
    for (int d = g.rank - 1; d >= 0; --d) {
      if (++index[d] < out_dims[d]) break;
      index[d] = 0;
    }
  }
}

}  // namespace qrun::kernels
