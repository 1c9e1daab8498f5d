// The int8 table lookup on x86 AVX2, 32 elements at a time. vpshufb looks into 16 bytes by the low
// four bits of each index, so the 256-entry table is 16 parts of 16: every part is looked up and
// kept only in the lanes whose index (x + 128, x with its sign bit flipped) has that part's high
// nibble. A tail of fewer than 32 elements is staged through a buffer, so nothing is read or
// written past the tensors.
#include <immintrin.h>

#include <cstring>

#include "elementwise_unary/elementwise_unary.h"

namespace qrun::kernels {
namespace {

__m256i look_up(const int8_t* table, __m256i x) {
  const __m256i index = _mm256_xor_si256(x, _mm256_set1_epi8(static_cast<char>(0x80)));
  const __m256i low_nibble = _mm256_and_si256(index, _mm256_set1_epi8(0x0f));
  // The high nibble, as a byte: shifts act on 16-bit lanes, so mask after shifting.
  const __m256i high_nibble = _mm256_and_si256(_mm256_srli_epi16(index, 4), _mm256_set1_epi8(0x0f));
  __m256i value = _mm256_setzero_si256();
  for (int part = 0; part < 16; ++part) {
    const __m256i entries = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * part)));
    const __m256i chosen =
        _mm256_cmpeq_epi8(high_nibble, _mm256_set1_epi8(static_cast<char>(part)));
    value = _mm256_blendv_epi8(value, _mm256_shuffle_epi8(entries, low_nibble), chosen);
  }
  return value;
}

}  // namespace

void lookup_table_s8_avx2(size_t count, const int8_t* table, const int8_t* input, int8_t* output) {
  size_t i = 0;
  for (; i + 32 <= count; i += 32) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(input + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(output + i), look_up(table, x));
  }
  if (i < count) {
    alignas(32) int8_t staged[32] = {};
    std::memcpy(staged, input + i, count - i);
    const __m256i x = _mm256_load_si256(reinterpret_cast<const __m256i*>(staged));
    _mm256_store_si256(reinterpret_cast<__m256i*>(staged), look_up(table, x));
    std::memcpy(output + i, staged, count - i);
  }
}

}  // namespace qrun::kernels
