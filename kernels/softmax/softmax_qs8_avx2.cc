// Int8 Softmax on x86 AVX2, 32 elements per step for the row's maximum and 8 per gather from the
// exp table after it. The sum of table entries is kept in int64 lanes (as the reference's int64
// sum: the same number, whatever the order); the reciprocal is the reference's scalar expression,
// and each output follows its steps: float(entry) * reciprocal, clamp to the output range, round
// half to even, add the zero point. A row's entries are kept on the stack for that second pass,
// rows of up to kKeptEntries; longer rows gather again. Short last steps are staged through
// buffers, so nothing is read or written past the tensors.
#include <immintrin.h>

#include <cstring>

#include "common/requantize_avx2.h"
#include "softmax/softmax.h"

namespace qrun::kernels {
namespace {

constexpr size_t kKeptEntries = 2048;

// Up to eight elements from `x` as int32 (lanes past `count` are 0).
__m256i load_lanes(const int8_t* x, size_t count) {
  int8_t staged[16] = {};
  std::memcpy(staged, x, count < 8 ? count : 8);
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(staged)));
}

// Entries exp_table[row_max - x] for up to eight elements, 0 in the lanes past `count`.
__m256i entries(const int32_t* exp_table, __m256i row_max, const int8_t* x, size_t count) {
  const __m256i lanes = avx2_lanes_below(static_cast<int>(count < 8 ? count : 8));
  const __m256i distance = _mm256_and_si256(_mm256_sub_epi32(row_max, load_lanes(x, count)), lanes);
  return _mm256_and_si256(_mm256_i32gather_epi32(exp_table, distance, 4), lanes);
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
    for (size_t i = 0; i < length; i += 8) {
      const __m256i e = entries(exp_table, row_max, in + i, length - i);
      if (keep) _mm256_store_si256(reinterpret_cast<__m256i*>(kept + i), e);
      sums = _mm256_add_epi64(sums, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(e)));
      sums = _mm256_add_epi64(sums, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(e, 1)));
    }
    alignas(32) int64_t parts[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(parts), sums);
    const int64_t sum = parts[0] + parts[1] + parts[2] + parts[3];
    const __m256 reciprocal =
        _mm256_set1_ps(1.0f / (kSoftmaxQs8OutputScale * static_cast<float>(sum)));
    for (size_t i = 0; i < length; i += 8) {
      const size_t count = length - i < 8 ? length - i : 8;
      const __m256i e = keep ? _mm256_load_si256(reinterpret_cast<const __m256i*>(kept + i))
                             : entries(exp_table, row_max, in + i, count);
      const __m128i bytes = avx2_narrow(requantize(e, reciprocal));
      avx2_store_bytes(out + i, bytes, static_cast<int>(count));
    }
  }
}

}  // namespace qrun::kernels
