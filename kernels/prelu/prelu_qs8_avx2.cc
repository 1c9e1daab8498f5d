// Int8 PReLU on x86 AVX2, 16 lanes at a time (two vectors of 8) along the innermost dimension,
// where the input is contiguous or one broadcast value and the negative side's multipliers are
// contiguous or one broadcast value. Each lane takes the positive or the negative multiplier by its
// sign and is requantized as the reference does (one fp32 product, clamp, round half to even, zero
// point). It walks the rows as the other binary kernels do (common/broadcast_walk_avx2.h) but
// loads its float multipliers itself; a row's last few elements are staged or masked so that
// nothing is read past the inputs.
#include <immintrin.h>

#include "common/broadcast_walk_avx2.h"
#include "prelu/prelu.h"

namespace qrun::kernels {
namespace {

// Eight floats from `p` (or `count` of them, the rest zero), or one broadcast if stride is 0.
__m256 load_floats(const float* p, size_t stride, size_t count) {
  if (stride == 0) return _mm256_set1_ps(*p);
  if (count >= 8) return _mm256_loadu_ps(p);
  return _mm256_maskload_ps(p, avx2_lanes_below(static_cast<int>(count)));
}

}  // namespace

void prelu_qs8_avx2(const BroadcastGeometry& g, const PReluQs8Params& p, const int8_t* input,
                    const float* negative_multipliers, int8_t* output) {
  const __m256i zero_point = _mm256_set1_epi32(p.input_zero_point);
  const __m256 positive = _mm256_set1_ps(p.positive_multiplier);
  const Avx2Requantization requantize(p.output);
  // Eight lanes of the input, as int32, with their eight negative multipliers.
  const auto half = [&](__m128i x, __m256 negative) {
    const __m256i d = _mm256_sub_epi32(_mm256_cvtepi8_epi32(x), zero_point);
    const __m256 below = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_setzero_si256(), d));
    return avx2_narrow(requantize(d, _mm256_blendv_ps(positive, negative, below)));
  };
  const size_t inner = g.output_dims[3];
  const size_t m_stride = g.b_strides[3];
  for_each_broadcast_row(
      g, input, negative_multipliers, output,
      [&](const int8_t* x_row, const float* m_row, int8_t* out_row) {
        for (size_t i = 0; i < inner; i += kAvx2BroadcastStep) {
          const size_t left = inner - i;
          const __m128i x = avx2_load_bytes(x_row + i * g.a_strides[3], g.a_strides[3], left);
          const float* m = m_row + i * m_stride;
          const __m256 m_low = load_floats(m, m_stride, left);
          const __m256 m_high =
              left > 8 ? load_floats(m + 8 * m_stride, m_stride, left - 8) : _mm256_setzero_ps();
          const __m128i low = half(x, m_low);
          const __m128i high = half(_mm_srli_si128(x, 8), m_high);
          avx2_store_bytes(out_row + i, _mm_unpacklo_epi64(low, high),
                           static_cast<int>(left < kAvx2BroadcastStep ? left : kAvx2BroadcastStep));
        }
      });
}

}  // namespace qrun::kernels
