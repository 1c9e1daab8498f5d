// Int8 AveragePool2D (and the global mean, a pool over the whole image) on baseline NEON, for
// AArch64 and, built as average_pool2d_qs8_armv7neon, for 32-bit ARMv7: 16 channels of one output
// pixel per vector. The window is summed as the reference sums it, in integers: bytes are added
// into int16 lanes for up to kRunPositions positions (which cannot overflow them), each run then
// widened into int32; the zero point comes off once per window (count x zero point, the same
// integer). Then the reference's requantization with multiplier / count (requantize_neon.h).
#include <arm_neon.h>

#include "common/requantize_neon.h"
#include "pooling/pool2d.h"
#include "pooling/pool_span.h"

namespace qrun::kernels {
namespace {

// 256 values in [-128, 127] sum to within [-32768, 32512]: an int16 lane holds them.
constexpr int kRunPositions = 256;

// The int32 sums of 16 channels; add_run widens a run's int16 sums into them.
struct ChannelSums {
  int32x4_t lanes[4];

  void add_run(int16x8_t low, int16x8_t high) {
    lanes[0] = vaddw_s16(lanes[0], vget_low_s16(low));
    lanes[1] = vaddw_s16(lanes[1], vget_high_s16(low));
    lanes[2] = vaddw_s16(lanes[2], vget_low_s16(high));
    lanes[3] = vaddw_s16(lanes[3], vget_high_s16(high));
  }
};

void run(const Pool2dGeometry& g, const AveragePoolQs8Params& p, const int8_t* input,
         int8_t* output) {
  const NeonRequantization requantize(p.output);
  const int channels = g.channels;
  const size_t row_bytes = static_cast<size_t>(g.input_width) * channels;
  // A pixel shorter than 16 channels is read lane by lane (the input has no slack after it).
  const int count16 = channels < 16 ? channels : 16;
  for (int n = 0; n < g.batch; ++n) {
    const int8_t* image = input + static_cast<size_t>(n) * g.input_height * row_bytes;
    for (int oy = 0; oy < g.output_height; ++oy) {
      const auto [y0, y_begin, y_end] =
          pool_span(oy, g.stride_height, g.pad_top, g.kernel_height, g.input_height);
      for (int ox = 0; ox < g.output_width; ++ox, output += channels) {
        const auto [x0, x_begin, x_end] =
            pool_span(ox, g.stride_width, g.pad_left, g.kernel_width, g.input_width);
        const int valid = (y_end - y_begin) * (x_end - x_begin);
        const int count = g.count_include_pad ? g.kernel_height * g.kernel_width : valid;
        const float32x4_t multiplier = vdupq_n_f32(p.multiplier / static_cast<float>(count));
        const int32x4_t offset = vdupq_n_s32(valid * p.input_zero_point);
        for (int c = 0; c < channels; c += 16) {
          // The last vector overlaps the one before (recomputing the same averages) rather than
          // read past the last pixel.
          const int start = channels >= 16 && channels - c < 16 ? channels - 16 : c;
          ChannelSums sums{{vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)}};
          int16x8_t run_low = vdupq_n_s16(0), run_high = vdupq_n_s16(0);
          int in_run = 0;
          for (int y = y_begin; y < y_end; ++y) {
            const int8_t* row = image + y * row_bytes + start;
            for (int x = x_begin; x < x_end; ++x) {
              const int8x16_t v = neon_load_bytes(row + static_cast<size_t>(x) * channels, count16);
              run_low = vaddw_s8(run_low, vget_low_s8(v));
              run_high = vaddw_s8(run_high, vget_high_s8(v));
              if (++in_run == kRunPositions) {
                sums.add_run(run_low, run_high);
                run_low = run_high = vdupq_n_s16(0);
                in_run = 0;
              }
            }
          }
          sums.add_run(run_low, run_high);
          int32x4_t q[4];
          for (int k = 0; k < 4; ++k) {
            q[k] = requantize(vsubq_s32(sums.lanes[k], offset), multiplier);
          }
          neon_store_bytes(output + start, neon_narrow(q[0], q[1], q[2], q[3]), count16);
        }
      }
    }
  }
}

}  // namespace

// The same kernel under each architecture's name: the registry tells the families apart by it.
#if defined(__aarch64__)
void average_pool2d_qs8_neon(const Pool2dGeometry& g, const AveragePoolQs8Params& p,
                             const int8_t* input, int8_t* output) {
  run(g, p, input, output);
}
#else
void average_pool2d_qs8_armv7neon(const Pool2dGeometry& g, const AveragePoolQs8Params& p,
                                  const int8_t* input, int8_t* output) {
  run(g, p, input, output);
}
#endif

}  // namespace qrun::kernels
