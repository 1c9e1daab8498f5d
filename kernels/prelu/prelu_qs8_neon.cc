// Int8 PReLU on baseline NEON, for AArch64 and, built as prelu_qs8_armv7neon, for 32-bit ARMv7: 16
// lanes at a time along the innermost dimension, where the input is contiguous or one broadcast
// value and the negative side's multipliers are contiguous or one broadcast value. Each lane takes
// the positive or the negative multiplier by its sign and is requantized as the reference does
// (one fp32 product, clamp, round half to even, zero point). Rows are covered as in the other
// binary kernels (neon_row_steps, common/broadcast_walk_neon.h); the multipliers are floats, so
// the lanes are loaded here.
#include <arm_neon.h>

#include "common/broadcast_walk_neon.h"
#include "prelu/prelu.h"

namespace qrun::kernels {
namespace {

// Four negative-side multipliers from `m` (`count` of them, the rest zero), or one broadcast if
// stride is 0.
float32x4_t load_multipliers(const float* m, size_t stride, int count) {
  return stride == 0 ? vdupq_n_f32(*m) : neon_load_multipliers(m, count);
}

void run(const BroadcastGeometry& g, const PReluQs8Params& p, const int8_t* input,
         const float* negative_multipliers, int8_t* output) {
  const NeonRequantization requantize(p.output);
  const int16x8_t zero_point = vdupq_n_s16(static_cast<int16_t>(p.input_zero_point));
  const float32x4_t positive = vdupq_n_f32(p.positive_multiplier);
  const int32x4_t zero = vdupq_n_s32(0);
  // Four lanes, centred, as int32, with their four negative multipliers.
  const auto quarter = [&](int32x4_t d, float32x4_t negative) {
    return requantize(d, vbslq_f32(vcltq_s32(d, zero), negative, positive));
  };
  const size_t inner = g.output_dims[3];
  const size_t x_stride = g.a_strides[3];
  const size_t m_stride = g.b_strides[3];
  for_each_broadcast_row(
      g, input, negative_multipliers, output,
      [&](const int8_t* x_row, const float* m_row, int8_t* out_row) {
        neon_row_steps(inner, [&](size_t start, int count) {
          const int8x16_t x = neon_load_lanes(x_row + start * x_stride, x_stride, count);
          const int16x8_t low = vsubq_s16(vmovl_s8(vget_low_s8(x)), zero_point);
          const int16x8_t high = vsubq_s16(vmovl_s8(vget_high_s8(x)), zero_point);
          const float* m = m_row + start * m_stride;
          int32x4_t q[4];
          for (int k = 0; k < 4; ++k) {
            const int16x8_t half = k < 2 ? low : high;
            const int32x4_t d = vmovl_s16(k % 2 == 0 ? vget_low_s16(half) : vget_high_s16(half));
            q[k] = quarter(d, load_multipliers(m + 4 * k * m_stride, m_stride, count - 4 * k));
          }
          neon_store_bytes(out_row + start, neon_narrow(q[0], q[1], q[2], q[3]), count);
        });
      });
}

}  // namespace

// The same kernel under each architecture's name: the registry tells the families apart by it.
#if defined(__aarch64__)
void prelu_qs8_neon(const BroadcastGeometry& g, const PReluQs8Params& p, const int8_t* input,
                    const float* negative_multipliers, int8_t* output) {
  run(g, p, input, negative_multipliers, output);
}
#else
void prelu_qs8_armv7neon(const BroadcastGeometry& g, const PReluQs8Params& p, const int8_t* input,
                         const float* negative_multipliers, int8_t* output) {
  run(g, p, input, negative_multipliers, output);
}
#endif

}  // namespace qrun::kernels
