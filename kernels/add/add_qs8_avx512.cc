// Int8 Add on x86 AVX-512, 16 lanes at a time within the shared broadcast walk
// (common/broadcast_walk_avx512.h). The arithmetic is the reference's, step by step in fp32 (this
// file, like every kernel, is built with -ffp-contract=off): two products, their sum, clamp, round
// half to even, add the zero point.
#include <immintrin.h>

#include "add/add.h"
#include "common/broadcast_walk_avx512.h"

namespace qrun::kernels {

void add_qs8_avx512(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a,
                    const int8_t* b, int8_t* output) {
  const __m512i a_zero_point = _mm512_set1_epi32(p.a_zero_point);
  const __m512i b_zero_point = _mm512_set1_epi32(p.b_zero_point);
  const __m512 a_multiplier = _mm512_set1_ps(p.a_multiplier);
  const __m512 b_multiplier = _mm512_set1_ps(p.b_multiplier);
  const __m512 low = _mm512_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m512 high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m512i output_zero_point = _mm512_set1_epi32(p.output.zero_point);
  avx512_broadcast_walk(g, a, b, output, [&](__m512i x, __m512i y) {
    const __m512 scaled_a =
        _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(x, a_zero_point)), a_multiplier);
    const __m512 scaled_b =
        _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(y, b_zero_point)), b_multiplier);
    const __m512 sum = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(scaled_a, scaled_b), low), high);
    return _mm512_add_epi32(_mm512_cvtps_epi32(sum), output_zero_point);
  });
}

}  // namespace qrun::kernels
