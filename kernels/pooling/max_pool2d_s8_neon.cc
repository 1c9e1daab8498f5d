// Int8 MaxPool2D on baseline NEON, for AArch64 and, built as max_pool2d_s8_armv7neon, for 32-bit
// ARMv7: 16 channels of one output pixel per vector, the maximum
// taken over the window's valid positions (as in the reference, padding never wins), then the
// fused activation's range.
#include <arm_neon.h>

#include "common/requantize_neon.h"
#include "pooling/pool2d.h"
#include "pooling/pool_span.h"

namespace qrun::kernels {
namespace {

void run(const Pool2dGeometry& g, int32_t output_min, int32_t output_max, const int8_t* input,
         int8_t* output) {
  const int8x16_t low = vdupq_n_s8(static_cast<int8_t>(output_min));
  const int8x16_t high = vdupq_n_s8(static_cast<int8_t>(output_max));
  const int channels = g.channels;
  const size_t row_bytes = static_cast<size_t>(g.input_width) * channels;
  // A pixel shorter than 16 channels is read lane by lane (the input has no slack after it).
  const int count = channels < 16 ? channels : 16;
  for (int n = 0; n < g.batch; ++n) {
    const int8_t* image = input + static_cast<size_t>(n) * g.input_height * row_bytes;
    for (int oy = 0; oy < g.output_height; ++oy) {
      const auto [y0, y_begin, y_end] =
          pool_span(oy, g.stride_height, g.pad_top, g.kernel_height, g.input_height);
      for (int ox = 0; ox < g.output_width; ++ox) {
        const auto [x0, x_begin, x_end] =
            pool_span(ox, g.stride_width, g.pad_left, g.kernel_width, g.input_width);
        for (int c = 0; c < channels; c += 16) {
          // The last vector overlaps the one before (recomputing the same maxima) rather than
          // read past the last pixel.
          const int start = channels >= 16 && channels - c < 16 ? channels - 16 : c;
          int8x16_t best = vdupq_n_s8(-128);
          for (int y = y_begin; y < y_end; ++y) {
            const int8_t* row = image + y * row_bytes + start;
            for (int x = x_begin; x < x_end; ++x) {
              best =
                  vmaxq_s8(best, neon_load_bytes(row + static_cast<size_t>(x) * channels, count));
            }
          }
          neon_store_bytes(output + start, vminq_s8(vmaxq_s8(best, low), high), count);
        }
        output += channels;
      }
    }
  }
}

}  // namespace

// The same kernel under each architecture's name: the registry tells the families apart by it.
#if defined(__aarch64__)
void max_pool2d_s8_neon(const Pool2dGeometry& g, int32_t output_min, int32_t output_max,
                        const int8_t* input, int8_t* output) {
  run(g, output_min, output_max, input, output);
}
#else
void max_pool2d_s8_armv7neon(const Pool2dGeometry& g, int32_t output_min, int32_t output_max,
                             const int8_t* input, int8_t* output) {
  run(g, output_min, output_max, input, output);
}
#endif

}  // namespace qrun::kernels
