// Int8 Mul on x86 AVX-512, 16 lanes at a time within the shared broadcast walk
// (common/broadcast_walk_avx512.h; squeeze-and-excitation's [N,H,W,C] by [N,1,1,C] walks C
// contiguous on both sides). The arithmetic is the reference's: the exact int32 product of the two
// centred values, one fp32 product with the multiplier, clamp, round half to even, add the zero
// point.
#include <immintrin.h>

#include "common/broadcast_walk_avx512.h"
#include "mul/mul.h"

namespace qrun::kernels {

void mul_qs8_avx512(const BroadcastGeometry& g, const MulQs8Params& p, const int8_t* a,
                    const int8_t* b, int8_t* output) {
  const __m512i a_zero_point = _mm512_set1_epi32(p.a_zero_point);
  const __m512i b_zero_point = _mm512_set1_epi32(p.b_zero_point);
  const __m512 multiplier = _mm512_set1_ps(p.multiplier);
  const __m512 low = _mm512_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m512 high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m512i output_zero_point = _mm512_set1_epi32(p.output.zero_point);
  avx512_broadcast_walk(g, a, b, output, [&](__m512i x, __m512i y) {
    const __m512i product =
        _mm512_mullo_epi32(_mm512_sub_epi32(x, a_zero_point), _mm512_sub_epi32(y, b_zero_point));
    __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(product), multiplier);
    scaled = _mm512_min_ps(_mm512_max_ps(scaled, low), high);
    return _mm512_add_epi32(_mm512_cvtps_epi32(scaled), output_zero_point);
  });
}

}  // namespace qrun::kernels
