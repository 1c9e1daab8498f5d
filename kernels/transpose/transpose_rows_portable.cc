// Transpose that keeps the innermost axis in place (perm[rank - 1] == rank - 1, as attention's
// [B, S, H, D] -> [B, H, S, D]): each output row is one contiguous input row, so it is one memcpy.
// Plain C++ for any CPU; the bytes are the reference's.
#include <cstring>

#include "transpose/transpose.h"

namespace qrun::kernels {

void transpose_rows_portable(const TransposeGeometry& g, const void* input, void* output) {
  const int last = g.rank - 1;
  size_t in_strides[kMaxTransposeRank] = {};
  size_t stride = 1;
  for (int d = last; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= g.input_dims[d];
  }
  size_t out_dims[kMaxTransposeRank] = {};
  size_t strides_for_out[kMaxTransposeRank] = {};
  size_t rows = 1;
  for (int d = 0; d < last; ++d) {
    out_dims[d] = g.input_dims[g.perm[d]];
    strides_for_out[d] = in_strides[g.perm[d]];
    rows *= out_dims[d];
  }
  const size_t row_bytes = g.input_dims[last] * g.element_size;
  const auto* in = static_cast<const unsigned char*>(input);
  auto* out = static_cast<unsigned char*>(output);
  size_t index[kMaxTransposeRank] = {};
  size_t source = 0;  // in elements
  for (size_t row = 0; row < rows; ++row) {
    std::memcpy(out, in + source * g.element_size, row_bytes);
    out += row_bytes;
    for (int d = last - 1; d >= 0; --d) {
      source += strides_for_out[d];
      if (++index[d] < out_dims[d]) break;
      source -= out_dims[d] * strides_for_out[d];
      index[d] = 0;
    }
  }
}

}  // namespace qrun::kernels
