// Layer normalization of each row (the last axis) of a [rows, channels] tensor:
//   y = (x - mean) / sqrt(variance + epsilon) * gamma[c] + beta[c]
// with the mean and the (biased) variance of the row. The fp32 kernel can also write each row's
// mean and 1 / sqrt(variance + epsilon) (ONNX's Mean and InvStdDev).
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

// `mean` and `inverse_deviation` hold one float per row, or are null when not wanted.
using LayerNormF32Fn = void (*)(const LayerNormGeometry&, const float* gamma, const float* beta,
                                const float* input, float* output, float* mean,
                                float* inverse_deviation);

void layer_norm_f32_reference(const LayerNormGeometry&, const float* gamma, const float* beta,
                              const float* input, float* output, float* mean,
                              float* inverse_deviation);

// Int8: the row's statistics are exact integers, sum (q - zp) and sum (q - zp)^2, whatever the
// order they are taken in; the scale cancels in (x - mean) / std, so the input's enters only
// through epsilon. Each step rounded as written (IEEE, the same on every CPU), once per row in
// double:
//   mean = sum / C,  variance = (C * sumsq - sum^2) / C^2,
//   inv = 1 / sqrt(variance + epsilon / s_in^2),
// then mean and inv rounded to float, and per element in float (a float's 24 bits are far more
// than an int8 output needs, and a SIMD register holds twice as many floats as doubles):
//   q_out = clamp(round_half_to_even(((q - zp) - mean) * inv * scale[c] + shift[c]) + zp_out)
// with scale[c] = gamma[c] / s_out and shift[c] = beta[c] / s_out, computed once at load.
struct LayerNormQs8Params {
  int32_t input_zero_point = 0;
  double epsilon_in_input_steps = 0.0;  // epsilon / s_in^2
  const float* scale = nullptr;         // per channel
  const float* shift = nullptr;         // per channel
  Qs8Output output;
};

// The per-row factors of the int8 LayerNorm above, from the row's exact sums.
struct LayerNormRowFactors {
  float mean;
  float inverse;
};
LayerNormRowFactors layer_norm_row_factors(int64_t sum, int64_t square_sum, size_t channels,
                                           double epsilon_in_input_steps);
// The int8 output of channel c's value x, from its row's factors: the reference's per-element
// steps, which the SIMD kernels also take for the channels that do not fill a vector. (Defined with
// the reference, built for the baseline CPU, so that no SIMD file's copy of it can be linked in.)
int8_t layer_norm_qs8_output(int8_t x, size_t c, const LayerNormRowFactors& factors,
                             const LayerNormQs8Params& p);

using LayerNormQs8Fn = void (*)(const LayerNormGeometry&, const LayerNormQs8Params&,
                                const int8_t* input, int8_t* output);

void layer_norm_qs8_reference(const LayerNormGeometry&, const LayerNormQs8Params&,
                              const int8_t* input, int8_t* output);
// x86 AVX-512 (F, BW): the sums 32 channels per step, the outputs 16 per step.
void layer_norm_qs8_avx512(const LayerNormGeometry&, const LayerNormQs8Params&, const int8_t* input,
                           int8_t* output);
// x86 AVX2: the sums 16 channels per step, the outputs 8 per step.
void layer_norm_qs8_avx2(const LayerNormGeometry&, const LayerNormQs8Params&, const int8_t* input,
                         int8_t* output);
// AArch64 NEON: the sums and the outputs 16 channels per step.
void layer_norm_qs8_neon(const LayerNormGeometry&, const LayerNormQs8Params&, const int8_t* input,
                         int8_t* output);

}  // namespace qrun::kernels
