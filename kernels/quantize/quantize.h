// Quantize (float -> int8) and Dequantize (int8 -> float) with one scale and zero point:
//   q = clamp(round_half_to_even(x / scale) + zero_point, -128, 127);  x = float(q - zero_point) *
//   scale.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qrun::kernels {

using QuantizeF32Qs8Fn = void (*)(size_t count, float scale, int32_t zero_point, const float* input,
                                  int8_t* output);
using DequantizeQs8F32Fn = void (*)(size_t count, float scale, int32_t zero_point,
                                    const int8_t* input, float* output);

void quantize_f32_qs8_reference(size_t count, float scale, int32_t zero_point, const float* input,
                                int8_t* output);
void dequantize_qs8_f32_reference(size_t count, float scale, int32_t zero_point,
                                  const int8_t* input, float* output);

}  // namespace qrun::kernels
