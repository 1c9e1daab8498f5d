// Int8 MaxPool2D on x86 AVX-512: 64 channels of one output pixel per vector, the maximum taken
// over the window's valid positions (as in the reference, padding never wins), then the fused
// activation's range. Windows wholly inside the image, of the common square sizes, go through an
// unrolled loop: with the window's size known, a position costs a load and a vpmaxsb, where the
// general loop spends as much again on its bounds and addresses.
#include <immintrin.h>

#include "pooling/pool2d.h"
#include "pooling/pool_span.h"

namespace qrun::kernels {
namespace {

// The maximum over a Size x Size window at `corner`, channels under `mask`.
template <int Size>
[[gnu::always_inline]] inline __m512i window_max(const int8_t* corner, size_t row_bytes,
                                                 size_t pixel_bytes, __mmask64 mask) {
  __m512i best = _mm512_set1_epi8(-128);
#pragma GCC unroll 4
  for (int y = 0; y < Size; ++y) {
#pragma GCC unroll 4
    for (int x = 0; x < Size; ++x) {
      best = _mm512_max_epi8(
          best, _mm512_maskz_loadu_epi8(mask, corner + y * row_bytes + x * pixel_bytes));
    }
  }
  return best;
}

}  // namespace

void max_pool2d_s8_avx512(const Pool2dGeometry& g, int32_t output_min, int32_t output_max,
                          const int8_t* input, int8_t* output) {
  const __m512i low = _mm512_set1_epi8(static_cast<char>(output_min));
  const __m512i high = _mm512_set1_epi8(static_cast<char>(output_max));
  const size_t row_bytes = static_cast<size_t>(g.input_width) * g.channels;
  for (int n = 0; n < g.batch; ++n) {
    const int8_t* image = input + static_cast<size_t>(n) * g.input_height * row_bytes;
    for (int oy = 0; oy < g.output_height; ++oy) {
      const auto [y0, y_begin, y_end] =
          pool_span(oy, g.stride_height, g.pad_top, g.kernel_height, g.input_height);
      for (int ox = 0; ox < g.output_width; ++ox) {
        const auto [x0, x_begin, x_end] =
            pool_span(ox, g.stride_width, g.pad_left, g.kernel_width, g.input_width);
        for (int c = 0; c < g.channels; c += 64) {
          const int left = g.channels - c;
          const __mmask64 mask = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
          const bool whole = y_begin == y0 && x_begin == x0 && y_end - y0 == g.kernel_height &&
                             x_end - x0 == g.kernel_width && g.kernel_height == g.kernel_width;
          // Only a whole window's corner lies in the image.
          const int8_t* corner =
              whole ? image + y0 * row_bytes + static_cast<size_t>(x0) * g.channels + c : nullptr;
          __m512i best = _mm512_set1_epi8(-128);
          if (whole && g.kernel_width == 3) {
            best = window_max<3>(corner, row_bytes, g.channels, mask);
          } else if (whole && g.kernel_width == 2) {
            best = window_max<2>(corner, row_bytes, g.channels, mask);
          } else {
            for (int y = y_begin; y < y_end; ++y) {
              const int8_t* row = image + y * row_bytes + c;
              for (int x = x_begin; x < x_end; ++x) {
                best = _mm512_max_epi8(
                    best, _mm512_maskz_loadu_epi8(mask, row + static_cast<size_t>(x) * g.channels));
              }
            }
          }
          best = _mm512_min_epi8(_mm512_max_epi8(best, low), high);
          _mm512_mask_storeu_epi8(output + c, mask, best);
        }
        output += g.channels;
      }
    }
  }
}

}  // namespace qrun::kernels
