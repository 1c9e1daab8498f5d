// Softmax over the last axis of a [rows, length] tensor.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qrun::kernels {

// Int8 softmax is defined through a table the converter computed for the input's scale:
//   exp_table[d] = round(2^23 * exp(-s_in * d)), d = row max - x in [0, 255].
// The row's sum of table entries is taken in int64 (order-free), then each output is
//   q = clamp(round_half_to_even(float(exp_table[d]) * (256 / float(sum))) - 128, -128, 127),
// that is, the output scale is 1/256 and its zero point -128.
constexpr int32_t kSoftmaxQs8OutputZeroPoint = -128;
constexpr float kSoftmaxQs8OutputScale = 1.0f / 256.0f;
constexpr int kSoftmaxTableSize = 256;

using SoftmaxQs8Fn = void (*)(size_t rows, size_t length, const int32_t* exp_table,
                              const int8_t* input, int8_t* output);
using SoftmaxF32Fn = void (*)(size_t rows, size_t length, const float* input, float* output);

void softmax_qs8_reference(size_t rows, size_t length, const int32_t* exp_table,
                           const int8_t* input, int8_t* output);
// x86 AVX512-VBMI: 64 elements per step in both passes, the table as three byte planes looked up
// by vpermi2b (entries must be in [0, 2^23], as the loader checks).
void softmax_qs8_avx512vbmi(size_t rows, size_t length, const int32_t* exp_table,
                            const int8_t* input, int8_t* output);
// x86 AVX-512 (F, BW): the row's maximum 64 elements per step, the table 16 lanes per gather.
void softmax_qs8_avx512(size_t rows, size_t length, const int32_t* exp_table, const int8_t* input,
                        int8_t* output);
// x86 AVX2: the row's maximum 32 elements per step, the table 8 lanes per gather.
void softmax_qs8_avx2(size_t rows, size_t length, const int32_t* exp_table, const int8_t* input,
                      int8_t* output);
// AArch64 NEON: the row's maximum and the outputs 16 elements per step, the table read entry by
// entry.
void softmax_qs8_neon(size_t rows, size_t length, const int32_t* exp_table, const int8_t* input,
                      int8_t* output);
void softmax_f32_reference(size_t rows, size_t length, const float* input, float* output);

}  // namespace qrun::kernels
