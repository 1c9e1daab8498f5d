// FullyConnected with dynamically quantized input: float in, float out, int8 weights.
#include <algorithm>
#include <cmath>
#include <limits>

#include "fully_connected/fully_connected.h"

namespace qrun::kernels {

void fully_connected_dynamic_reference(const FullyConnectedGeometry& g, F32Range range,
                                       const FullyConnectedDynamicWeights& w, const float* input,
                                       int8_t* quantized_row, float* output) {
  const size_t in = static_cast<size_t>(g.input_channels);
  const size_t out = static_cast<size_t>(g.output_channels);
  for (size_t n = 0; n < static_cast<size_t>(g.batch); ++n) {
    const float* x = input + n * in;
    // The row's range, widened to hold 0, on the int8 grid as a static activation would be.
    float low = 0.0f, high = 0.0f;
    for (size_t i = 0; i < in; ++i) {
      if (!std::isfinite(x[i])) continue;
      low = std::min(low, x[i]);
      high = std::max(high, x[i]);
    }
    float scale = (high - low) / 255.0f;
    if (!(scale >= std::numeric_limits<float>::min())) scale = 1.0f;
    const int32_t zero_point = static_cast<int32_t>(
        std::min(127.0f, std::max(-128.0f, std::nearbyint(-128.0f - low / scale))));
    for (size_t i = 0; i < in; ++i) {
      quantized_row[i] = requantize(x[i] / scale, zero_point, -128, 127);
    }
    for (size_t o = 0; o < out; ++o) {
      const int8_t* weights = w.oi + o * in;
      int32_t acc = 0;
      for (size_t i = 0; i < in; ++i) acc += (quantized_row[i] - zero_point) * weights[i];
      const float value = static_cast<float>(acc) * (scale * w.scales[o]) + w.bias[o];
      output[n * out + o] = clamp_f32(value, range);
    }
  }
}

}  // namespace qrun::kernels
