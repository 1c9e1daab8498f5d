// Int8 LayerNorm on x86 AVX2. The row's statistics are exact integer sums (int16 products paired
// by vpmaddwd, widened to int64 lanes every step, so no length overflows them); mean, variance
// and the inverse deviation are the reference's scalar double expressions; each output follows
// the reference's double steps four lanes at a time: ((q - zp) - mean) * inverse, times scale[c],
// plus shift[c] (no FMA: kernels are built with -ffp-contract=off), round half to even, clamp (a
// NaN to the low end, as vmaxpd returns its second operand then), add the zero point. The last
// channels that do not fill a vector take the reference's scalar steps.
#include <immintrin.h>

#include <cmath>
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
  const int64_t channels = static_cast<int64_t>(g.channels);
  const double low_level = static_cast<double>(p.output.min - p.output.zero_point);
  const double high_level = static_cast<double>(p.output.max - p.output.zero_point);
  const __m256d low = _mm256_set1_pd(low_level);
  const __m256d high = _mm256_set1_pd(high_level);
  const __m128i output_zero_point = _mm_set1_epi32(p.output.zero_point);
  const __m256i input_zero_point16 = _mm256_set1_epi16(static_cast<int16_t>(p.input_zero_point));
  const __m128i input_zero_point32 = _mm_set1_epi32(p.input_zero_point);
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
    const int64_t sum = sum_lanes(sums);
    const int64_t square_sum = sum_lanes(squares);
    const double mean = static_cast<double>(sum) / static_cast<double>(channels);
    const double variance = static_cast<double>(channels * square_sum - sum * sum) /
                            (static_cast<double>(channels) * static_cast<double>(channels));
    const double inverse = 1.0 / std::sqrt(variance + p.epsilon_in_input_steps);
    const __m256d inverse_vector = _mm256_set1_pd(inverse);
    const __m256d mean_vector = _mm256_set1_pd(mean);
    size_t c = 0;
    for (; c + 4 <= g.channels; c += 4) {
      int32_t quad;
      std::memcpy(&quad, x + c, 4);
      const __m128i q =
          _mm_sub_epi32(_mm_cvtepi8_epi32(_mm_cvtsi32_si128(quad)), input_zero_point32);
      const __m256d centred = _mm256_sub_pd(_mm256_cvtepi32_pd(q), mean_vector);
      const __m256d scaled =
          _mm256_mul_pd(_mm256_mul_pd(centred, inverse_vector), _mm256_loadu_pd(p.scale + c));
      const __m256d level = _mm256_round_pd(_mm256_add_pd(scaled, _mm256_loadu_pd(p.shift + c)),
                                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      const __m256d clamped = _mm256_min_pd(_mm256_max_pd(level, low), high);
      const __m128i result = _mm_add_epi32(_mm256_cvtpd_epi32(clamped), output_zero_point);
      const __m128i narrowed = _mm_packs_epi16(_mm_packs_epi32(result, result), result);
      const int32_t packed = _mm_cvtsi128_si32(narrowed);
      std::memcpy(y + c, &packed, 4);
    }
    for (; c < g.channels; ++c) {
      const double centred = static_cast<double>(x[c] - p.input_zero_point) - mean;
      const double level = std::nearbyint(centred * inverse * p.scale[c] + p.shift[c]);
      const double clamped =
          level > high_level ? high_level : (level >= low_level ? level : low_level);
      y[c] = static_cast<int8_t>(static_cast<int32_t>(clamped) + p.output.zero_point);
    }
  }
}

}  // namespace qrun::kernels
