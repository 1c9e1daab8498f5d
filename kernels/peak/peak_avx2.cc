#include <immintrin.h>

#include "peak/peak.h"

namespace qrun::kernels {

uint64_t peak_macs_avx2(uint64_t iterations) {
  // The AVX2 kernels' exact multiply-accumulate: vpmaddwd on int16 pairs, then vpaddd. Six
  // chains, each with an input of its own that the empty asm makes opaque every round, so that no
  // product can be shared or hoisted out of the loop; 13 of the 16 ymm registers.
  const __m256i b = _mm256_set1_epi16(-5);
  __m256i x0 = _mm256_set1_epi16(3), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0;
  __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
  for (uint64_t n = 0; n < iterations; ++n) {
    __asm__ volatile("" : "+x"(x0), "+x"(x1), "+x"(x2), "+x"(x3), "+x"(x4), "+x"(x5));
    c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(x0, b));
    c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(x1, b));
    c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(x2, b));
    c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(x3, b));
    c4 = _mm256_add_epi32(c4, _mm256_madd_epi16(x4, b));
    c5 = _mm256_add_epi32(c5, _mm256_madd_epi16(x5, b));
    __asm__ volatile("" : "+x"(c0), "+x"(c1), "+x"(c2), "+x"(c3), "+x"(c4), "+x"(c5));
  }
  constexpr uint64_t kChains = 6, kMacsPerInstruction = 16;
  return iterations * kChains * kMacsPerInstruction;
}

}  // namespace qrun::kernels
