#include <cmath>

#include "layer_norm/layer_norm.h"

namespace qrun::kernels {

void layer_norm_f32_reference(const LayerNormGeometry& g, const float* gamma, const float* beta,
                              const float* input, float* output, float* mean,
                              float* inverse_deviation) {
  for (size_t row = 0; row < g.rows; ++row) {
    const float* x = input + row * g.channels;
    float* y = output + row * g.channels;
    // Sums in double: a row of a few hundred floats then loses nothing that float would keep.
    double sum = 0.0;
    for (size_t c = 0; c < g.channels; ++c) sum += x[c];
    const double row_mean = sum / static_cast<double>(g.channels);
    double squares = 0.0;
    for (size_t c = 0; c < g.channels; ++c) squares += (x[c] - row_mean) * (x[c] - row_mean);
    const double variance = squares / static_cast<double>(g.channels);
    const double inverse = 1.0 / std::sqrt(variance + g.epsilon);
    for (size_t c = 0; c < g.channels; ++c) {
      y[c] = static_cast<float>((x[c] - row_mean) * inverse * gamma[c] + beta[c]);
    }
    if (mean != nullptr) mean[row] = static_cast<float>(row_mean);
    if (inverse_deviation != nullptr) inverse_deviation[row] = static_cast<float>(inverse);
  }
}

}  // namespace qrun::kernels
