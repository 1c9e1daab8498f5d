#include <cmath>

#include "layer_norm/layer_norm.h"

namespace qrun::kernels {

LayerNormRowFactors layer_norm_row_factors(int64_t sum, int64_t square_sum, size_t channels,
                                           double epsilon_in_input_steps) {
  const int64_t c = static_cast<int64_t>(channels);
  const double mean = static_cast<double>(sum) / static_cast<double>(c);
  const double variance = static_cast<double>(c * square_sum - sum * sum) /
                          (static_cast<double>(c) * static_cast<double>(c));
  return {static_cast<float>(mean),
          static_cast<float>(1.0 / std::sqrt(variance + epsilon_in_input_steps))};
}

int8_t layer_norm_qs8_output(int8_t x, size_t c, const LayerNormRowFactors& factors,
                             const LayerNormQs8Params& p) {
  const float low = static_cast<float>(p.output.min - p.output.zero_point);
  const float high = static_cast<float>(p.output.max - p.output.zero_point);
  const float centred = static_cast<float>(x - p.input_zero_point) - factors.mean;
  const float level = std::nearbyint(centred * factors.inverse * p.scale[c] + p.shift[c]);
  // NaN (a constant row with epsilon 0) lands on the low end, as in requantize().
  const float clamped = level > high ? high : (level >= low ? level : low);
  return static_cast<int8_t>(static_cast<int32_t>(clamped) + p.output.zero_point);
}

void layer_norm_qs8_reference(const LayerNormGeometry& g, const LayerNormQs8Params& p,
                              const int8_t* input, int8_t* output) {
  for (size_t row = 0; row < g.rows; ++row) {
    const int8_t* x = input + row * g.channels;
    int8_t* y = output + row * g.channels;
    int64_t sum = 0, squares = 0;
    for (size_t c = 0; c < g.channels; ++c) {
      const int64_t v = x[c] - p.input_zero_point;
      sum += v;
      squares += v * v;
    }
    const LayerNormRowFactors row_factors =
        layer_norm_row_factors(sum, squares, g.channels, p.epsilon_in_input_steps);
    for (size_t c = 0; c < g.channels; ++c) y[c] = layer_norm_qs8_output(x[c], c, row_factors, p);
  }
}

}  // namespace qrun::kernels
