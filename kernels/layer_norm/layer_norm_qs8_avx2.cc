// Int8 LayerNorm on x86 AVX2. The row's statistics are exact integer sums (int16 products paired
// by vpmaddwd, widened to int64 lanes every step, so no length overflows them); the row's mean and
// inverse deviation come from the reference's layer_norm_row_factors; each output follows the
// reference's float steps eight lanes at a time: ((q - zp) - mean) * inverse, times scale[c], plus
// shift[c] (no FMA: kernels are built with -ffp-contract=off), clamp (a NaN to the low end, as
// vmaxps returns its second operand then), round half to even, add the zero point. The last
// channels that do not fill a vector take the reference's scalar steps.
#include <immintrin.h>

#include <cstring>

#include "layer_norm/layer_norm.h"

namespace qrun::kernels {
namespace {

int64_t sum_lanes(__m256i lanes) {
  alignas(32) int64_t parts[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(parts), lanes);
  return parts[0] + parts[1] + parts[2] + parts[3];
}

__m256i widened_sum(__m256i pairs) {
  return _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(pairs)),
                          _mm256_cvtepi32_epi64(_mm256_extracti128_si256(pairs, 1)));
}

}  // namespace

void layer_norm_qs8_avx2(const LayerNormGeometry& g, const LayerNormQs8Params& p,
                         const int8_t* input, int8_t* output) {
  const __m256 low = _mm256_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m256 high = _mm256_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m256i output_zero_point = _mm256_set1_epi32(p.output.zero_point);
  const __m256i input_zero_point16 = _mm256_set1_epi16(static_cast<int16_t>(p.input_zero_point));
  const __m256i input_zero_point32 = _mm256_set1_epi32(p.input_zero_point);
  const __m256i ones = _mm256_set1_epi16(1);
  for (size_t row = 0; row < g.rows; ++row) {
    const int8_t* x = input + row * g.channels;
    int8_t* y = output + row * g.channels;
    __m256i sums = _mm256_setzero_si256();
    __m256i squares = _mm256_setzero_si256();
    for (size_t c = 0; c < g.channels; c += 16) {
      const size_t left = g.channels - c;
      // A short last step is padded with the zero point, which centres to 0 and adds nothing.
      alignas(16) int8_t staged[16];
      const int8_t* bytes = x + c;
      if (left < 16) {
        std::memset(staged, p.input_zero_point, sizeof staged);
        std::memcpy(staged, x + c, left);
        bytes = staged;
      }
      const __m256i centred = _mm256_sub_epi16(
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes))),
          input_zero_point16);
      sums = _mm256_add_epi64(sums, widened_sum(_mm256_madd_epi16(centred, ones)));
      squares = _mm256_add_epi64(squares, widened_sum(_mm256_madd_epi16(centred, centred)));
    }
    const LayerNormRowFactors row_factors = layer_norm_row_factors(
        sum_lanes(sums), sum_lanes(squares), g.channels, p.epsilon_in_input_steps);
    const __m256 inverse = _mm256_set1_ps(row_factors.inverse);
    const __m256 mean = _mm256_set1_ps(row_factors.mean);
    size_t c = 0;
    for (; c + 8 <= g.channels; c += 8) {
      int64_t octet;
      std::memcpy(&octet, x + c, 8);
      const __m256i q =
          _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_cvtsi64_si128(octet)), input_zero_point32);
      const __m256 centred = _mm256_sub_ps(_mm256_cvtepi32_ps(q), mean);
      const __m256 scaled =
          _mm256_mul_ps(_mm256_mul_ps(centred, inverse), _mm256_loadu_ps(p.scale + c));
      const __m256 level = _mm256_add_ps(scaled, _mm256_loadu_ps(p.shift + c));
      // Clamped before vcvtps2dq rounds (half to even): the bounds are integers, so that equals
      // rounding first.
      const __m256 clamped = _mm256_min_ps(_mm256_max_ps(level, low), high);
      const __m256i result = _mm256_add_epi32(_mm256_cvtps_epi32(clamped), output_zero_point);
      const __m128i words =
          _mm_packs_epi32(_mm256_castsi256_si128(result), _mm256_extracti128_si256(result, 1));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(y + c), _mm_packs_epi16(words, words));
    }
    for (; c < g.channels; ++c) y[c] = layer_norm_qs8_output(x[c], c, row_factors, p);
  }
}

}  // namespace qrun::kernels
