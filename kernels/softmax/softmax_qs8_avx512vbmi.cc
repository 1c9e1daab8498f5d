// Int8 Softmax on x86 AVX512-VBMI, 64 elements per step in both passes. The exp table's entries
// are in [0, 2^23] (the loader checks it), so each fits in three bytes: the table is split into
// three byte planes of 256 entries, and a lookup is, per plane, two vpermi2b (by the distance's
// low seven bits, into the plane's two halves) merged by its top bit. The row's int64 sum of
// entries is the sum over planes of the plane's bytes (vpsadbw against zero, in 64-bit lanes)
// times 2^(8 * plane), so no entry is widened in the first pass. Then each output follows the
// reference's steps: float(entry) * reciprocal (the reference's scalar expression), clamp, round
// half to even, add the zero point. Short rows keep their planes on the stack and rebuild each
// entry in 32 bits by in-lane unpacks (the in-lane packs that narrow the outputs undo their
// order). In rows of kOutputTableFrom elements or more, an output depends on its distance alone,
// so the row's 256 outputs are computed once and looked up like the entries; measured on Zen 5,
// that pays from about 256 elements. Rows go in groups, each pass over the whole group (maxima,
// sums, outputs), so that a row's reductions, long chains of latency, overlap other rows' work:
// about 1.4x on rows of 128.
#include <immintrin.h>

#include "softmax/softmax.h"
#include "softmax/softmax_row_max_avx512.h"

namespace qrun::kernels {
namespace {

constexpr int kPlanes = 3;
constexpr size_t kOutputTableFrom = 256;
// A group is at most this many rows, and, of short rows, this many blocks of 64 elements (their
// planes kept on the stack).
constexpr size_t kGroupLimit = 16;
static_assert(kGroupLimit >= kOutputTableFrom / 64, "a group holds at least one short row");
// The clamped, rounded outputs are then unsigned bytes [0, 255], and adding the zero point to
// them modulo 256 gives [-128, 127].
static_assert(kSoftmaxQs8OutputZeroPoint == -128, "the outputs are narrowed as unsigned bytes");

__mmask64 first_bytes(size_t count) {
  return count >= 64 ? ~__mmask64{0} : (__mmask64{1} << count) - 1;
}

// Plane p holds bits [8p, 8p + 8) of every entry: four registers of 64, the first two for
// distances below 128, the last two for the rest.
struct ExpPlanes {
  __m512i bytes[kPlanes][4];

  explicit ExpPlanes(const int32_t* table) {
    alignas(64) uint8_t planes[kPlanes][kSoftmaxTableSize];
    for (int part = 0; part < kSoftmaxTableSize / 16; ++part) {
      const __m512i entries = _mm512_loadu_si512(table + 16 * part);
      for (int p = 0; p < kPlanes; ++p) {
        _mm_store_si128(reinterpret_cast<__m128i*>(planes[p] + 16 * part),
                        _mm512_cvtepi32_epi8(_mm512_srli_epi32(entries, 8 * p)));
      }
    }
    for (int p = 0; p < kPlanes; ++p) {
      for (int q = 0; q < 4; ++q) bytes[p][q] = _mm512_load_si512(planes[p] + 64 * q);
    }
  }

  // The planes of exp_table[distance] for 64 distances; lanes outside `mask` get 0.
  void look_up(__m512i distance, __mmask64 mask, __m512i* entry_planes) const {
    const __mmask64 top_bit = _mm512_movepi8_mask(distance);
    const __mmask64 low_half = mask & ~top_bit;
    const __mmask64 high_half = mask & top_bit;
    for (int p = 0; p < kPlanes; ++p) {
      entry_planes[p] = _mm512_or_si512(
          _mm512_maskz_permutex2var_epi8(low_half, bytes[p][0], distance, bytes[p][1]),
          _mm512_maskz_permutex2var_epi8(high_half, bytes[p][2], distance, bytes[p][3]));
    }
  }
};

// The outputs of 64 elements from their entries in float, laid out as widen_entries gives them:
// the reference's steps, then in-lane packs that narrow the results and undo that layout.
__m512i outputs(const __m512 entries[4], __m512 reciprocal) {
  const __m512 low = _mm512_set1_ps(static_cast<float>(-128 - kSoftmaxQs8OutputZeroPoint));
  const __m512 high = _mm512_set1_ps(static_cast<float>(127 - kSoftmaxQs8OutputZeroPoint));
  __m512i rounded[4];
  for (int k = 0; k < 4; ++k) {
    const __m512 scaled = _mm512_mul_ps(entries[k], reciprocal);
    rounded[k] = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(scaled, low), high));
  }
  const __m512i bytes = _mm512_packus_epi16(_mm512_packs_epi32(rounded[0], rounded[1]),
                                            _mm512_packs_epi32(rounded[2], rounded[3]));
  return _mm512_add_epi8(bytes, _mm512_set1_epi8(static_cast<char>(kSoftmaxQs8OutputZeroPoint)));
}

