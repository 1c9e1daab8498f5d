// The float FullyConnected.
#include "fully_connected/fully_connected_reference.h"

namespace qrun::kernels {

void fully_connected_f32_reference(const FullyConnectedGeometry& g, F32Range range,
                                   const FullyConnectedF32Weights& w, const float* input,
                                   float* output, size_t channel_begin, size_t channel_end) {
  fully_connected_reference_channels<float, float>(
      g, input, w.oi, w.bias, 0.0f, output, channel_begin, channel_end,
      [range](float acc, size_t) { return clamp_f32(acc, range); });
}

}  // namespace qrun::kernels
