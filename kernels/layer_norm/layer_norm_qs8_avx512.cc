// Int8 LayerNorm on x86 AVX-512 (F, BW, DQ). The row's statistics are exact integer sums (int16
// products paired by vpmaddwd, widened to int64 lanes every step, so no length overflows them);
// mean, variance and the inverse deviation are the reference's scalar double expressions; each
// output follows the reference's double steps eight lanes at a time: ((q - zp) - mean) * inverse,
// times scale[c], plus shift[c] (no FMA: kernels are built with -ffp-contract=off), round half to
// even, clamp (a NaN to the low end, as vmaxpd returns its second operand then), add the zero
// point.
#include <immintrin.h>

#include <cmath>

#include "layer_norm/layer_norm.h"

namespace qrun::kernels {

void layer_norm_qs8_avx512(const LayerNormGeometry& g, const LayerNormQs8Params& p,
                           const int8_t* input, int8_t* output) {
  const int64_t channels = static_cast<int64_t>(g.channels);
  const __m512d low = _mm512_set1_pd(static_cast<double>(p.output.min - p.output.zero_point));
  const __m512d high = _mm512_set1_pd(static_cast<double>(p.output.max - p.output.zero_point));
  const __m256i output_zero_point = _mm256_set1_epi32(p.output.zero_point);
  const __m512i input_zero_point16 = _mm512_set1_epi16(static_cast<int16_t>(p.input_zero_point));
  const __m256i input_zero_point32 = _mm256_set1_epi32(p.input_zero_point);
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
    const int64_t sum = _mm512_reduce_add_epi64(sums);
    const int64_t square_sum = _mm512_reduce_add_epi64(squares);
    const double mean = static_cast<double>(sum) / static_cast<double>(channels);
    const double variance = static_cast<double>(channels * square_sum - sum * sum) /
                            (static_cast<double>(channels) * static_cast<double>(channels));
    const __m512d inverse = _mm512_set1_pd(1.0 / std::sqrt(variance + p.epsilon_in_input_steps));
    const __m512d mean_vector = _mm512_set1_pd(mean);
    for (size_t c = 0; c < g.channels; c += 8) {
      const size_t left = g.channels - c;
      const __mmask8 mask =
          left >= 8 ? static_cast<__mmask8>(0xff) : static_cast<__mmask8>((1u << left) - 1);
      const __m256i q = _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, x + c)),
                                         input_zero_point32);
      const __m512d centred = _mm512_sub_pd(_mm512_cvtepi32_pd(q), mean_vector);
      const __m512d scaled =
          _mm512_mul_pd(_mm512_mul_pd(centred, inverse), _mm512_maskz_loadu_pd(mask, p.scale + c));
      const __m512d level =
          _mm512_roundscale_pd(_mm512_add_pd(scaled, _mm512_maskz_loadu_pd(mask, p.shift + c)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      const __m512d clamped = _mm512_min_pd(_mm512_max_pd(level, low), high);
      const __m256i result = _mm256_add_epi32(_mm512_cvtpd_epi32(clamped), output_zero_point);
      _mm_mask_storeu_epi8(y + c, mask, _mm256_cvtsepi32_epi8(result));
    }
  }
}

}  // namespace qrun::kernels
