// Int8 MaxPool2D on x86 AVX2: 32 channels of one output pixel per vector, then 16, then the last
// few one at a time, so nothing is read or written past a pixel's channels. The maximum is taken
// over the window's valid positions (as in the reference, padding never wins), then the fused
// activation's range.
#include <immintrin.h>

#include "pooling/pool2d.h"
#include "pooling/pool_span.h"

namespace qrun::kernels {

void max_pool2d_s8_avx2(const Pool2dGeometry& g, int32_t output_min, int32_t output_max,
                        const int8_t* input, int8_t* output) {
  const __m256i low = _mm256_set1_epi8(static_cast<char>(output_min));
  const __m256i high = _mm256_set1_epi8(static_cast<char>(output_max));
  const size_t row_bytes = static_cast<size_t>(g.input_width) * g.channels;
  const size_t pixel_bytes = static_cast<size_t>(g.channels);
  for (int n = 0; n < g.batch; ++n) {
    const int8_t* image = input + static_cast<size_t>(n) * g.input_height * row_bytes;
    for (int oy = 0; oy < g.output_height; ++oy) {
      const auto [y0, y_begin, y_end] =
          pool_span(oy, g.stride_height, g.pad_top, g.kernel_height, g.input_height);
      for (int ox = 0; ox < g.output_width; ++ox) {
        const auto [x0, x_begin, x_end] =
            pool_span(ox, g.stride_width, g.pad_left, g.kernel_width, g.input_width);
        const int8_t* corner = image + y_begin * row_bytes + x_begin * pixel_bytes;
        int c = 0;
        for (; c + 32 <= g.channels; c += 32) {
          __m256i best = _mm256_set1_epi8(-128);
          for (int y = y_begin; y < y_end; ++y) {
            const int8_t* p = corner + (y - y_begin) * row_bytes + c;
            for (int x = x_begin; x < x_end; ++x, p += pixel_bytes) {
              best = _mm256_max_epi8(best, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
            }
          }
          best = _mm256_min_epi8(_mm256_max_epi8(best, low), high);
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(output + c), best);
        }
        if (c + 16 <= g.channels) {
          __m128i best = _mm_set1_epi8(-128);
          for (int y = y_begin; y < y_end; ++y) {
            const int8_t* p = corner + (y - y_begin) * row_bytes + c;
            for (int x = x_begin; x < x_end; ++x, p += pixel_bytes) {
              best = _mm_max_epi8(best, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
            }
          }
          best = _mm_min_epi8(_mm_max_epi8(best, _mm256_castsi256_si128(low)),
                              _mm256_castsi256_si128(high));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(output + c), best);
          c += 16;
        }
        for (; c < g.channels; ++c) {
          int32_t best = -128;
          for (int y = y_begin; y < y_end; ++y) {
            const int8_t* p = corner + (y - y_begin) * row_bytes + c;
            for (int x = x_begin; x < x_end; ++x, p += pixel_bytes) best = *p > best ? *p : best;
          }
          output[c] = static_cast<int8_t>(
              best < output_min ? output_min : (best > output_max ? output_max : best));
        }
        output += g.channels;
      }
    }
  }
}

}  // namespace qrun::kernels
