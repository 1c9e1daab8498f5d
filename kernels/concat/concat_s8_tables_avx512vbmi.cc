// Int8 concatenation through tables (concat.h) on x86 AVX512-VBMI. Input by input, so that its
// 256-byte table is loaded into four registers once: vpermi2b picks bytes from 128 by the low seven
// bits of each index, each element's index x + 128 (its sign bit flipped) looks into both halves,
// and its top bit chooses one. Inputs without a table are copied. Blocks go 64 bytes at a time,
// their ends masked, so that nothing is read or written past them.
#include <immintrin.h>

#include "concat/concat.h"

namespace qrun::kernels {
namespace {

__mmask64 first_bytes(size_t count) {
  return count >= 64 ? ~__mmask64{0} : (__mmask64{1} << count) - 1;
}

}  // namespace

void concat_s8_tables_avx512vbmi(const ConcatGeometry& g, const int8_t* const* tables,
                                 const int8_t* const* inputs, int8_t* output) {
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const size_t stride = concat_output_block(g);
  size_t offset = 0;
  for (size_t i = 0; i < g.input_count; ++i) {
    const size_t block = g.input_blocks[i];
    const int8_t* in = inputs[i];
    int8_t* out = output + offset;
    offset += block;
    if (tables[i] == nullptr) {
      for (size_t o = 0; o < g.outer; ++o, in += block, out += stride) {
        for (size_t e = 0; e < block; e += 64) {
          const __mmask64 mask = first_bytes(block - e);
          _mm512_mask_storeu_epi8(out + e, mask, _mm512_maskz_loadu_epi8(mask, in + e));
        }
      }
      continue;
    }
    const __m512i table0 = _mm512_loadu_si512(tables[i]);
    const __m512i table1 = _mm512_loadu_si512(tables[i] + 64);
    const __m512i table2 = _mm512_loadu_si512(tables[i] + 128);
    const __m512i table3 = _mm512_loadu_si512(tables[i] + 192);
    for (size_t o = 0; o < g.outer; ++o, in += block, out += stride) {
      for (size_t e = 0; e < block; e += 64) {
        const __mmask64 mask = first_bytes(block - e);
        const __m512i index = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, in + e), sign_flip);
        const __m512i low = _mm512_permutex2var_epi8(table0, index, table1);
        const __m512i high = _mm512_permutex2var_epi8(table2, index, table3);
        _mm512_mask_storeu_epi8(out + e, mask,
                                _mm512_mask_blend_epi8(_mm512_movepi8_mask(index), low, high));
      }
    }
  }
}

}  // namespace qrun::kernels
