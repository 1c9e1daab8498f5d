// PReLU: y = x >= 0 ? x : slope * x, with the slope broadcast NumPy-style against x (over the Add
// kernels' rank-4 broadcast geometry, the slope as operand b): one slope per channel of an NHWC
// tensor is a [1, 1, 1, C] operand.
#pragma once

#include <cstdint>

#include "add/add.h"
#include "common/requantize.h"

namespace qrun::kernels {

// Int8, with d = x - x_zp: d >= 0 gives requantize(float(d) * positive_multiplier) and d < 0
// requantize(float(d) * negative_multipliers[i]), where the b operand holds, for each slope
// element, s_x * slope / s_out (the converter's table, of either sign): one fp32 product and one
// rounding on each side, and no loss from quantizing the slope.
struct PReluQs8Params {
  int32_t input_zero_point = 0;
  float positive_multiplier = 1.0f;  // s_x / s_out
  Qs8Output output;
};

using PReluQs8Fn = void (*)(const BroadcastGeometry&, const PReluQs8Params&, const int8_t* input,
                            const float* negative_multipliers, int8_t* output);
using PReluF32Fn = void (*)(const BroadcastGeometry&, const float* input, const float* slope,
                            float* output);

void prelu_qs8_reference(const BroadcastGeometry&, const PReluQs8Params&, const int8_t* input,
                         const float* negative_multipliers, int8_t* output);
// x86 AVX2: 16 lanes along the innermost dimension, in two vectors of 8.
void prelu_qs8_avx2(const BroadcastGeometry&, const PReluQs8Params&, const int8_t* input,
                    const float* negative_multipliers, int8_t* output);
// ARM NEON: 16 lanes along the innermost dimension; the same source serves AArch64 and, under
// its own name, ARMv7.
void prelu_qs8_neon(const BroadcastGeometry&, const PReluQs8Params&, const int8_t* input,
                    const float* negative_multipliers, int8_t* output);
void prelu_qs8_armv7neon(const BroadcastGeometry&, const PReluQs8Params&, const int8_t* input,
                         const float* negative_multipliers, int8_t* output);
void prelu_f32_reference(const BroadcastGeometry&, const float* input, const float* slope,
                         float* output);

}  // namespace qrun::kernels
