#include <immintrin.h>

#include "peak/peak.h"

namespace qrun::kernels {

uint64_t peak_macs_avxvnni(uint64_t iterations) {
  // Twelve independent chains, each in a register of its own (16 ymm); the empty asm keeps them
  // there and the loop from being folded away.
  const __m256i a = _mm256_set1_epi8(3);
  const __m256i b = _mm256_set1_epi8(-5);
  __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
  __m256i c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  for (uint64_t n = 0; n < iterations; ++n) {
    c0 = _mm256_dpbusd_avx_epi32(c0, a, b);
    c1 = _mm256_dpbusd_avx_epi32(c1, a, b);
    c2 = _mm256_dpbusd_avx_epi32(c2, a, b);
    c3 = _mm256_dpbusd_avx_epi32(c3, a, b);
    c4 = _mm256_dpbusd_avx_epi32(c4, a, b);
    c5 = _mm256_dpbusd_avx_epi32(c5, a, b);
    c6 = _mm256_dpbusd_avx_epi32(c6, a, b);
    c7 = _mm256_dpbusd_avx_epi32(c7, a, b);
    c8 = _mm256_dpbusd_avx_epi32(c8, a, b);
    c9 = _mm256_dpbusd_avx_epi32(c9, a, b);
    c10 = _mm256_dpbusd_avx_epi32(c10, a, b);
    c11 = _mm256_dpbusd_avx_epi32(c11, a, b);
    __asm__ volatile("" : "+x"(c0), "+x"(c1), "+x"(c2), "+x"(c3), "+x"(c4), "+x"(c5));
    __asm__ volatile("" : "+x"(c6), "+x"(c7), "+x"(c8), "+x"(c9), "+x"(c10), "+x"(c11));
  }
  constexpr uint64_t kChains = 12, kMacsPerInstruction = 32;
  return iterations * kChains * kMacsPerInstruction;
}

}  // namespace qrun::kernels
