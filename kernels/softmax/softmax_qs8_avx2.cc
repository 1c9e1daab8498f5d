// Int8 Softmax on x86 AVX2, 32 elements per step for the row's maximum, 8 per gather from the exp
// table after it and 16 per step of the outputs. The sum of table entries is the reference's
// int64 sum (the same number, whatever the order): each lane adds at most kStepsPerWideningSum
// entries (each at most 2^23) in int32 before they are widened into int64. The reciprocal is the
// reference's scalar expression, and each output follows its steps: float(entry) * reciprocal,
// clamp to the output range, round half to even, add the zero point. A row's entries are kept on
// the stack for that second pass, rows of up to kKeptEntries; longer rows gather again. Short last
// steps are staged through buffers, so nothing is read or written past the tensors.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "common/requantize_avx2.h"
#include "softmax/softmax.h"

namespace qrun::kernels {
namespace {

constexpr size_t kKeptEntries = 2048;
// 255 entries of at most 2^23 stay below 2^31.
constexpr size_t kStepsPerWideningSum = 255;

// Entries exp_table[row_max - x] for eight elements.
__m256i entries(const int32_t* exp_table, __m256i row_max, const int8_t* x) {
  const __m256i values = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x)));
  return _mm256_i32gather_epi32(exp_table, _mm256_sub_epi32(row_max, values), 4);
}

// entries() for the first `count` (< 8) elements, 0 in the other lanes (which read entry 0).
__m256i last_entries(const int32_t* exp_table, __m256i row_max, const int8_t* x, size_t count) {
  alignas(8) int8_t staged[8] = {};
  std::memcpy(staged, x, count);
  const __m256i values =
      _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(staged)));
  const __m256i lanes = avx2_lanes_below(static_cast<int>(count));
  const __m256i distance = _mm256_and_si256(_mm256_sub_epi32(row_max, values), lanes);
  return _mm256_and_si256(_mm256_i32gather_epi32(exp_table, distance, 4), lanes);
}

// The entries of elements [i, i + 8) of a row of `length`, 0 for those past its end.
__m256i entries_at(const int32_t* exp_table, __m256i row_max, const int8_t* in, size_t i,
                   size_t length) {
  return length - i >= 8 ? entries(exp_table, row_max, in + i)
                         : last_entries(exp_table, row_max, in + i, length - i);
}

int64_t sum_of_lanes(__m256i sums) {
  alignas(32) int64_t parts[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(parts), sums);
  return parts[0] + parts[1] + parts[2] + parts[3];
}

int8_t row_maximum(const int8_t* in, size_t length) {
  __m256i maxima = _mm256_set1_epi8(-128);
  for (size_t i = 0; i < length; i += 32) {
    alignas(32) int8_t staged[32];
    const int8_t* bytes = in + i;
    if (length - i < 32) {
      std::memset(staged, -128, sizeof staged);
      std::memcpy(staged, in + i, length - i);
      bytes = staged;
    }
    maxima = _mm256_max_epi8(maxima, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes)));
  }
  __m128i max16 = _mm_max_epi8(_mm256_castsi256_si128(maxima), _mm256_extracti128_si256(maxima, 1));
  max16 = _mm_max_epi8(max16, _mm_srli_si128(max16, 8));
  max16 = _mm_max_epi8(max16, _mm_srli_si128(max16, 4));
  max16 = _mm_max_epi8(max16, _mm_srli_si128(max16, 2));
  max16 = _mm_max_epi8(max16, _mm_srli_si128(max16, 1));
  return static_cast<int8_t>(_mm_extract_epi8(max16, 0));
}

}  // namespace

void softmax_qs8_avx2(size_t rows, size_t length, const int32_t* exp_table, const int8_t* input,
                      int8_t* output) {
  Qs8Output range;
  range.zero_point = kSoftmaxQs8OutputZeroPoint;
  const Avx2Requantization requantize(range);
  alignas(32) int32_t kept[kKeptEntries];
  const bool keep = length <= kKeptEntries;
  for (size_t r = 0; r < rows; ++r) {
    const int8_t* in = input + r * length;
    int8_t* out = output + r * length;
    const __m256i row_max = _mm256_set1_epi32(row_maximum(in, length));
    __m256i sums = _mm256_setzero_si256();
    for (size_t chunk = 0; chunk < length; chunk += 8 * kStepsPerWideningSum) {
      const size_t chunk_end = std::min(length, chunk + 8 * kStepsPerWideningSum);
      __m256i narrow_sums = _mm256_setzero_si256();
      for (size_t i = chunk; i < chunk_end; i += 8) {
        const __m256i e = entries_at(exp_table, row_max, in, i, length);
        if (keep) _mm256_store_si256(reinterpret_cast<__m256i*>(kept + i), e);
        narrow_sums = _mm256_add_epi32(narrow_sums, e);
      }
      sums = _mm256_add_epi64(sums, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(narrow_sums)));
      sums =
          _mm256_add_epi64(sums, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(narrow_sums, 1)));
    }
    const __m256 reciprocal =
        _mm256_set1_ps(1.0f / (kSoftmaxQs8OutputScale * static_cast<float>(sum_of_lanes(sums))));
    auto scaled = [&](size_t i) {
      const __m256i e = keep ? _mm256_load_si256(reinterpret_cast<const __m256i*>(kept + i))
                             : entries_at(exp_table, row_max, in, i, length);
      return _mm256_mul_ps(_mm256_cvtepi32_ps(e), reciprocal);
    };
    for (size_t i = 0; i < length; i += 16) {
      // A last step of at most 8 elements has no second half.
      const __m256 high = length - i > 8 ? scaled(i + 8) : _mm256_setzero_ps();
      const __m128i bytes = avx2_ordered_bytes(
          requantize.words(requantize.rounded_capped(scaled(i)), requantize.rounded_capped(high)));
      avx2_store_bytes(out + i, bytes, static_cast<int>(std::min<size_t>(length - i, 16)));
    }
  }
}

}  // namespace qrun::kernels
