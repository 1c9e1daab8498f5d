// Int8 AveragePool2D (and the global mean, a pool over the whole image) on x86 AVX-512: 16
// channels per vector, the window summed in int32 as in the reference (the zero point taken off
// once per window, count x zero point, which is the same integer), then the reference's
// requantization with multiplier / count.
#include <immintrin.h>

#include "pooling/pool2d.h"
#include "pooling/pool_span.h"

namespace qrun::kernels {

void average_pool2d_qs8_avx512(const Pool2dGeometry& g, const AveragePoolQs8Params& p,
                               const int8_t* input, int8_t* output) {
  const __m512 low = _mm512_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m512 high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m512i zero_point = _mm512_set1_epi32(p.output.zero_point);
  const size_t row_bytes = static_cast<size_t>(g.input_width) * g.channels;
  for (int n = 0; n < g.batch; ++n) {
    const int8_t* image = input + static_cast<size_t>(n) * g.input_height * row_bytes;
    for (int oy = 0; oy < g.output_height; ++oy) {
      const auto [y0, y_begin, y_end] =
          pool_span(oy, g.stride_height, g.pad_top, g.kernel_height, g.input_height);
      for (int ox = 0; ox < g.output_width; ++ox, output += g.channels) {
        const auto [x0, x_begin, x_end] =
            pool_span(ox, g.stride_width, g.pad_left, g.kernel_width, g.input_width);
        const int valid = (y_end - y_begin) * (x_end - x_begin);
        const int count = g.count_include_pad ? g.kernel_height * g.kernel_width : valid;
        const __m512 multiplier = _mm512_set1_ps(p.multiplier / static_cast<float>(count));
        const __m512i offset = _mm512_set1_epi32(valid * p.input_zero_point);
        for (int c = 0; c < g.channels; c += 16) {
          const int left = g.channels - c;
          const __mmask16 mask = left >= 16 ? static_cast<__mmask16>(0xffff)
                                            : static_cast<__mmask16>((1u << left) - 1);
          __m512i sum = _mm512_setzero_si512();
          for (int y = y_begin; y < y_end; ++y) {
            const int8_t* row = image + y * row_bytes + c;
            for (int x = x_begin; x < x_end; ++x) {
              sum = _mm512_add_epi32(sum, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(
                                              mask, row + static_cast<size_t>(x) * g.channels)));
            }
          }
          sum = _mm512_sub_epi32(sum, offset);
          __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(sum), multiplier);
          scaled = _mm512_min_ps(_mm512_max_ps(scaled, low), high);
          const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(scaled), zero_point);
          _mm_mask_storeu_epi8(output + c, mask, _mm512_cvtsepi32_epi8(q));
        }
      }
    }
  }
}

}  // namespace qrun::kernels
