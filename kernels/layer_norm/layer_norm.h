// Layer normalization of each row (the last axis) of a [rows, channels] tensor:
//   y = (x - mean) / sqrt(variance + epsilon) * gamma[c] + beta[c]
// with the mean and the (biased) variance of the row. Float only so far.
#pragma once

#include <cstddef>

namespace qrun::kernels {

struct LayerNormGeometry {
  size_t rows = 0;
  size_t channels = 0;
  float epsilon = 1e-5f;
};

using LayerNormF32Fn = void (*)(const LayerNormGeometry&, const float* gamma, const float* beta,
                                const float* input, float* output);

void layer_norm_f32_reference(const LayerNormGeometry&, const float* gamma, const float* beta,
                              const float* input, float* output);

}  // namespace qrun::kernels
