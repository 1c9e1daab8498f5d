// Slice whose innermost axis has step 1: each output row is one contiguous run of the input, so
// it is one memcpy. Plain C++ for any CPU; the bytes are the reference's.
#include <cstring>

#include "slice/slice.h"

namespace qrun::kernels {

void slice_rows_portable(const SliceGeometry& g, const void* input, void* output) {
  const auto* in = static_cast<const unsigned char*>(input);
  auto* out = static_cast<unsigned char*>(output);
  const int last = g.rank - 1;
  ptrdiff_t in_strides[kMaxSliceRank] = {};
  ptrdiff_t stride = static_cast<ptrdiff_t>(g.element_size);
  size_t rows = 1;
  for (int d = last; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= static_cast<ptrdiff_t>(g.input_dims[d]);
    if (d < last) rows *= g.output_dims[d];
  }
  const size_t row_bytes = g.output_dims[last] * g.element_size;
  ptrdiff_t source = g.begin[last] * in_strides[last];
  for (int d = 0; d < last; ++d) source += g.begin[d] * in_strides[d];
  size_t index[kMaxSliceRank] = {};
  for (size_t row = 0; row < rows; ++row) {
    std::memcpy(out, in + source, row_bytes);
    out += row_bytes;
    // Step to the next row: the innermost outer axis moves on, and those that wrap go back.
    for (int d = last - 1; d >= 0; --d) {
      source += g.step[d] * in_strides[d];
      if (++index[d] < g.output_dims[d]) break;
      source -= static_cast<ptrdiff_t>(g.output_dims[d]) * g.step[d] * in_strides[d];
      index[d] = 0;
    }
  }
}

}  // namespace qrun::kernels
