// The product of two activations, batch by batch: out[b] = a[b] (M x K) times b[b] (K x N), all
// row-major (attention's scores Q K^T and its context P V), or times the transpose of b[b] (N x K)
// when transpose_b is set (the scores, with K as it comes from its projection).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/requantize.h"

namespace qrun::kernels {

struct BatchMatMulGeometry {
  size_t batch = 1;
  size_t m = 0, k = 0, n = 0;
  // b is [batch][n][k] row-major (each row one column of the product) instead of [batch][k][n].
  bool transpose_b = false;
};

// Int8: acc = sum_k (a - a_zp) * (b - b_zp) in int32, then the requantization of BRIEF §3 with
// one multiplier, s_a * s_b / s_out.
struct BatchMatMulQs8Params {
  int32_t a_zero_point = 0;
  int32_t b_zero_point = 0;
  float multiplier = 0.0f;
  Qs8Output output;
};

using BatchMatMulQs8Fn = void (*)(const BatchMatMulGeometry&, const BatchMatMulQs8Params&,
                                  const int8_t* a, const int8_t* b, int8_t* out);
using BatchMatMulF32Fn = void (*)(const BatchMatMulGeometry&, F32Range, const float* a,
                                  const float* b, float* out);

void batch_matmul_qs8_reference(const BatchMatMulGeometry&, const BatchMatMulQs8Params&,
                                const int8_t* a, const int8_t* b, int8_t* out);
// Plain C++ for any CPU: a row of `a` against contiguous rows of `b`, vectorized by the compiler.
void batch_matmul_qs8_rows_portable(const BatchMatMulGeometry&, const BatchMatMulQs8Params&,
                                    const int8_t* a, const int8_t* b, int8_t* out);
// The SIMD kernels below interleave `b` panel by panel on the stack, for reductions of up to
// kBatchMatMulMaxPanelK; they hand longer ones to batch_matmul_qs8_rows_portable.
//
// x86 AVX512-VNNI: tiles of 6 rows x 64 columns (vpdpbusd).
constexpr size_t kBatchMatMulMaxPanelK = 512;
void batch_matmul_qs8_6x64c4_avx512vnni(const BatchMatMulGeometry&, const BatchMatMulQs8Params&,
                                        const int8_t* a, const int8_t* b, int8_t* out);
// x86 AVX2: tiles of 6 rows x 16 columns, both operands centred to int16 (exact) and multiplied
// by vpmaddwd.
void batch_matmul_qs8_6x16c2_avx2(const BatchMatMulGeometry&, const BatchMatMulQs8Params&,
                                  const int8_t* a, const int8_t* b, int8_t* out);
// 64-bit ARM, NEON with the dot product: tiles of 4 rows x 16 columns (sdot).
void batch_matmul_qs8_4x16c4_neondot(const BatchMatMulGeometry&, const BatchMatMulQs8Params&,
                                     const int8_t* a, const int8_t* b, int8_t* out);
void batch_matmul_f32_reference(const BatchMatMulGeometry&, F32Range, const float* a,
                                const float* b, float* out);

}  // namespace qrun::kernels
