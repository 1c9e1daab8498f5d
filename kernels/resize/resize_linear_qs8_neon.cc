// Int8 bilinear resize on baseline NEON, for AArch64 and, built as resize_linear_qs8_armv7neon,
// for 32-bit ARMv7: 16 channels of one output pixel at a time. The four taps' centred values
// (int16, by widening subtracts) are blended in int32 exactly as the reference blends them (the
// same products and sums, at most 2^11 * 2^11 * 255 * 2 in magnitude), then requantized as every
// NEON kernel does (requantize_neon.h). A pixel's last vector overlaps the one before rather than
// pass its end; pixels of fewer than 16 channels go lane by lane. The walk over the output, and
// the extrapolation value where a tap lies outside the input, are the reference's
// (resize_linear_walk.h).
#include <arm_neon.h>

#include "common/requantize_neon.h"
#include "resize/resize_linear_walk.h"

namespace qrun::kernels {
namespace {

constexpr size_t kLanes = 16;

// wx0 * (a - zp) + wx1 * (b - zp) for four lanes of int16 centred values.
inline int32x4_t blend(int16x4_t a, int16x4_t b, int16x4_t w0, int16x4_t w1) {
  return vmlal_s16(vmull_s16(a, w0), b, w1);
}

void run(const ResizeGeometry& g, const ResizeLinearTaps& taps, const ResizeLinearQs8Params& p,
         const int8_t* input, int8_t* output) {
  const NeonRequantization requantize(p.output);
  const float32x4_t multiplier = vdupq_n_f32(p.multiplier);
  const int8x8_t zero_point = vdup_n_s8(static_cast<int8_t>(p.input_zero_point));
  const int count = g.channels < kLanes ? static_cast<int>(g.channels) : static_cast<int>(kLanes);
  resize_linear_walk(g, taps, p.outside, input, output, [&](const ResizeLinearPixel<int8_t>& px) {
    const int32x4_t wy1 = vdupq_n_s32(taps.y_weight1[px.y]);
    const int32x4_t wy0 = vdupq_n_s32(kResizeWeightOne - taps.y_weight1[px.y]);
    const int16x4_t wx1 = vdup_n_s16(static_cast<int16_t>(taps.x_weight1[px.x]));
    const int16x4_t wx0 = vdup_n_s16(static_cast<int16_t>(kResizeWeightOne - taps.x_weight1[px.x]));
    for (size_t c = 0; c < g.channels; c += kLanes) {
      // The last vector overlaps the one before (recomputing the same outputs).
      const size_t at = g.channels >= kLanes && g.channels - c < kLanes ? g.channels - kLanes : c;
      const auto centred = [&](const int8_t* pixel, int16x8_t* low, int16x8_t* high) {
        const int8x16_t v = neon_load_bytes(pixel + at, count);
        *low = vsubl_s8(vget_low_s8(v), zero_point);
        *high = vsubl_s8(vget_high_s8(v), zero_point);
      };
      int16x8_t a[2], b[2], d[2], e[2];
      centred(px.top_left, &a[0], &a[1]);
      centred(px.top_right, &b[0], &b[1]);
      centred(px.bottom_left, &d[0], &d[1]);
      centred(px.bottom_right, &e[0], &e[1]);
      int32x4_t q[4];
      for (int half = 0; half < 2; ++half) {
        const int32x4_t top_low = blend(vget_low_s16(a[half]), vget_low_s16(b[half]), wx0, wx1);
        const int32x4_t top_high = blend(vget_high_s16(a[half]), vget_high_s16(b[half]), wx0, wx1);
        const int32x4_t bottom_low = blend(vget_low_s16(d[half]), vget_low_s16(e[half]), wx0, wx1);
        const int32x4_t bottom_high =
            blend(vget_high_s16(d[half]), vget_high_s16(e[half]), wx0, wx1);
        q[2 * half] = requantize(vmlaq_s32(vmulq_s32(wy0, top_low), wy1, bottom_low), multiplier);
        q[2 * half + 1] =
            requantize(vmlaq_s32(vmulq_s32(wy0, top_high), wy1, bottom_high), multiplier);
      }
      neon_store_bytes(px.output + at, neon_narrow(q[0], q[1], q[2], q[3]), count);
    }
  });
}

}  // namespace

// The same kernel under each architecture's name: the registry tells the families apart by it.
#if defined(__aarch64__)
void resize_linear_qs8_neon(const ResizeGeometry& g, const ResizeLinearTaps& taps,
                            const ResizeLinearQs8Params& p, const int8_t* input, int8_t* output) {
  run(g, taps, p, input, output);
}
#else
void resize_linear_qs8_armv7neon(const ResizeGeometry& g, const ResizeLinearTaps& taps,
                                 const ResizeLinearQs8Params& p, const int8_t* input,
                                 int8_t* output) {
  run(g, taps, p, input, output);
}
#endif

}  // namespace qrun::kernels
