// Int8 Sub, Div, Maximum and Minimum on x86 AVX2, eight lanes at a time within the shared
// broadcast walk (common/broadcast_walk_avx2.h). The arithmetic is the reference's, step by step in
// fp32 (built with -ffp-contract=off): Sub, Maximum and Minimum scale both sides and combine them,
// Div divides (vdivps rounds as the scalar division does) then scales; a zero divisor's lanes are
// replaced by the output's max, min or zero point.
#include <immintrin.h>

#include "common/broadcast_walk_avx2.h"
#include "elementwise_binary/elementwise_binary.h"

namespace qrun::kernels {
void binary_qs8_avx2(const BroadcastGeometry& g, const BinaryQs8Params& p, const int8_t* a,
                     const int8_t* b, int8_t* output) {
  const __m256i a_zero_point = _mm256_set1_epi32(p.a_zero_point);
  const __m256i b_zero_point = _mm256_set1_epi32(p.b_zero_point);
  const __m256 a_multiplier = _mm256_set1_ps(p.a_multiplier);
  const __m256 b_multiplier = _mm256_set1_ps(p.b_multiplier);
  const Avx2Requantization requantize(p.output);
  const __m256i output_max = _mm256_set1_epi32(p.output.max);
  const __m256i output_min = _mm256_set1_epi32(p.output.min);
  const __m256i zero_quotient = requantize.finish(_mm256_setzero_ps());
  const BinaryFunction function = p.function;
  // One half of a step: eight lanes of each input, as int32, to eight output lanes.
  const auto half = [&](__m128i x, __m128i y) {
    const __m256i dx = _mm256_sub_epi32(_mm256_cvtepi8_epi32(x), a_zero_point);
    const __m256i dy = _mm256_sub_epi32(_mm256_cvtepi8_epi32(y), b_zero_point);
    if (function == BinaryFunction::kDiv) {
      const __m256 quotient = _mm256_div_ps(_mm256_cvtepi32_ps(dx), _mm256_cvtepi32_ps(dy));
      __m256i q = requantize.finish(_mm256_mul_ps(quotient, a_multiplier));
      const __m256i zero = _mm256_setzero_si256();
      const __m256i by_zero = _mm256_cmpeq_epi32(dy, zero);
      const __m256i saturated = _mm256_blendv_epi8(
          _mm256_blendv_epi8(zero_quotient, output_min, _mm256_cmpgt_epi32(zero, dx)), output_max,
          _mm256_cmpgt_epi32(dx, zero));
      return avx2_narrow(_mm256_blendv_epi8(q, saturated, by_zero));
    }
    const __m256 scaled_a = _mm256_mul_ps(_mm256_cvtepi32_ps(dx), a_multiplier);
    const __m256 scaled_b = _mm256_mul_ps(_mm256_cvtepi32_ps(dy), b_multiplier);
    __m256 result;
    switch (function) {
      case BinaryFunction::kMaximum: result = _mm256_max_ps(scaled_a, scaled_b); break;
      case BinaryFunction::kMinimum: result = _mm256_min_ps(scaled_a, scaled_b); break;
      default: result = _mm256_sub_ps(scaled_a, scaled_b); break;
    }
    return avx2_narrow(requantize.finish(result));
  };
  avx2_broadcast_walk(g, a, b, output, half);
}

}  // namespace qrun::kernels
