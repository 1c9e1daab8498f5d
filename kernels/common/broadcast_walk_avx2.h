// The broadcast walk of the int8 binary kernels on AVX2: 16 lanes at a time along the innermost
// dimension, where each input is either contiguous or a single broadcast value, handed to the
// kernel's arithmetic as two halves of eight lanes. A row's last few elements are staged through a
// buffer so that nothing is read past the inputs.
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

// `half(x, y)` takes eight lanes of each input (the low eight bytes of x and y) and returns the
// eight output bytes in the low half of its result.
template <typename Half>
void avx2_broadcast_walk(const BroadcastGeometry& g, const int8_t* a, const int8_t* b,
                         int8_t* output, const Half& half) {
  const size_t inner = g.output_dims[3];
  for_each_broadcast_row(
      g, a, b, output, [&](const int8_t* a_row, const int8_t* b_row, int8_t* out_row) {
        for (size_t i = 0; i < inner; i += kAvx2BroadcastStep) {
          const size_t left = inner - i;
          const __m128i x = avx2_load_bytes(a_row + i * g.a_strides[3], g.a_strides[3], left);
          const __m128i y = avx2_load_bytes(b_row + i * g.b_strides[3], g.b_strides[3], left);
          const __m128i low = half(x, y);
          const __m128i high = half(_mm_srli_si128(x, 8), _mm_srli_si128(y, 8));
          avx2_store_bytes(out_row + i, _mm_unpacklo_epi64(low, high),
                           static_cast<int>(left < kAvx2BroadcastStep ? left : kAvx2BroadcastStep));
        }
      });
}

}  // namespace
}  // namespace qrun::kernels
