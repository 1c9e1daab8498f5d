// The definition of Pad: every output element, in order, finds its source along each axis
// independently, or is the constant when any axis falls outside the input.
#include <cstring>

#include "pad/pad.h"

namespace qrun::kernels {

void pad_reference(const PadGeometry& g, const void* value, const void* input, void* output) {
  const auto* in = static_cast<const unsigned char*>(input);
  auto* out = static_cast<unsigned char*>(output);
  size_t output_dims[kMaxPadRank];
  size_t in_strides[kMaxPadRank];
  size_t stride = 1;
  size_t count = 1;
  for (int d = g.rank - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= g.input_dims[d];
    output_dims[d] = g.before[d] + g.input_dims[d] + g.after[d];
    count *= output_dims[d];
  }
  size_t index[kMaxPadRank] = {};
  for (size_t e = 0; e < count; ++e) {
    size_t source = 0;
    bool inside = true;
    for (int d = 0; d < g.rank && inside; ++d) {
      const ptrdiff_t at = pad_source_index(
          g.mode, static_cast<ptrdiff_t>(index[d]) - static_cast<ptrdiff_t>(g.before[d]),
          static_cast<ptrdiff_t>(g.input_dims[d]));
      inside = at >= 0;
      source += static_cast<size_t>(at) * in_strides[d];
    }
    std::memcpy(out, inside ? in + source * g.element_size : value, g.element_size);
    out += g.element_size;
    for (int d = g.rank - 1; d >= 0; --d) {
      if (++index[d] < output_dims[d]) break;
      index[d] = 0;
    }
  }
}

}  // namespace qrun::kernels
