// Sub, Div, Maximum and Minimum of two tensors with NumPy broadcasting (over the Add kernels'
// rank-4 broadcast geometry).
#pragma once

#include <cstdint>

#include "add/add.h"
#include "common/requantize.h"

namespace qrun::kernels {

enum class BinaryFunction { kSub, kDiv, kMaximum, kMinimum };

// Sub, Maximum, Minimum: with a' = float(a - a_zp) * a_multiplier and b' likewise (one fp32
// product each), requantize(a' - b'), requantize(max(a', b')), requantize(min(a', b')).
// Div: requantize(float(a - a_zp) / float(b - b_zp) * a_multiplier), where a_multiplier is
// s_a / (s_b * s_out), the division first; a zero divisor gives the output's max for a positive
// dividend, its min for a negative one and its zero point for 0 / 0. Every step is an IEEE fp32
// operation (correctly rounded on every ISA), so the definition has no libm in it.
struct BinaryQs8Params {
  BinaryFunction function = BinaryFunction::kSub;
  int32_t a_zero_point = 0;
  int32_t b_zero_point = 0;
  float a_multiplier = 1.0f;
  float b_multiplier = 1.0f;  // unused by Div
  Qs8Output output;
};

struct BinaryF32Params {
  BinaryFunction function = BinaryFunction::kSub;
  F32Range range;
};

using BinaryQs8Fn = void (*)(const BroadcastGeometry&, const BinaryQs8Params&, const int8_t* a,
                             const int8_t* b, int8_t* output);
using BinaryF32Fn = void (*)(const BroadcastGeometry&, const BinaryF32Params&, const float* a,
                             const float* b, float* output);

void binary_qs8_reference(const BroadcastGeometry&, const BinaryQs8Params&, const int8_t* a,
                          const int8_t* b, int8_t* output);
// x86 AVX2: 16 lanes along the innermost dimension, in two vectors of 8.
void binary_qs8_avx2(const BroadcastGeometry&, const BinaryQs8Params&, const int8_t* a,
                     const int8_t* b, int8_t* output);
// AArch64 NEON: 16 lanes along the innermost dimension.
void binary_qs8_neon(const BroadcastGeometry&, const BinaryQs8Params&, const int8_t* a,
                     const int8_t* b, int8_t* output);
void binary_f32_reference(const BroadcastGeometry&, const BinaryF32Params&, const float* a,
                          const float* b, float* output);

}  // namespace qrun::kernels
