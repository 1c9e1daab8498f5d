// The definition of Slice: walk the output in order; each output row of the innermost axis reads
// its input elements at begin + i * step.
#include <cstring>

#include "slice/slice.h"

namespace qrun::kernels {

void slice_reference(const SliceGeometry& g, const void* input, void* output) {
  const auto* in = static_cast<const unsigned char*>(input);
  auto* out = static_cast<unsigned char*>(output);
  if (g.rank == 0) {
    std::memcpy(out, in, g.element_size);
    return;
  }
  ptrdiff_t in_strides[kMaxSliceRank];
  ptrdiff_t stride = static_cast<ptrdiff_t>(g.element_size);
  size_t rows = 1;
  for (int d = g.rank - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= static_cast<ptrdiff_t>(g.input_dims[d]);
    if (d < g.rank - 1) rows *= g.output_dims[d];
  }
  const int last = g.rank - 1;
  const size_t row_length = g.output_dims[last];
  if (row_length == 0) return;
  size_t index[kMaxSliceRank] = {};
  for (size_t row = 0; row < rows; ++row) {
    ptrdiff_t source = g.begin[last] * in_strides[last];
    for (int d = 0; d < last; ++d) {
      source += (g.begin[d] + static_cast<ptrdiff_t>(index[d]) * g.step[d]) * in_strides[d];
    }
    const ptrdiff_t element_step = g.step[last] * in_strides[last];
    for (size_t i = 0; i < row_length; ++i) {
      std::memcpy(out, in + source + static_cast<ptrdiff_t>(i) * element_step, g.element_size);
      out += g.element_size;
    }
    for (int d = last - 1; d >= 0; --d) {
      if (++index[d] < g.output_dims[d]) break;
      index[d] = 0;
    }
  }
}

}  // namespace qrun::kernels
