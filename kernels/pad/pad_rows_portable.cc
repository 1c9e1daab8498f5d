// Pad a row of the innermost axis at a time: a row whose outer index falls in a constant padding
// is all value; any other row is its input row copied with one memcpy, and its ends filled by the
// mode. Plain C++ for any CPU; the bytes are the reference's.
#include <cstring>

#include "pad/pad.h"

namespace qrun::kernels {
namespace {

void fill(unsigned char* out, const void* value, size_t count, size_t element_size) {
  for (size_t i = 0; i < count; ++i) std::memcpy(out + i * element_size, value, element_size);
}

}  // namespace

void pad_rows_portable(const PadGeometry& g, const void* value, const void* input, void* output) {
  const auto* in = static_cast<const unsigned char*>(input);
  auto* out = static_cast<unsigned char*>(output);
  const size_t size = g.element_size;
  if (g.rank == 0) {
    std::memcpy(out, in, size);
    return;
  }
  const int last = g.rank - 1;
  size_t output_dims[kMaxPadRank] = {};
  size_t in_strides[kMaxPadRank] = {};
  size_t stride = 1;
  size_t rows = 1;
  for (int d = last; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= g.input_dims[d];
    output_dims[d] = g.before[d] + g.input_dims[d] + g.after[d];
    if (d < last) rows *= output_dims[d];
  }
  const size_t width = g.input_dims[last];
  const size_t row_elements = output_dims[last];
  size_t index[kMaxPadRank] = {};
  for (size_t row = 0; row < rows; ++row) {
    size_t source = 0;
    bool inside = true;
    for (int d = 0; d < last && inside; ++d) {
      const ptrdiff_t at = pad_source_index(
          g.mode, static_cast<ptrdiff_t>(index[d]) - static_cast<ptrdiff_t>(g.before[d]),
          static_cast<ptrdiff_t>(g.input_dims[d]));
      inside = at >= 0;
      source += static_cast<size_t>(at) * in_strides[d];
    }
    if (!inside) {
      fill(out, value, row_elements, size);
    } else {
      const unsigned char* in_row = in + source * size;
      std::memcpy(out + g.before[last] * size, in_row, width * size);
      for (size_t e = 0; e < g.before[last]; ++e) {
        const ptrdiff_t at = pad_source_index(
            g.mode, static_cast<ptrdiff_t>(e) - static_cast<ptrdiff_t>(g.before[last]),
            static_cast<ptrdiff_t>(width));
        std::memcpy(out + e * size, at < 0 ? value : in_row + at * size, size);
      }
      for (size_t e = 0; e < g.after[last]; ++e) {
        const ptrdiff_t at = pad_source_index(g.mode, static_cast<ptrdiff_t>(width + e),
                                              static_cast<ptrdiff_t>(width));
        std::memcpy(out + (g.before[last] + width + e) * size, at < 0 ? value : in_row + at * size,
                    size);
      }
    }
    out += row_elements * size;
    for (int d = last - 1; d >= 0; --d) {
      if (++index[d] < output_dims[d]) break;
      index[d] = 0;
    }
  }
}

}  // namespace qrun::kernels
