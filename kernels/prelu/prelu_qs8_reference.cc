// The definition of int8 PReLU.
#include "add/add_reference.h"
#include "prelu/prelu.h"

namespace qrun::kernels {

void prelu_qs8_reference(const BroadcastGeometry& g, const PReluQs8Params& p, const int8_t* input,
                         const float* negative_multipliers, int8_t* output) {
  const size_t* d = g.output_dims;
  for (size_t i0 = 0; i0 < d[0]; ++i0) {
    for (size_t i1 = 0; i1 < d[1]; ++i1) {
      for (size_t i2 = 0; i2 < d[2]; ++i2) {
        for (size_t i3 = 0; i3 < d[3]; ++i3) {
          const size_t ix =
              i0 * g.a_strides[0] + i1 * g.a_strides[1] + i2 * g.a_strides[2] + i3 * g.a_strides[3];
          const size_t is =
              i0 * g.b_strides[0] + i1 * g.b_strides[1] + i2 * g.b_strides[2] + i3 * g.b_strides[3];
          const int32_t x = input[ix] - p.input_zero_point;
          const float multiplier = x >= 0 ? p.positive_multiplier : negative_multipliers[is];
          *output++ = requantize(x, multiplier, p.output.zero_point, p.output.min, p.output.max);
        }
      }
    }
  }
}

}  // namespace qrun::kernels
