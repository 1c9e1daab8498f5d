// The definition of int8 Conv2D: every SIMD kernel must match it bit for bit.
#include "conv2d/conv2d_reference.h"

namespace qrun::kernels {

void conv2d_qs8_reference(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                          const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                          const Conv2dSlice& slice) {
  conv2d_reference_rows<int8_t, int32_t>(
      g, input, w.ohwi, w.bias, p.input_zero_point, output, slice, [&p](int32_t acc, int oc) {
        return requantize(acc, p.multipliers[oc], p.output.zero_point, p.output.min, p.output.max);
      });
}

}  // namespace qrun::kernels
