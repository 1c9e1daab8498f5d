// Elementwise Mul with NumPy broadcasting (over the Add kernels' rank-4 broadcast geometry):
// squeeze-and-excitation scales a [N,H,W,C] tensor by a [N,1,1,C] one.
#pragma once

#include <cstdint>

#include "add/add.h"
#include "common/requantize.h"

namespace qrun::kernels {

// q = requantize(float((a - a_zp) * (b - b_zp)) * multiplier): the integer product is exact (at
// most 2^16 in magnitude), so one float rounding defines the result.
struct MulQs8Params {
  int32_t a_zero_point = 0;
  int32_t b_zero_point = 0;
  float multiplier = 1.0f;  // s_a * s_b / s_out
  Qs8Output output;
};

using MulQs8Fn = void (*)(const BroadcastGeometry&, const MulQs8Params&, const int8_t* a,
                          const int8_t* b, int8_t* output);
using MulF32Fn = void (*)(const BroadcastGeometry&, F32Range, const float* a, const float* b,
                          float* output);

void mul_qs8_reference(const BroadcastGeometry&, const MulQs8Params&, const int8_t* a,
                       const int8_t* b, int8_t* output);
// x86 AVX-512 (F, BW, VL, DQ): 16 lanes along the innermost dimension.
void mul_qs8_avx512(const BroadcastGeometry&, const MulQs8Params&, const int8_t* a, const int8_t* b,
                    int8_t* output);
// x86 AVX2: 16 lanes along the innermost dimension, in two vectors of 8.
void mul_qs8_avx2(const BroadcastGeometry&, const MulQs8Params&, const int8_t* a, const int8_t* b,
                  int8_t* output);
// 64-bit ARM, baseline NEON: 16 lanes along the innermost dimension.
void mul_qs8_neon(const BroadcastGeometry&, const MulQs8Params&, const int8_t* a, const int8_t* b,
                  int8_t* output);
// ARMv7 NEON: the same kernel built for 32-bit ARM.
void mul_qs8_armv7neon(const BroadcastGeometry&, const MulQs8Params&, const int8_t* a,
                       const int8_t* b, int8_t* output);
void mul_f32_reference(const BroadcastGeometry&, F32Range, const float* a, const float* b,
                       float* output);

}  // namespace qrun::kernels