// 64 entries from their three planes, in float: in each 128-bit lane, entries[k] holds that lane's
// elements 4k to 4k + 3.
void widen_entries(const __m512i entry_planes[kPlanes], __m512 entries[4]) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i low01 = _mm512_unpacklo_epi8(entry_planes[0], entry_planes[1]);
  const __m512i high01 = _mm512_unpackhi_epi8(entry_planes[0], entry_planes[1]);
  const __m512i low2 = _mm512_unpacklo_epi8(entry_planes[2], zero);
  const __m512i high2 = _mm512_unpackhi_epi8(entry_planes[2], zero);
  entries[0] = _mm512_cvtepi32_ps(_mm512_unpacklo_epi16(low01, low2));
  entries[1] = _mm512_cvtepi32_ps(_mm512_unpackhi_epi16(low01, low2));
  entries[2] = _mm512_cvtepi32_ps(_mm512_unpacklo_epi16(high01, high2));
  entries[3] = _mm512_cvtepi32_ps(_mm512_unpackhi_epi16(high01, high2));
}

// row_max - x for 64 elements (those outside `mask` read as 0): in [0, 255], so as bytes the
// difference modulo 256 is the distance.
__m512i distances(__m512i row_max, const int8_t* x, __mmask64 mask) {
  return _mm512_sub_epi8(row_max, _mm512_maskz_loadu_epi8(mask, x));
}

// The reference's reciprocal 1 / (output scale * float(sum of the row's entries)); the planes of
// the entries go to `kept` unless it is null.
float reciprocal_of_sum(const ExpPlanes& planes, const int8_t* in, size_t length, int8_t row_max,
                        __m512i (*kept)[kPlanes]) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i max = _mm512_set1_epi8(row_max);
  __m512i plane_sums[kPlanes] = {zero, zero, zero};
  for (size_t i = 0; i < length; i += 64) {
    const __mmask64 mask = first_bytes(length - i);
    __m512i entry_planes[kPlanes];
    planes.look_up(distances(max, in + i, mask), mask, entry_planes);
    for (int p = 0; p < kPlanes; ++p) {
      plane_sums[p] = _mm512_add_epi64(plane_sums[p], _mm512_sad_epu8(entry_planes[p], zero));
      if (kept != nullptr) kept[i / 64][p] = entry_planes[p];
    }
  }
  const __m512i sums = _mm512_add_epi64(
      plane_sums[0],
      _mm512_add_epi64(_mm512_slli_epi64(plane_sums[1], 8), _mm512_slli_epi64(plane_sums[2], 16)));
  const int64_t sum = _mm512_reduce_add_epi64(sums);
  return 1.0f / (kSoftmaxQs8OutputScale * static_cast<float>(sum));
}

}  // namespace

void softmax_qs8_avx512vbmi(size_t rows, size_t length, const int32_t* exp_table,
                            const int8_t* input, int8_t* output) {
  if (length == 0) return;
  const ExpPlanes planes(exp_table);
  // The whole table in float, 64 distances per quarter, for long rows' tables of outputs.
  const bool short_rows = length < kOutputTableFrom;
  __m512 table_entries[4][4];
  for (int q = 0; q < 4; ++q) {
    const __m512i quarter[kPlanes] = {planes.bytes[0][q], planes.bytes[1][q], planes.bytes[2][q]};
    widen_entries(quarter, table_entries[q]);
  }
  const size_t blocks = (length + 63) / 64;
  const size_t group = short_rows ? kGroupLimit / blocks : kGroupLimit;
  __m512i kept[kGroupLimit][kPlanes];
  int8_t row_maxima[kGroupLimit];
  float reciprocals[kGroupLimit];
  for (size_t first = 0; first < rows; first += group) {
    const size_t count = rows - first < group ? rows - first : group;
    const int8_t* in = input + first * length;
    int8_t* out = output + first * length;
    for (size_t g = 0; g < count; ++g)
      row_maxima[g] = softmax_row_max_avx512(in + g * length, length);
    for (size_t g = 0; g < count; ++g) {
      reciprocals[g] = reciprocal_of_sum(planes, in + g * length, length, row_maxima[g],
                                         short_rows ? kept + g * blocks : nullptr);
    }
    if (short_rows) {
      for (size_t g = 0; g < count; ++g) {
        const __m512 reciprocal = _mm512_set1_ps(reciprocals[g]);
        for (size_t b = 0; b < blocks; ++b) {
          __m512 entries[4];
          widen_entries(kept[g * blocks + b], entries);
          _mm512_mask_storeu_epi8(out + g * length + 64 * b, first_bytes(length - 64 * b),
                                  outputs(entries, reciprocal));
        }
      }
      continue;
    }
    for (size_t g = 0; g < count; ++g) {
      // The output is a function of the distance alone: 256 bytes looked up as the entries were.
      const __m512 reciprocal = _mm512_set1_ps(reciprocals[g]);
      __m512i output_table[4];
      for (int q = 0; q < 4; ++q) output_table[q] = outputs(table_entries[q], reciprocal);
      const __m512i max = _mm512_set1_epi8(row_maxima[g]);
      for (size_t i = 0; i < length; i += 64) {
        const __mmask64 mask = first_bytes(length - i);
        const __m512i distance = distances(max, in + g * length + i, mask);
        const __m512i low_half =
            _mm512_permutex2var_epi8(output_table[0], distance, output_table[1]);
        const __m512i high_half =
            _mm512_permutex2var_epi8(output_table[2], distance, output_table[3]);
        _mm512_mask_storeu_epi8(
            out + g * length + i, mask,
            _mm512_mask_blend_epi8(_mm512_movepi8_mask(distance), low_half, high_half));
      }
    }
  }
}

}  // namespace qrun::kernels
