// Layer normalization of each row (the last axis) of a [rows, channels] tensor:
//   y = (x - mean) / sqrt(variance + epsilon) * gamma[c] + beta[c]
// with the mean and the (biased) variance of the row.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/requantize.h"

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

// Int8: the row's statistics are exact integers, sum (q - zp) and sum (q - zp)^2, whatever the
// order they are taken in; the scale cancels in (x - mean) / std, so the input's enters only
// through epsilon. In double, each step rounded as written (IEEE, the same on every CPU):
//   mean = sum / C,  variance = (C * sumsq - sum^2) / C^2,
//   inv = 1 / sqrt(variance + epsilon / s_in^2),
//   q_out = clamp(round_half_to_even(((q - zp) - mean) * inv * scale[c] + shift[c]) + zp_out)
// with scale[c] = gamma[c] / s_out and shift[c] = beta[c] / s_out, computed once at load.
struct LayerNormQs8Params {
  int32_t input_zero_point = 0;
  double epsilon_in_input_steps = 0.0;  // epsilon / s_in^2
  const double* scale = nullptr;        // per channel
  const double* shift = nullptr;        // per channel
  Qs8Output output;
};

using LayerNormQs8Fn = void (*)(const LayerNormGeometry&, const LayerNormQs8Params&,
                                const int8_t* input, int8_t* output);

void layer_norm_qs8_reference(const LayerNormGeometry&, const LayerNormQs8Params&,
                              const int8_t* input, int8_t* output);
// x86 AVX-512 (F, BW, DQ): the sums 32 channels per step, the outputs 8 per step in double.
void layer_norm_qs8_avx512(const LayerNormGeometry&, const LayerNormQs8Params&, const int8_t* input,
                           int8_t* output);
// x86 AVX2: the sums 16 channels per step, the outputs 4 per step in double.
void layer_norm_qs8_avx2(const LayerNormGeometry&, const LayerNormQs8Params&, const int8_t* input,
                         int8_t* output);

}  // namespace qrun::kernels
