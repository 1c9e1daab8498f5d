// Int8 Mul on x86 AVX2, 16 lanes at a time (two vectors of 8) along the innermost dimension, where
// each input is either contiguous or a single broadcast value. The arithmetic is the reference's:
// the exact int32 product of the two centred values, one fp32 product with the multiplier, clamp,
// round half to even, add the zero point. A row's last few elements are staged through a buffer
// so that nothing is read past the inputs.
#include <immintrin.h>

#include <cstring>

#include "common/requantize_avx2.h"
#include "mul/mul.h"

namespace qrun::kernels {
namespace {

constexpr size_t kStep = 16;

// Sixteen elements from `p` (or `count` of them, the rest zero), or one broadcast if stride is 0.
__m128i load_bytes(const int8_t* p, size_t stride, size_t count) {
  if (stride == 0) return _mm_set1_epi8(*p);
  if (count >= kStep) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  alignas(16) int8_t staged[kStep] = {};
  std::memcpy(staged, p, count);
  return _mm_load_si128(reinterpret_cast<const __m128i*>(staged));
}

}  // namespace

void mul_qs8_avx2(const BroadcastGeometry& g, const MulQs8Params& p, const int8_t* a,
                  const int8_t* b, int8_t* output) {
  const __m256i a_zero_point = _mm256_set1_epi32(p.a_zero_point);
  const __m256i b_zero_point = _mm256_set1_epi32(p.b_zero_point);
  const __m256 multiplier = _mm256_set1_ps(p.multiplier);
  const Avx2Requantization requantize(p.output);
  // One half of a step: eight lanes of each input, as int32, to eight output lanes.
  const auto half = [&](__m128i x, __m128i y) {
    const __m256i product =
        _mm256_mullo_epi32(_mm256_sub_epi32(_mm256_cvtepi8_epi32(x), a_zero_point),
                           _mm256_sub_epi32(_mm256_cvtepi8_epi32(y), b_zero_point));
    return avx2_narrow(requantize(product, multiplier));
  };
  const size_t* d = g.output_dims;
  const size_t inner = d[3];
  for (size_t i0 = 0; i0 < d[0]; ++i0) {
    for (size_t i1 = 0; i1 < d[1]; ++i1) {
      for (size_t i2 = 0; i2 < d[2]; ++i2) {
        const int8_t* a_row = a + i0 * g.a_strides[0] + i1 * g.a_strides[1] + i2 * g.a_strides[2];
        const int8_t* b_row = b + i0 * g.b_strides[0] + i1 * g.b_strides[1] + i2 * g.b_strides[2];
        for (size_t i = 0; i < inner; i += kStep) {
          const size_t left = inner - i;
          const __m128i x = load_bytes(a_row + i * g.a_strides[3], g.a_strides[3], left);
          const __m128i y = load_bytes(b_row + i * g.b_strides[3], g.b_strides[3], left);
          const __m128i low = half(x, y);
          const __m128i high = half(_mm_srli_si128(x, 8), _mm_srli_si128(y, 8));
          avx2_store_bytes(output + i, _mm_unpacklo_epi64(low, high),
                           static_cast<int>(left < kStep ? left : kStep));
        }
        output += inner;
      }
    }
  }
}

}  // namespace qrun::kernels
