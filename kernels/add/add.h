// Elementwise Add with NumPy broadcasting, over shapes padded on the left to rank 4.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/requantize.h"

namespace qrun::kernels {

constexpr int kMaxBroadcastRank = 4;

// Strides are in elements; a broadcast dimension has stride 0.
struct BroadcastGeometry {
  size_t output_dims[kMaxBroadcastRank] = {1, 1, 1, 1};
  size_t a_strides[kMaxBroadcastRank] = {0, 0, 0, 0};
  size_t b_strides[kMaxBroadcastRank] = {0, 0, 0, 0};
};

// q = requantize(float(a - a_zp) * a_multiplier + float(b - b_zp) * b_multiplier): two products,
// then their sum, each rounded to fp32 in that order.
struct AddQs8Params {
  int32_t a_zero_point = 0;
  int32_t b_zero_point = 0;
  float a_multiplier = 1.0f;  // s_a / s_out
  float b_multiplier = 1.0f;  // s_b / s_out
  Qs8Output output;
};

using AddQs8Fn = void (*)(const BroadcastGeometry&, const AddQs8Params&, const int8_t* a,
                          const int8_t* b, int8_t* output);
using AddF32Fn = void (*)(const BroadcastGeometry&, F32Range, const float* a, const float* b,
                          float* output);

void add_qs8_reference(const BroadcastGeometry&, const AddQs8Params&, const int8_t* a,
                       const int8_t* b, int8_t* output);
// x86 AVX-512 (F, BW, VL, DQ): 16 lanes along the innermost dimension.
void add_qs8_avx512(const BroadcastGeometry&, const AddQs8Params&, const int8_t* a, const int8_t* b,
                    int8_t* output);
// x86 AVX2: 16 lanes along the innermost dimension, in two vectors of 8.
void add_qs8_avx2(const BroadcastGeometry&, const AddQs8Params&, const int8_t* a, const int8_t* b,
                  int8_t* output);
// 64-bit ARM, baseline NEON: 16 lanes along the innermost dimension.
void add_qs8_neon(const BroadcastGeometry&, const AddQs8Params&, const int8_t* a, const int8_t* b,
                  int8_t* output);
// ARMv7 NEON: the same kernel built for 32-bit ARM.
void add_qs8_armv7neon(const BroadcastGeometry&, const AddQs8Params&, const int8_t* a,
                       const int8_t* b, int8_t* output);
void add_f32_reference(const BroadcastGeometry&, F32Range, const float* a, const float* b,
                       float* output);

}  // namespace qrun::kernels
