// Add's arithmetic for 16 int8 lanes on NEON (AArch64 and ARMv7), shared by the Add kernel and by
// the GEMMs that run an Add fused behind a convolution: the reference's steps in fp32, two
// products, their sum (files are built with -ffp-contract=off, so never fused), then the
// requantization's clamp, rounding and zero point.
//
// Included only by ARM kernel files; in an unnamed namespace so that each keeps a copy built with
// its own -march (see requantize_neon.h).
#pragma once

#include <arm_neon.h>

#include "add/add.h"
#include "common/requantize_neon.h"

namespace qrun::kernels {
namespace {

// float(x - zero_point) * multiplier for lanes [4 * Quarter, 4 * Quarter + 4).
template <int Quarter>
float32x4_t neon_add_scale(int8x16_t x, int16x8_t zero_point, float32x4_t multiplier) {
  const int16x8_t half =
      vsubq_s16(Quarter < 2 ? vmovl_s8(vget_low_s8(x)) : vmovl_s8(vget_high_s8(x)),
                zero_point);  // in [-255, 255]: exact
  const int32x4_t wide =
      Quarter % 2 == 0 ? vmovl_s16(vget_low_s16(half)) : vmovl_s16(vget_high_s16(half));
  return vmulq_f32(vcvtq_f32_s32(wide), multiplier);
}

template <int Quarter>
int32x4_t neon_add_quarter(int8x16_t x, int8x16_t y, const AddQs8Params& p,
                           const NeonRequantization& requantize) {
  const float32x4_t scaled_a = neon_add_scale<Quarter>(
      x, vdupq_n_s16(static_cast<int16_t>(p.a_zero_point)), vdupq_n_f32(p.a_multiplier));
  const float32x4_t scaled_b = neon_add_scale<Quarter>(
      y, vdupq_n_s16(static_cast<int16_t>(p.b_zero_point)), vdupq_n_f32(p.b_multiplier));
  return requantize.finish(vaddq_f32(scaled_a, scaled_b));
}

// Add's result for 16 lanes; `requantize` is built from p.output.
inline int8x16_t neon_add(int8x16_t x, int8x16_t y, const AddQs8Params& p,
                          const NeonRequantization& requantize) {
  return neon_narrow(
      neon_add_quarter<0>(x, y, p, requantize), neon_add_quarter<1>(x, y, p, requantize),
      neon_add_quarter<2>(x, y, p, requantize), neon_add_quarter<3>(x, y, p, requantize));
}

}  // namespace
}  // namespace qrun::kernels
