// MaxPool2D and AveragePool2D over NHWC. Padded positions never win a max and, unless
// count_include_pad is set, do not count in an average's divisor.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/requantize.h"

namespace qrun::kernels {

struct Pool2dGeometry {
  int batch = 1;
  int input_height = 0, input_width = 0, channels = 0;
  int output_height = 0, output_width = 0;
  int kernel_height = 1, kernel_width = 1;
  int stride_height = 1, stride_width = 1;
  int pad_top = 0, pad_left = 0;
  bool count_include_pad = false;
};

using MaxPool2dS8Fn = void (*)(const Pool2dGeometry&, int32_t output_min, int32_t output_max,
                               const int8_t* input, int8_t* output);
using MaxPool2dF32Fn = void (*)(const Pool2dGeometry&, F32Range, const float* input, float* output);

// Max pooling keeps the input's quantization; only the fused activation's range applies.
void max_pool2d_s8_reference(const Pool2dGeometry&, int32_t output_min, int32_t output_max,
                             const int8_t* input, int8_t* output);
// x86 AVX-512 (F, BW, VL, DQ): 64 channels per vector.
void max_pool2d_s8_avx512(const Pool2dGeometry&, int32_t output_min, int32_t output_max,
                          const int8_t* input, int8_t* output);
// x86 AVX2: 32 channels per vector, then 16, then one at a time.
void max_pool2d_s8_avx2(const Pool2dGeometry&, int32_t output_min, int32_t output_max,
                        const int8_t* input, int8_t* output);
// 64-bit ARM, baseline NEON: 16 channels per vector.
void max_pool2d_s8_neon(const Pool2dGeometry&, int32_t output_min, int32_t output_max,
                        const int8_t* input, int8_t* output);
// ARMv7 NEON: the same kernel built for 32-bit ARM.
void max_pool2d_s8_armv7neon(const Pool2dGeometry&, int32_t output_min, int32_t output_max,
                             const int8_t* input, int8_t* output);
void max_pool2d_f32_reference(const Pool2dGeometry&, F32Range, const float* input, float* output);

// The int8 average is requantize(float(sum of (x - input_zero_point)) *
// (multiplier / float(count))), with multiplier = s_in / s_out.
struct AveragePoolQs8Params {
  int32_t input_zero_point = 0;
  float multiplier = 1.0f;
  Qs8Output output;
};

using AveragePool2dQs8Fn = void (*)(const Pool2dGeometry&, const AveragePoolQs8Params&,
                                    const int8_t* input, int8_t* output);
using AveragePool2dF32Fn = void (*)(const Pool2dGeometry&, F32Range, const float* input,
                                    float* output);

void average_pool2d_qs8_reference(const Pool2dGeometry&, const AveragePoolQs8Params&,
                                  const int8_t* input, int8_t* output);
// x86 AVX-512 (F, BW, VL, DQ): 16 channels per vector.
void average_pool2d_qs8_avx512(const Pool2dGeometry&, const AveragePoolQs8Params&,
                               const int8_t* input, int8_t* output);
// x86 AVX2: 32 channels per step, run sums in int16.
void average_pool2d_qs8_avx2(const Pool2dGeometry&, const AveragePoolQs8Params&,
                             const int8_t* input, int8_t* output);
// Baseline NEON, 16 channels per vector: AArch64, and 32-bit ARMv7 under its own name.
void average_pool2d_qs8_neon(const Pool2dGeometry&, const AveragePoolQs8Params&,
                             const int8_t* input, int8_t* output);
void average_pool2d_qs8_armv7neon(const Pool2dGeometry&, const AveragePoolQs8Params&,
                                  const int8_t* input, int8_t* output);
void average_pool2d_f32_reference(const Pool2dGeometry&, F32Range, const float* input,
                                  float* output);

}  // namespace qrun::kernels
