// Int8 Mul on baseline NEON, for AArch64 and, built as mul_qs8_armv7neon, for 32-bit ARMv7: 16
// lanes at a time within the shared broadcast walk (common/broadcast_walk_neon.h). The arithmetic
// is the reference's: the exact int32 product of the two centred values (int16 by int16, vmull),
// one fp32 product with the multiplier, clamp, round half to even, add the zero point.
#include <arm_neon.h>

#include "common/broadcast_walk_neon.h"
#include "mul/mul.h"

namespace qrun::kernels {
namespace {

// Products of lanes [8 * Half, 8 * Half + 8), requantized: two vectors of four int32.
template <int Half>
void mul_half(int8x16_t x, int8x16_t y, const MulQs8Params& p, const NeonRequantization& requantize,
              int32x4_t (&out)[2]) {
  const int16x8_t a = vsubq_s16(Half == 0 ? vmovl_s8(vget_low_s8(x)) : vmovl_s8(vget_high_s8(x)),
                                vdupq_n_s16(static_cast<int16_t>(p.a_zero_point)));
  const int16x8_t b = vsubq_s16(Half == 0 ? vmovl_s8(vget_low_s8(y)) : vmovl_s8(vget_high_s8(y)),
                                vdupq_n_s16(static_cast<int16_t>(p.b_zero_point)));
  const float32x4_t multiplier = vdupq_n_f32(p.multiplier);
  out[0] = requantize(vmull_s16(vget_low_s16(a), vget_low_s16(b)), multiplier);
  out[1] = requantize(vmull_s16(vget_high_s16(a), vget_high_s16(b)), multiplier);
}

void run(const BroadcastGeometry& g, const MulQs8Params& p, const int8_t* a, const int8_t* b,
         int8_t* output) {
  const NeonRequantization requantize(p.output);
  neon_broadcast_walk(g, a, b, output, [&](int8x16_t x, int8x16_t y) {
    int32x4_t low[2], high[2];
    mul_half<0>(x, y, p, requantize, low);
    mul_half<1>(x, y, p, requantize, high);
    return neon_narrow(low[0], low[1], high[0], high[1]);
  });
}

}  // namespace

// The same kernel under each architecture's name: the registry tells the families apart by it.
#if defined(__aarch64__)
void mul_qs8_neon(const BroadcastGeometry& g, const MulQs8Params& p, const int8_t* a,
                  const int8_t* b, int8_t* output) {
  run(g, p, a, b, output);
}
#else
void mul_qs8_armv7neon(const BroadcastGeometry& g, const MulQs8Params& p, const int8_t* a,
                       const int8_t* b, int8_t* output) {
  run(g, p, a, b, output);
}
#endif

}  // namespace qrun::kernels
