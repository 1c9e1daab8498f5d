// The broadcast walk of the int8 binary kernels on AVX-512: 16 lanes at a time along the innermost
// dimension, where each input is either contiguous or a single broadcast value, widened to int32
// for the kernel's arithmetic, 64 outputs narrowed into one store; masked loads and stores keep a
// row's tail within the tensors.
//
// Included only by files compiled for AVX-512; in an unnamed namespace (see requantize_avx2.h).
#pragma once

#include <immintrin.h>

#include "common/broadcast_rows.h"

namespace qrun::kernels {
namespace {

// The lanes of `mask` from `p` as int32, or one broadcast value if stride is 0.
inline __m512i avx512_load_lanes(const int8_t* p, size_t stride, __mmask16 mask) {
  return stride == 0 ? _mm512_set1_epi32(*p) : _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, p));
}

// `lanes(x, y)` takes sixteen lanes of each input as int32 and returns the sixteen outputs as
// int32 already in [-128, 127].
template <typename Lanes>
void avx512_broadcast_walk(const BroadcastGeometry& g, const int8_t* a, const int8_t* b,
                           int8_t* output, const Lanes& lanes) {
  const size_t inner = g.output_dims[3];
  for_each_broadcast_row(
      g, a, b, output, [&](const int8_t* a_row, const int8_t* b_row, int8_t* out_row) {
        size_t i = 0;
        // 64 outputs per step, narrowed by in-lane packs and put back in order by one dword
        // permute into a single store: a narrowing store per 16 lanes (vpmovsdb to memory) costs
        // several times more on Zen.
        for (; i + 64 <= inner; i += 64) {
          __m512i q[4];
          for (int k = 0; k < 4; ++k) {
            const size_t at = i + 16 * k;
            q[k] = lanes(avx512_load_lanes(a_row + at * g.a_strides[3], g.a_strides[3], 0xffff),
                         avx512_load_lanes(b_row + at * g.b_strides[3], g.b_strides[3], 0xffff));
          }
          // After the packs, dword 4j + k holds lanes 16k + 4j to 16k + 4j + 3.
          const __m512i packed =
              _mm512_packs_epi16(_mm512_packs_epi32(q[0], q[1]), _mm512_packs_epi32(q[2], q[3]));
          _mm512_storeu_si512(
              out_row + i,
              _mm512_permutexvar_epi32(
                  _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), packed));
        }
        for (; i < inner; i += 16) {
          const size_t left = inner - i;
          const __mmask16 mask = left >= 16 ? static_cast<__mmask16>(0xffff)
                                            : static_cast<__mmask16>((1u << left) - 1);
          const __m512i x = avx512_load_lanes(a_row + i * g.a_strides[3], g.a_strides[3], mask);
          const __m512i y = avx512_load_lanes(b_row + i * g.b_strides[3], g.b_strides[3], mask);
          _mm_mask_storeu_epi8(out_row + i, mask, _mm512_cvtsepi32_epi8(lanes(x, y)));
        }
      });
}

}  // namespace
}  // namespace qrun::kernels
