// PReLU: y = x >= 0 ? x : slope * x, with the slope broadcast NumPy-style against x (over the Add
// kernels' rank-4 broadcast geometry, the slope as operand b): one slope per channel of an NHWC
// tensor is a [1, 1, 1, C] operand.
#pragma once

#include <cstdint>

#include "add/add.h"
#include "common/requantize.h"

namespace qrun::kernels {

// With d = x - x_zp: d >= 0 gives requantize(float(d) * positive_multiplier), d < 0
// requantize(float(d * slope) * negative_multiplier); the integer product is exact, so one float
// rounding defines each side. The slope is symmetric int8 (zero point 0).
struct PReluQs8Params {
  int32_t input_zero_point = 0;
  float positive_multiplier = 1.0f;  // s_x / s_out
  float negative_multiplier = 1.0f;  // s_x * s_slope / s_out
  Qs8Output output;
};

using PReluQs8Fn = void (*)(const BroadcastGeometry&, const PReluQs8Params&, const int8_t* input,
                            const int8_t* slope, int8_t* output);
using PReluF32Fn = void (*)(const BroadcastGeometry&, const float* input, const float* slope,
                            float* output);

void prelu_qs8_reference(const BroadcastGeometry&, const PReluQs8Params&, const int8_t* input,
                         const int8_t* slope, int8_t* output);
void prelu_f32_reference(const BroadcastGeometry&, const float* input, const float* slope,
                         float* output);

}  // namespace qrun::kernels
