// The definition of int8 FullyConnected: every SIMD kernel must match it bit for bit.
#include "fully_connected/fully_connected_reference.h"

namespace qrun::kernels {

void fully_connected_qs8_reference(const FullyConnectedGeometry& g,
                                   const FullyConnectedQs8Params& p,
                                   const FullyConnectedQs8Weights& w, const int8_t* input,
                                   int8_t* output, size_t channel_begin, size_t channel_end) {
  fully_connected_reference_channels<int8_t, int32_t>(
      g, input, w.oi, w.bias, p.input_zero_point, output, channel_begin, channel_end,
      [&p](int32_t acc, size_t oc) {
        return requantize(acc, p.multipliers[oc], p.output.zero_point, p.output.min, p.output.max);
      });
}

}  // namespace qrun::kernels
