// Int8 LayerNorm on x86 AVX-512 (F, BW). The row's statistics are exact integer sums (int16
// products paired by vpmaddwd, widened to int64 lanes every step, so no length overflows them);
// the row's mean and inverse deviation come from the reference's layer_norm_row_factors; each
// output follows the reference's float steps 16 lanes at a time: ((q - zp) - mean) * inverse,
// times scale[c], plus shift[c] (no FMA: kernels are built with -ffp-contract=off), clamp (a NaN
// to the low end, as vmaxps returns its second operand then), round half to even, add the zero
// point.
#include <immintrin.h>

#include "layer_norm/layer_norm.h"

namespace qrun::kernels {

void layer_norm_qs8_avx512(const LayerNormGeometry& g, const LayerNormQs8Params& p,
                           const int8_t* input, int8_t* output) {
  const __m512 low = _mm512_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m512 high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m512i output_zero_point = _mm512_set1_epi32(p.output.zero_point);
  const __m512i input_zero_point16 = _mm512_set1_epi16(static_cast<int16_t>(p.input_zero_point));
  const __m512i input_zero_point32 = _mm512_set1_epi32(p.input_zero_point);
  const __m512i ones = _mm512_set1_epi16(1);
  for (size_t row = 0; row < g.rows; ++row) {
    const int8_t* x = input + row * g.channels;
    int8_t* y = output + row * g.channels;
    __m512i sums = _mm512_setzero_si512();
    __m512i squares = _mm512_setzero_si512();
    for (size_t c = 0; c < g.channels; c += 32) {
      const size_t left = g.channels - c;
      const __mmask32 mask = left >= 32 ? ~__mmask32{0} : (__mmask32{1} << left) - 1;
      // Lanes past the row hold 0 after centring, adding nothing.
      const __m512i centred = _mm512_maskz_sub_epi16(
          mask, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(mask, x + c)), input_zero_point16);
      const __m512i pair_sums = _mm512_madd_epi16(centred, ones);
      const __m512i pair_squares = _mm512_madd_epi16(centred, centred);
      sums = _mm512_add_epi64(sums, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(pair_sums)));
      sums = _mm512_add_epi64(sums, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(pair_sums, 1)));
      squares =
          _mm512_add_epi64(squares, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(pair_squares)));
      squares = _mm512_add_epi64(squares,
                                 _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(pair_squares, 1)));
    }
    const LayerNormRowFactors row_factors =
        layer_norm_row_factors(_mm512_reduce_add_epi64(sums), _mm512_reduce_add_epi64(squares),
                               g.channels, p.epsilon_in_input_steps);
    const __m512 inverse = _mm512_set1_ps(row_factors.inverse);
    const __m512 mean = _mm512_set1_ps(row_factors.mean);
    for (size_t c = 0; c < g.channels; c += 16) {
      const size_t left = g.channels - c;
      const __mmask16 mask =
          left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1);
      const __m512i q = _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, x + c)),
                                         input_zero_point32);
      const __m512 centred = _mm512_sub_ps(_mm512_cvtepi32_ps(q), mean);
      const __m512 scaled =
          _mm512_mul_ps(_mm512_mul_ps(centred, inverse), _mm512_maskz_loadu_ps(mask, p.scale + c));
      const __m512 level = _mm512_add_ps(scaled, _mm512_maskz_loadu_ps(mask, p.shift + c));
      // Clamped before vcvtps2dq rounds (half to even): the bounds are integers, so that equals
      // rounding first.
      const __m512 clamped = _mm512_min_ps(_mm512_max_ps(level, low), high);
      const __m512i result = _mm512_add_epi32(_mm512_cvtps_epi32(clamped), output_zero_point);
      _mm_mask_storeu_epi8(y + c, mask, _mm512_cvtsepi32_epi8(result));
    }
  }
}

}  // namespace qrun::kernels
