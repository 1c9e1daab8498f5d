// Int8 Softmax on x86 AVX-512 (F, BW), 64 elements per step for the row's maximum and 16 per
// lookup in the exp table after it. The table's 256 int32 entries live in 16 registers; a lookup
// is eight two-register permutes (vpermi2d, by the distance's low five bits) and a tree of blends
// by its three high bits, faster than a gather. The sum of table entries is kept in int64 lanes
// (as the reference's int64 sum: the same number, whatever the order); the reciprocal is the
// reference's scalar expression, and each output follows its steps: float(entry) * reciprocal,
// clamp to the output range, round half to even, add the zero point. A row's entries are kept on
// the stack for that second pass, rows of up to kKeptEntries; longer rows look up again.
#include <immintrin.h>

#include "softmax/softmax.h"
#include "softmax/softmax_row_max_avx512.h"

namespace qrun::kernels {
namespace {

constexpr size_t kKeptEntries = 2048;

__mmask16 first_lanes(size_t count) {
  return count >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << count) - 1);
}

struct ExpTable {
  __m512i parts[16];

  explicit ExpTable(const int32_t* table) {
    for (int part = 0; part < 16; ++part) parts[part] = _mm512_loadu_si512(table + 16 * part);
  }

  // Entries exp_table[row_max - x] for 16 elements (lanes past `mask` look up entry 0, never
  // stored).
  __m512i entries(__m512i row_max, const int8_t* x, __mmask16 mask) const {
    const __m512i values = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, x));
    const __m512i distance = _mm512_maskz_sub_epi32(mask, row_max, values);
    __m512i pairs[8];
#pragma GCC unroll 8
    for (int pair = 0; pair < 8; ++pair) {
      pairs[pair] = _mm512_permutex2var_epi32(parts[2 * pair], distance, parts[2 * pair + 1]);
    }
    const __mmask16 bit5 = _mm512_test_epi32_mask(distance, _mm512_set1_epi32(32));
    const __mmask16 bit6 = _mm512_test_epi32_mask(distance, _mm512_set1_epi32(64));
    const __mmask16 bit7 = _mm512_test_epi32_mask(distance, _mm512_set1_epi32(128));
    const __m512i quarter0 = _mm512_mask_blend_epi32(bit5, pairs[0], pairs[1]);
    const __m512i quarter1 = _mm512_mask_blend_epi32(bit5, pairs[2], pairs[3]);
    const __m512i quarter2 = _mm512_mask_blend_epi32(bit5, pairs[4], pairs[5]);
    const __m512i quarter3 = _mm512_mask_blend_epi32(bit5, pairs[6], pairs[7]);
    const __m512i half0 = _mm512_mask_blend_epi32(bit6, quarter0, quarter1);
    const __m512i half1 = _mm512_mask_blend_epi32(bit6, quarter2, quarter3);
    return _mm512_mask_blend_epi32(bit7, half0, half1);
  }
};

}  // namespace

void softmax_qs8_avx512(size_t rows, size_t length, const int32_t* exp_table, const int8_t* input,
                        int8_t* output) {
  const __m512 low = _mm512_set1_ps(static_cast<float>(-128 - kSoftmaxQs8OutputZeroPoint));
  const __m512 high = _mm512_set1_ps(static_cast<float>(127 - kSoftmaxQs8OutputZeroPoint));
  const __m512i zero_point = _mm512_set1_epi32(kSoftmaxQs8OutputZeroPoint);
  const ExpTable table(exp_table);
  alignas(64) int32_t kept[kKeptEntries];
  const bool keep = length <= kKeptEntries;
  for (size_t r = 0; r < rows; ++r) {
    const int8_t* in = input + r * length;
    int8_t* out = output + r * length;
    const __m512i row_max = _mm512_set1_epi32(softmax_row_max_avx512(in, length));
    __m512i sums = _mm512_setzero_si512();
    for (size_t i = 0; i < length; i += 16) {
      const __mmask16 mask = first_lanes(length - i);
      const __m512i e = _mm512_maskz_mov_epi32(mask, table.entries(row_max, in + i, mask));
      if (keep) _mm512_mask_storeu_epi32(kept + i, mask, e);
      sums = _mm512_add_epi64(sums, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(e)));
      sums = _mm512_add_epi64(sums, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(e, 1)));
    }
    const int64_t sum = _mm512_reduce_add_epi64(sums);
    const __m512 reciprocal =
        _mm512_set1_ps(1.0f / (kSoftmaxQs8OutputScale * static_cast<float>(sum)));
    for (size_t i = 0; i < length; i += 16) {
      const __mmask16 mask = first_lanes(length - i);
      const __m512i e =
          keep ? _mm512_maskz_loadu_epi32(mask, kept + i) : table.entries(row_max, in + i, mask);
      __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(e), reciprocal);
      scaled = _mm512_min_ps(_mm512_max_ps(scaled, low), high);
      const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(scaled), zero_point);
      _mm_mask_storeu_epi8(out + i, mask, _mm512_cvtsepi32_epi8(q));
    }
  }
}

}  // namespace qrun::kernels
