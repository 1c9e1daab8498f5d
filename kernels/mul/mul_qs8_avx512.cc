// Int8 Mul on x86 AVX-512, 16 lanes at a time along the innermost dimension, where each input is
// either contiguous or a single broadcast value (squeeze-and-excitation's [N,H,W,C] by [N,1,1,C]
// walks C contiguous on both sides). The arithmetic is the reference's: the exact int32 product of
// the two centred values, one fp32 product with the multiplier, clamp, round half to even, add the
// zero point.
#include <immintrin.h>

#include "mul/mul.h"

namespace qrun::kernels {
namespace {

__m512i load_lanes(const int8_t* p, size_t stride, __mmask16 mask) {
  return stride == 0 ? _mm512_set1_epi32(*p) : _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, p));
}

}  // namespace

void mul_qs8_avx512(const BroadcastGeometry& g, const MulQs8Params& p, const int8_t* a,
                    const int8_t* b, int8_t* output) {
  const __m512i a_zero_point = _mm512_set1_epi32(p.a_zero_point);
  const __m512i b_zero_point = _mm512_set1_epi32(p.b_zero_point);
  const __m512 multiplier = _mm512_set1_ps(p.multiplier);
  const __m512 low = _mm512_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m512 high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m512i output_zero_point = _mm512_set1_epi32(p.output.zero_point);
  const size_t* d = g.output_dims;
  const size_t inner = d[3];
  for (size_t i0 = 0; i0 < d[0]; ++i0) {
    for (size_t i1 = 0; i1 < d[1]; ++i1) {
      for (size_t i2 = 0; i2 < d[2]; ++i2) {
        const int8_t* a_row = a + i0 * g.a_strides[0] + i1 * g.a_strides[1] + i2 * g.a_strides[2];
        const int8_t* b_row = b + i0 * g.b_strides[0] + i1 * g.b_strides[1] + i2 * g.b_strides[2];
        for (size_t i = 0; i < inner; i += 16) {
          const size_t left = inner - i;
          const __mmask16 mask = left >= 16 ? static_cast<__mmask16>(0xffff)
                                            : static_cast<__mmask16>((1u << left) - 1);
          const __m512i x = _mm512_sub_epi32(
              load_lanes(a_row + i * g.a_strides[3], g.a_strides[3], mask), a_zero_point);
          const __m512i y = _mm512_sub_epi32(
              load_lanes(b_row + i * g.b_strides[3], g.b_strides[3], mask), b_zero_point);
          __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_mullo_epi32(x, y)), multiplier);
          scaled = _mm512_min_ps(_mm512_max_ps(scaled, low), high);
          const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(scaled), output_zero_point);
          _mm_mask_storeu_epi8(output + i, mask, _mm512_cvtsepi32_epi8(q));
        }
        output += inner;
      }
    }
  }
}

}  // namespace qrun::kernels
