// Int8 Add on x86 AVX-512, 16 lanes at a time along the innermost dimension, where each input is
// either contiguous or a single broadcast value. The arithmetic is the reference's, step by step
// in fp32 (this file, like every kernel, is built with -ffp-contract=off): two products, their
// sum, clamp, round half to even, add the zero point.
#include <immintrin.h>

#include "add/add.h"

namespace qrun::kernels {
namespace {

__m512i load_lanes(const int8_t* p, size_t stride, __mmask16 mask) {
  return stride == 0 ? _mm512_set1_epi32(*p) : _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, p));
}

}  // namespace

void add_qs8_avx512(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a,
                    const int8_t* b, int8_t* output) {
  const __m512i a_zero_point = _mm512_set1_epi32(p.a_zero_point);
  const __m512i b_zero_point = _mm512_set1_epi32(p.b_zero_point);
  const __m512 a_multiplier = _mm512_set1_ps(p.a_multiplier);
  const __m512 b_multiplier = _mm512_set1_ps(p.b_multiplier);
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
          const __m512i x = load_lanes(a_row + i * g.a_strides[3], g.a_strides[3], mask);
          const __m512i y = load_lanes(b_row + i * g.b_strides[3], g.b_strides[3], mask);
          const __m512 scaled_a =
              _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(x, a_zero_point)), a_multiplier);
          const __m512 scaled_b =
              _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(y, b_zero_point)), b_multiplier);
          const __m512 sum =
              _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(scaled_a, scaled_b), low), high);
          const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(sum), output_zero_point);
          _mm_mask_storeu_epi8(output + i, mask, _mm512_cvtsepi32_epi8(q));
        }
        output += inner;
      }
    }
  }
}

}  // namespace qrun::kernels
