// The int8 table lookup on x86 AVX512-VBMI, 64 elements at a time. vpermi2b picks bytes from 128
// by the low seven bits of each index, so the 256-entry table is two such halves: each element's
// index x + 128 (x with its sign bit flipped) looks into both, and its top bit chooses the half.
#include <immintrin.h>

#include "elementwise_unary/elementwise_unary.h"

namespace qrun::kernels {

void lookup_table_s8_avx512vbmi(size_t count, const int8_t* table, const int8_t* input,
                                int8_t* output) {
  const __m512i table0 = _mm512_loadu_si512(table);
  const __m512i table1 = _mm512_loadu_si512(table + 64);
  const __m512i table2 = _mm512_loadu_si512(table + 128);
  const __m512i table3 = _mm512_loadu_si512(table + 192);
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (size_t i = 0; i < count; i += 64) {
    const size_t left = count - i;
    const __mmask64 mask = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
    const __m512i index = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, input + i), sign_flip);
    const __m512i low = _mm512_permutex2var_epi8(table0, index, table1);
    const __m512i high = _mm512_permutex2var_epi8(table2, index, table3);
    const __m512i value = _mm512_mask_blend_epi8(_mm512_movepi8_mask(index), low, high);
    _mm512_mask_storeu_epi8(output + i, mask, value);
  }
}

}  // namespace qrun::kernels
