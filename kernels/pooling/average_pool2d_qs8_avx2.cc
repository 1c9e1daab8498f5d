// Int8 AveragePool2D (and the global mean, a pool over the whole image) on x86 AVX2: 32 channels
// per step, each window's bytes widened to int16 (vpmovsxbw) and summed there in runs of at most
// 256 pixels, which int16 holds (256 x -128 is its minimum), each run then added into int32. The
// sum is the reference's integer (the zero point taken off once per window, count x zero point),
// followed by the reference's requantization with multiplier / count. A squeeze-and-excite
// block's global mean ran on the reference kernel on AVX2.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "common/requantize_avx2.h"
#include "pooling/pool2d.h"
#include "pooling/pool_span.h"

namespace qrun::kernels {
namespace {

constexpr int kChannels = 32;
constexpr int kMaxRunPixels = 256;

// 16 int16 lanes as int32, added into the two vectors of `sum`.
inline void add_widened(__m256i (&sum)[4], int first, __m256i words) {
  sum[first] = _mm256_add_epi32(sum[first], _mm256_cvtepi16_epi32(_mm256_castsi256_si128(words)));
  sum[first + 1] =
      _mm256_add_epi32(sum[first + 1], _mm256_cvtepi16_epi32(_mm256_extracti128_si256(words, 1)));
}

}  // namespace

void average_pool2d_qs8_avx2(const Pool2dGeometry& g, const AveragePoolQs8Params& p,
                             const int8_t* input, int8_t* output) {
  const Avx2Requantization requantize(p.output);
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
        const __m256 multiplier = _mm256_set1_ps(p.multiplier / static_cast<float>(count));
        const __m256i offset = _mm256_set1_epi32(valid * p.input_zero_point);
        for (int c = 0; c < g.channels; c += kChannels) {
          __m256i sum[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                            _mm256_setzero_si256()};
          __m256i run[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
          int run_pixels = 0;
          // A last step of fewer than 32 channels reads each pixel's through a zeroed copy:
          // pooling's input has no slack to read past.
          const int left = g.channels - c;
          alignas(32) int8_t staged[kChannels] = {};
          for (int y = y_begin; y < y_end; ++y) {
            const int8_t* row = image + y * row_bytes + c;
            for (int x = x_begin; x < x_end; ++x) {
              const int8_t* at = row + static_cast<size_t>(x) * g.channels;
              if (left < kChannels) {
                std::memcpy(staged, at, static_cast<size_t>(left));
                at = staged;
              }
              run[0] = _mm256_add_epi16(
                  run[0],
                  _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(at))));
              run[1] = _mm256_add_epi16(
                  run[1],
                  _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16))));
              if (++run_pixels == kMaxRunPixels) {
                add_widened(sum, 0, run[0]);
                add_widened(sum, 2, run[1]);
                run[0] = run[1] = _mm256_setzero_si256();
                run_pixels = 0;
              }
            }
          }
          add_widened(sum, 0, run[0]);
          add_widened(sum, 2, run[1]);
          for (int v = 0; v < 4; ++v) {
            const int first = c + 8 * v;
            const int lanes = g.channels - first;
            if (lanes <= 0) break;
            const __m256 scaled =
                _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(sum[v], offset)), multiplier);
            avx2_store_bytes(output + first, avx2_narrow(requantize.finish(scaled)),
                             std::min(lanes, 8));
          }
        }
      }
    }
  }
}

}  // namespace qrun::kernels
