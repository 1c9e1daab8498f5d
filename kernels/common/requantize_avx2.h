// The reference's requantization (requantize.h) for eight int32 lanes on AVX2, step by step:
// float(acc) * m, clamp to [min - zp, max - zp], round half to even (vcvtps2dq), add zp. Clamping
// before rounding gives the reference's result because both ends are whole numbers. The packs
// saturate, but the clamp has already put every value in range.
//
// Included only by files compiled for AVX2 or more. Everything here is in an unnamed namespace so
// that each file keeps a copy built for its own instruction set (an inline function shared
// between files with different flags could be linked in its most demanding version).
#pragma once

#include <immintrin.h>

#include <cstring>

#include "common/requantize.h"

namespace qrun::kernels {
namespace {

// All ones in lanes [0, count), zero elsewhere: the mask of a vector's valid lanes.
inline __m256i avx2_lanes_below(int count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Up to eight per-channel multipliers; lanes past `count` are 0 and never read from memory.
inline __m256 avx2_load_multipliers(const float* multipliers, int count) {
  return count >= 8 ? _mm256_loadu_ps(multipliers)
                    : _mm256_maskload_ps(multipliers, avx2_lanes_below(count));
}

struct Avx2Requantization {
  __m256 low;
  __m256 high;
  __m256i zero_point;
  __m256i zero_point_words;  // as 16 int16 lanes
  __m256i min_words;         // out.min as 16 int16 lanes

  explicit Avx2Requantization(const Qs8Output& out)
      : low(_mm256_set1_ps(static_cast<float>(out.min - out.zero_point))),
        high(_mm256_set1_ps(static_cast<float>(out.max - out.zero_point))),
        zero_point(_mm256_set1_epi32(out.zero_point)),
        zero_point_words(_mm256_set1_epi16(static_cast<int16_t>(out.zero_point))),
        min_words(_mm256_set1_epi16(static_cast<int16_t>(out.min))) {}

  // Clamped and rounded values of eight already scaled lanes, as int32, the zero point not yet
  // added (a kernel may add it to narrower values, where it cannot saturate either).
  __m256i rounded(__m256 scaled) const {
    return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(scaled, low), high));
  }
  // Rounded values of eight already scaled lanes clamped from above only, the zero point not yet
  // added, as int32: for kernels that finish sixteen lanes at a time in int16 (words()). The top
  // must be clamped in float, as vcvtps2dq turns anything from 2^31 up into INT_MIN; anything too
  // low becomes INT_MIN or stays below min - zp, and words() clamps it from below.
  __m256i rounded_capped(__m256 scaled) const {
    return _mm256_cvtps_epi32(_mm256_min_ps(scaled, high));
  }
  // Two vectors of rounded_capped() lanes as int16, the zero point added and clamped to
  // [min, max], in the lane order of vpackssdw (per 128-bit half: four of `q0`, four of `q1`).
  // Narrowing saturates at -32768, which adding a zero point of at most 127 keeps below any min.
  __m256i words(__m256i q0, __m256i q1) const {
    return _mm256_max_epi16(_mm256_adds_epi16(_mm256_packs_epi32(q0, q1), zero_point_words),
                            min_words);
  }
  // Clamped, rounded and offset values of eight already scaled lanes, as int32.
  __m256i finish(__m256 scaled) const { return _mm256_add_epi32(rounded(scaled), zero_point); }
  __m256i operator()(__m256i acc, __m256 multiplier) const {
    return finish(_mm256_mul_ps(_mm256_cvtepi32_ps(acc), multiplier));
  }
};

// Eight int32 lanes, each already in [-128, 127], as the low eight bytes of the result.
inline __m128i avx2_narrow(__m256i q) {
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  return _mm_packs_epi16(words, words);
}

// The sixteen int16 lanes of words() as bytes in the order of its inputs' lanes (q0's eight, then
// q1's): words() holds lanes 0-3 of both in its low half and 4-7 in the high one, and the
// permutation puts them in order before the narrowing pack.
inline __m128i avx2_ordered_bytes(__m256i words) {
  const __m256i ordered = _mm256_permute4x64_epi64(words, 0xD8);
  return _mm_packs_epi16(_mm256_castsi256_si128(ordered), _mm256_extracti128_si256(ordered, 1));
}

// Stores the first `count` (at most 16) bytes of `bytes`.
inline void avx2_store_bytes(int8_t* out, __m128i bytes, int count) {
  if (count >= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
  } else if (count == 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), bytes);
  } else {
    alignas(16) int8_t staged[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(staged), bytes);
    std::memcpy(out, staged, static_cast<size_t>(count));
  }
}

}  // namespace
}  // namespace qrun::kernels
