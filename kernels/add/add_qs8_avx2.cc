// Int8 Add on x86 AVX2, eight lanes at a time within the shared broadcast walk
// (common/broadcast_walk_avx2.h). The arithmetic is the reference's, step by step in fp32 (this
// file, like every kernel, is built with -ffp-contract=off, so no FMA fuses the second product
// into the sum): two products, their sum, clamp, round half to even, add the zero point.
#include <immintrin.h>

#include "add/add.h"
#include "common/broadcast_walk_avx2.h"

namespace qrun::kernels {
void add_qs8_avx2(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a,
                  const int8_t* b, int8_t* output) {
  const __m256i a_zero_point = _mm256_set1_epi32(p.a_zero_point);
  const __m256i b_zero_point = _mm256_set1_epi32(p.b_zero_point);
  const __m256 a_multiplier = _mm256_set1_ps(p.a_multiplier);
  const __m256 b_multiplier = _mm256_set1_ps(p.b_multiplier);
  const Avx2Requantization requantize(p.output);
  // One half of a step: eight lanes of each input, as int32, to eight output lanes.
  const auto half = [&](__m128i x, __m128i y) {
    const __m256 scaled_a = _mm256_mul_ps(
        _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepi8_epi32(x), a_zero_point)), a_multiplier);
    const __m256 scaled_b = _mm256_mul_ps(
        _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepi8_epi32(y), b_zero_point)), b_multiplier);
    return avx2_narrow(requantize.finish(_mm256_add_ps(scaled_a, scaled_b)));
  };
  avx2_broadcast_walk(g, a, b, output, half);
}

}  // namespace qrun::kernels
