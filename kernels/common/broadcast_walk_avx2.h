// The broadcast walk of the int8 binary kernels on AVX2: 16 lanes at a time along the innermost
// dimension, where each input is either contiguous or a single broadcast value, handed to the
// kernel's arithmetic as two halves of eight lanes. A row's last few elements are staged through a
// buffer so that nothing is read past the inputs. A dense input against one repeated row (a
// per-channel vector) is walked as one flat run instead, without a tail per row.
//
// Included only by files compiled for AVX2 or more; in an unnamed namespace (see
// requantize_avx2.h).
#pragma once

#include <immintrin.h>

#include <cstring>

#include "common/broadcast_rows.h"
#include "common/requantize_avx2.h"

namespace qrun::kernels {
namespace {

constexpr size_t kAvx2BroadcastStep = 16;

// Sixteen elements from `p` (or `count` of them, the rest zero), or one broadcast if stride is 0.
inline __m128i avx2_load_bytes(const int8_t* p, size_t stride, size_t count) {
  if (stride == 0) return _mm_set1_epi8(*p);
  if (count >= kAvx2BroadcastStep) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  alignas(16) int8_t staged[kAvx2BroadcastStep] = {};
  std::memcpy(staged, p, count);
  return _mm_load_si128(reinterpret_cast<const __m128i*>(staged));
}

// One step: sixteen lanes of each input to sixteen output bytes, of which the first `count` are
// stored.
template <typename Half>
void avx2_broadcast_step(__m128i x, __m128i y, int8_t* out, size_t count, const Half& half) {
  const __m128i low = half(x, y);
  const __m128i high = half(_mm_srli_si128(x, 8), _mm_srli_si128(y, 8));
  avx2_store_bytes(out, _mm_unpacklo_epi64(low, high),
                   static_cast<int>(count < kAvx2BroadcastStep ? count : kAvx2BroadcastStep));
}

// Whether `strides` walk the output's dimensions densely, as the output itself is laid out
// (dimensions of size 1 take any stride).
inline bool avx2_walks_densely(const size_t* strides, const size_t* dims) {
  size_t expected = 1;
  for (int k = kMaxBroadcastRank - 1; k >= 0; --k) {
    if (dims[k] != 1 && strides[k] != expected) return false;
    expected *= dims[k];
  }
  return true;
}

// Whether `strides` give every output row the same contiguous row: a per-channel vector, as a
// squeeze-and-excite gate is.
inline bool avx2_repeats_one_row(const size_t* strides, const size_t* dims) {
  for (int k = 0; k < kMaxBroadcastRank - 1; ++k) {
    if (dims[k] != 1 && strides[k] != 0) return false;
  }
  return strides[kMaxBroadcastRank - 1] == 1 || dims[kMaxBroadcastRank - 1] == 1;
}

// The longest repeated row the flat walk below takes (its pattern lives on the stack).
constexpr size_t kAvx2MaxRepeatedRow = 4096;

// A dense operand against a repeated row, walked as one flat run: row ends need not fall on a
// step, so a row of, say, 72 channels costs four and a half steps, not four and a staged tail.
// The repeated row is laid out cyclically once (`pattern`: the row, then its start again), so
// that any step reads its sixteen values at its offset within the row.
template <typename Half>
void avx2_broadcast_flat(const BroadcastGeometry& g, const int8_t* dense, const int8_t* row,
                         bool dense_is_a, int8_t* output, const Half& half) {
  const size_t inner = g.output_dims[kMaxBroadcastRank - 1];
  const size_t total = g.output_dims[0] * g.output_dims[1] * g.output_dims[2] * inner;
  alignas(16) int8_t pattern[kAvx2MaxRepeatedRow + kAvx2BroadcastStep];
  for (size_t j = 0; j < inner + kAvx2BroadcastStep; ++j) pattern[j] = row[j % inner];
  size_t offset = 0;  // of the step within the row
  for (size_t i = 0; i < total; i += kAvx2BroadcastStep) {
    const __m128i d = avx2_load_bytes(dense + i, 1, total - i);
    const __m128i r = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pattern + offset));
    avx2_broadcast_step(dense_is_a ? d : r, dense_is_a ? r : d, output + i, total - i, half);
    offset += kAvx2BroadcastStep;
    while (offset >= inner) offset -= inner;
  }
}

// `half(x, y)` takes eight lanes of each input (the low eight bytes of x and y) and returns the
// eight output bytes in the low half of its result.
template <typename Half>
void avx2_broadcast_walk(const BroadcastGeometry& g, const int8_t* a, const int8_t* b,
                         int8_t* output, const Half& half) {
  const size_t* d = g.output_dims;
  const size_t inner = d[kMaxBroadcastRank - 1];
  const bool a_dense = avx2_walks_densely(g.a_strides, d);
  const bool b_dense = avx2_walks_densely(g.b_strides, d);
  if (a_dense && b_dense) {
    // Two whole tensors of the output's shape: one flat run.
    const size_t total = d[0] * d[1] * d[2] * inner;
    for (size_t i = 0; i < total; i += kAvx2BroadcastStep) {
      avx2_broadcast_step(avx2_load_bytes(a + i, 1, total - i),
                          avx2_load_bytes(b + i, 1, total - i), output + i, total - i, half);
    }
    return;
  }
  if (inner != 0 && inner <= kAvx2MaxRepeatedRow) {
    if (a_dense && avx2_repeats_one_row(g.b_strides, d)) {
      return avx2_broadcast_flat(g, a, b, true, output, half);
    }
    if (b_dense && avx2_repeats_one_row(g.a_strides, d)) {
      return avx2_broadcast_flat(g, b, a, false, output, half);
    }
  }
  for_each_broadcast_row(
      g, a, b, output, [&](const int8_t* a_row, const int8_t* b_row, int8_t* out_row) {
        for (size_t i = 0; i < inner; i += kAvx2BroadcastStep) {
          const size_t left = inner - i;
          avx2_broadcast_step(avx2_load_bytes(a_row + i * g.a_strides[3], g.a_strides[3], left),
                              avx2_load_bytes(b_row + i * g.b_strides[3], g.b_strides[3], left),
                              out_row + i, left, half);
        }
      });
}

}  // namespace
}  // namespace qrun::kernels
