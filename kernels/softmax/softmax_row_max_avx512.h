// The largest int8 of a softmax row on x86 AVX-512 (BW), 64 elements per step: shared by the
// AVX-512 softmax kernels, which differ only in how they look the exp table up after it.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace qrun::kernels {

inline int8_t softmax_row_max_avx512(const int8_t* in, size_t length) {
  __m512i maxima = _mm512_set1_epi8(-128);
  for (size_t i = 0; i < length; i += 64) {
    const size_t left = length - i;
    const __mmask64 mask = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
    // Lanes past the row keep their current maximum.
    maxima = _mm512_max_epi8(maxima, _mm512_mask_loadu_epi8(maxima, mask, in + i));
  }
  // The widest lane's maximum, through 32, 16 and 8 bits.
  const __m256i max32 =
      _mm256_max_epi8(_mm512_castsi512_si256(maxima), _mm512_extracti64x4_epi64(maxima, 1));
  __m128i max16 = _mm_max_epi8(_mm256_castsi256_si128(max32), _mm256_extracti128_si256(max32, 1));
  max16 = _mm_max_epi8(max16, _mm_srli_si128(max16, 8));
  max16 = _mm_max_epi8(max16, _mm_srli_si128(max16, 4));
  max16 = _mm_max_epi8(max16, _mm_srli_si128(max16, 2));
  max16 = _mm_max_epi8(max16, _mm_srli_si128(max16, 1));
  return static_cast<int8_t>(_mm_extract_epi8(max16, 0));
}

}  // namespace qrun::kernels
