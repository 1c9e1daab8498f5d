// The broadcasting walk shared by the float and int8 Add definitions, and the int8 definition of
// one element (which the fused Conv2D + Add's reference uses too).
#pragma once

#include "add/add.h"

namespace qrun::kernels {

inline int8_t add_qs8_element(const AddQs8Params& p, int8_t a, int8_t b) {
  const float scaled_a = static_cast<float>(a - p.a_zero_point) * p.a_multiplier;
  const float scaled_b = static_cast<float>(b - p.b_zero_point) * p.b_multiplier;
  return requantize(scaled_a + scaled_b, p.output.zero_point, p.output.min, p.output.max);
}

template <typename Element, typename Combine>
void broadcast_binary_reference(const BroadcastGeometry& g, const Element* a, const Element* b,
                                Element* output, Combine combine) {
  const size_t* d = g.output_dims;
  for (size_t i0 = 0; i0 < d[0]; ++i0) {
    for (size_t i1 = 0; i1 < d[1]; ++i1) {
      for (size_t i2 = 0; i2 < d[2]; ++i2) {
        for (size_t i3 = 0; i3 < d[3]; ++i3) {
          const size_t ia =
              i0 * g.a_strides[0] + i1 * g.a_strides[1] + i2 * g.a_strides[2] + i3 * g.a_strides[3];
          const size_t ib =
              i0 * g.b_strides[0] + i1 * g.b_strides[1] + i2 * g.b_strides[2] + i3 * g.b_strides[3];
          *output++ = combine(a[ia], b[ib]);
        }
      }
    }
  }
}

}  // namespace qrun::kernels
