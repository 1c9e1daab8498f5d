// The broadcasting walk shared by the float and int8 Add definitions.
#pragma once

#include "add/add.h"

namespace qrun::kernels {

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
