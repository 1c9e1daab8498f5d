// Int8 Add on baseline NEON, for AArch64 and, built as add_qs8_armv7neon, for 32-bit ARMv7: 16
// lanes at a time along the innermost dimension, where each input is either contiguous or a single
// broadcast value. The arithmetic is the reference's, step by step in fp32 (this file, like every
// kernel, is built with -ffp-contract=off, so the products are never fused into the sum): two
// products, their sum, clamp, round half to even (fcvtns), add the zero point.
#include <arm_neon.h>

#include "add/add.h"
#include "common/requantize_neon.h"

namespace qrun::kernels {
namespace {

int8x16_t load_lanes(const int8_t* p, size_t stride, int count) {
  return stride == 0 ? vdupq_n_s8(*p) : neon_load_bytes(p, count);
}

// float(x - zero_point) * multiplier for lanes [4 * Quarter, 4 * Quarter + 4).
template <int Quarter>
float32x4_t scale(int8x16_t x, int16x8_t zero_point, float32x4_t multiplier) {
  const int16x8_t half =
      vsubq_s16(Quarter < 2 ? vmovl_s8(vget_low_s8(x)) : vmovl_s8(vget_high_s8(x)),
                zero_point);  // in [-255, 255]: exact
  const int32x4_t wide =
      Quarter % 2 == 0 ? vmovl_s16(vget_low_s16(half)) : vmovl_s16(vget_high_s16(half));
  return vmulq_f32(vcvtq_f32_s32(wide), multiplier);
}

template <int Quarter>
int32x4_t add_quarter(int8x16_t x, int8x16_t y, const AddQs8Params& p,
                      const NeonRequantization& requantize) {
  const float32x4_t scaled_a = scale<Quarter>(x, vdupq_n_s16(static_cast<int16_t>(p.a_zero_point)),
                                              vdupq_n_f32(p.a_multiplier));
  const float32x4_t scaled_b = scale<Quarter>(y, vdupq_n_s16(static_cast<int16_t>(p.b_zero_point)),
                                              vdupq_n_f32(p.b_multiplier));
  return requantize.finish(vaddq_f32(scaled_a, scaled_b));
}

void run(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a, const int8_t* b,
         int8_t* output) {
  const NeonRequantization requantize(p.output);
  const size_t* d = g.output_dims;
  const size_t inner = d[3];
  for (size_t i0 = 0; i0 < d[0]; ++i0) {
    for (size_t i1 = 0; i1 < d[1]; ++i1) {
      for (size_t i2 = 0; i2 < d[2]; ++i2) {
        const int8_t* a_row = a + i0 * g.a_strides[0] + i1 * g.a_strides[1] + i2 * g.a_strides[2];
        const int8_t* b_row = b + i0 * g.b_strides[0] + i1 * g.b_strides[1] + i2 * g.b_strides[2];
        for (size_t i = 0; i < inner; i += 16) {
          // The last vector overlaps the one before (recomputing the same values) rather than
          // read past the rows, which have no slack; a row shorter than 16 is read lane by lane.
          const size_t start = inner >= 16 && inner - i < 16 ? inner - 16 : i;
          const int count = inner < 16 ? static_cast<int>(inner) : 16;
          const int8x16_t x = load_lanes(a_row + start * g.a_strides[3], g.a_strides[3], count);
          const int8x16_t y = load_lanes(b_row + start * g.b_strides[3], g.b_strides[3], count);
          const int8x16_t q =
              neon_narrow(add_quarter<0>(x, y, p, requantize), add_quarter<1>(x, y, p, requantize),
                          add_quarter<2>(x, y, p, requantize), add_quarter<3>(x, y, p, requantize));
          neon_store_bytes(output + start, q, count);
        }
        output += inner;
      }
    }
  }
}

}  // namespace

// The same kernel under each architecture's name: the registry tells the families apart by it.
#if defined(__aarch64__)
void add_qs8_neon(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a,
                  const int8_t* b, int8_t* output) {
  run(g, p, a, b, output);
}
#else
void add_qs8_armv7neon(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a,
                       const int8_t* b, int8_t* output) {
  run(g, p, a, b, output);
}
#endif

}  // namespace qrun::kernels
