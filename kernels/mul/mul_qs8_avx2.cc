// Int8 Mul on x86 AVX2, eight lanes at a time within the shared broadcast walk
// (common/broadcast_walk_avx2.h). The arithmetic is the reference's: the exact int32 product of
// the two centred values, one fp32 product with the multiplier, clamp, round half to even, add the
// zero point.
#include <immintrin.h>

#include "common/broadcast_walk_avx2.h"
#include "mul/mul.h"

namespace qrun::kernels {
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
  avx2_broadcast_walk(g, a, b, output, half);
}

}  // namespace qrun::kernels
