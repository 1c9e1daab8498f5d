// Int8 Sub, Div, Maximum and Minimum on AArch64 NEON, 16 lanes at a time within the shared
// broadcast walk (common/broadcast_walk_neon.h). The arithmetic is the reference's, step by step in
// fp32 (built with -ffp-contract=off): Sub, Maximum and Minimum scale both sides and combine them,
// Div divides (fdiv rounds as the scalar division does) then scales; a zero divisor's lanes are
// replaced by the output's max, min or zero point. AArch64 only: ARMv7 NEON has no division.
#include <arm_neon.h>

#include "common/broadcast_walk_neon.h"
#include "elementwise_binary/elementwise_binary.h"

namespace qrun::kernels {

void binary_qs8_neon(const BroadcastGeometry& g, const BinaryQs8Params& p, const int8_t* a,
                     const int8_t* b, int8_t* output) {
  const int16x8_t a_zero_point = vdupq_n_s16(static_cast<int16_t>(p.a_zero_point));
  const int16x8_t b_zero_point = vdupq_n_s16(static_cast<int16_t>(p.b_zero_point));
  const float32x4_t a_multiplier = vdupq_n_f32(p.a_multiplier);
  const float32x4_t b_multiplier = vdupq_n_f32(p.b_multiplier);
  const NeonRequantization requantize(p.output);
  const int32x4_t output_max = vdupq_n_s32(p.output.max);
  const int32x4_t output_min = vdupq_n_s32(p.output.min);
  const int32x4_t zero_quotient = requantize.finish(vdupq_n_f32(0.0f));
  const BinaryFunction function = p.function;
  // Four lanes of each input, centred, as int32, to four requantized lanes.
  const auto quarter = [&](int32x4_t dx, int32x4_t dy) {
    if (function == BinaryFunction::kDiv) {
      const float32x4_t quotient = vdivq_f32(vcvtq_f32_s32(dx), vcvtq_f32_s32(dy));
      const int32x4_t q = requantize.finish(vmulq_f32(quotient, a_multiplier));
      const int32x4_t saturated = vbslq_s32(vcgtzq_s32(dx), output_max,
                                            vbslq_s32(vcltzq_s32(dx), output_min, zero_quotient));
      return vbslq_s32(vceqzq_s32(dy), saturated, q);
    }
    const float32x4_t scaled_a = vmulq_f32(vcvtq_f32_s32(dx), a_multiplier);
    const float32x4_t scaled_b = vmulq_f32(vcvtq_f32_s32(dy), b_multiplier);
    switch (function) {
      case BinaryFunction::kMaximum: return requantize.finish(vmaxq_f32(scaled_a, scaled_b));
      case BinaryFunction::kMinimum: return requantize.finish(vminq_f32(scaled_a, scaled_b));
      default: return requantize.finish(vsubq_f32(scaled_a, scaled_b));
    }
  };
  neon_broadcast_walk(g, a, b, output, [&](int8x16_t x, int8x16_t y) {
    const int16x8_t x_low = vsubq_s16(vmovl_s8(vget_low_s8(x)), a_zero_point);
    const int16x8_t x_high = vsubq_s16(vmovl_s8(vget_high_s8(x)), a_zero_point);
    const int16x8_t y_low = vsubq_s16(vmovl_s8(vget_low_s8(y)), b_zero_point);
    const int16x8_t y_high = vsubq_s16(vmovl_s8(vget_high_s8(y)), b_zero_point);
    return neon_narrow(quarter(vmovl_s16(vget_low_s16(x_low)), vmovl_s16(vget_low_s16(y_low))),
                       quarter(vmovl_s16(vget_high_s16(x_low)), vmovl_s16(vget_high_s16(y_low))),
                       quarter(vmovl_s16(vget_low_s16(x_high)), vmovl_s16(vget_low_s16(y_high))),
                       quarter(vmovl_s16(vget_high_s16(x_high)), vmovl_s16(vget_high_s16(y_high))));
  });
}

}  // namespace qrun::kernels
