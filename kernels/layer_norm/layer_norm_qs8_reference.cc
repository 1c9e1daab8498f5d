#include <algorithm>
#include <cmath>

#include "layer_norm/layer_norm.h"

namespace qrun::kernels {

void layer_norm_qs8_reference(const LayerNormGeometry& g, const LayerNormQs8Params& p,
                              const int8_t* input, int8_t* output) {
  const int64_t channels = static_cast<int64_t>(g.channels);
  const double low = static_cast<double>(p.output.min - p.output.zero_point);
  const double high = static_cast<double>(p.output.max - p.output.zero_point);
  for (size_t row = 0; row < g.rows; ++row) {
    const int8_t* x = input + row * g.channels;
    int8_t* y = output + row * g.channels;
    int64_t sum = 0, squares = 0;
    for (size_t c = 0; c < g.channels; ++c) {
      const int64_t v = x[c] - p.input_zero_point;
      sum += v;
      squares += v * v;
    }
    const double mean = static_cast<double>(sum) / static_cast<double>(channels);
    const double variance = static_cast<double>(channels * squares - sum * sum) /
                            (static_cast<double>(channels) * static_cast<double>(channels));
    const double inverse = 1.0 / std::sqrt(variance + p.epsilon_in_input_steps);
    for (size_t c = 0; c < g.channels; ++c) {
      const double centred = static_cast<double>(x[c] - p.input_zero_point) - mean;
      const double level = std::nearbyint(centred * inverse * p.scale[c] + p.shift[c]);
      // NaN (a constant row with epsilon 0) lands on the low end, as in requantize().
      const double clamped = level > high ? high : (level >= low ? level : low);
      y[c] = static_cast<int8_t>(static_cast<int32_t>(clamped) + p.output.zero_point);
    }
  }
}

}  // namespace qrun::kernels
