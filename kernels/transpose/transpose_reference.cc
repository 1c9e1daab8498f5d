// The definition of Transpose: walk the output in order, gather from the input.
#include <cstring>

#include "transpose/transpose.h"

namespace qrun::kernels {

void transpose_reference(const TransposeGeometry& g, const void* input, void* output) {
  // Pad to rank 4 on the left so one loop nest serves every rank.
  size_t out_dims[kMaxTransposeRank] = {1, 1, 1, 1};
  size_t in_strides_for_out[kMaxTransposeRank] = {0, 0, 0, 0};
  size_t in_strides[kMaxTransposeRank];
  size_t stride = 1;
  for (int d = g.rank - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= g.input_dims[d];
  }
  const int offset = kMaxTransposeRank - g.rank;
  for (int d = 0; d < g.rank; ++d) {
    out_dims[offset + d] = g.input_dims[g.perm[d]];
    in_strides_for_out[offset + d] = in_strides[g.perm[d]];
  }
  const auto* in = static_cast<const unsigned char*>(input);
  auto* out = static_cast<unsigned char*>(output);
  for (size_t i0 = 0; i0 < out_dims[0]; ++i0) {
    for (size_t i1 = 0; i1 < out_dims[1]; ++i1) {
      for (size_t i2 = 0; i2 < out_dims[2]; ++i2) {
        for (size_t i3 = 0; i3 < out_dims[3]; ++i3) {
          const size_t source = i0 * in_strides_for_out[0] + i1 * in_strides_for_out[1] +
                                i2 * in_strides_for_out[2] + i3 * in_strides_for_out[3];
          std::memcpy(out, in + source * g.element_size, g.element_size);
          out += g.element_size;
        }
      }
    }
  }
}

}  // namespace qrun::kernels
