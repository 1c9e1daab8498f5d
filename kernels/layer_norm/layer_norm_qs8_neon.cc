// Int8 LayerNorm on AArch64 NEON. The row's statistics are exact integer sums: the centred values
// (x - zp, int16 by a widening subtract) are added pairwise into int32 lanes, and their squares
// (at most 255^2) accumulated by widening multiplies into int32 lanes; both are widened into int64
// every kChunk steps, so no length overflows them. The row's mean and inverse deviation come from
// the reference's layer_norm_row_factors; each output follows the reference's float steps four
// lanes at a time: ((q - zp) - mean) * inverse, times scale[c], plus shift[c] (no FMA: kernels are
// built with -ffp-contract=off), clamp, round half to even (fcvtns), add the zero point. The
// clamp's lower side is fmaxnm, which returns the bound for a NaN (a constant row with epsilon 0),
// as the reference does; both bounds are integers, so clamping before rounding gives the same
// value. The last channels that do not fill a vector take the reference's scalar steps.
#include <arm_neon.h>

#include "layer_norm/layer_norm.h"

namespace qrun::kernels {
namespace {

constexpr size_t kLanes = 16;
// Steps of 16 channels that one int32 lane takes without overflow: each step adds four squares of
// at most 255^2 to a lane (2^31 / (4 * 255^2) > 8192), and four values of at most 255 to a lane of
// sums.
constexpr size_t kChunk = 8192;

struct RowSums {
  int64_t sum;
  int64_t squares;
};

RowSums centred_sums(const int8_t* x, size_t channels, int32_t zero_point) {
  const int8x8_t zp = vdup_n_s8(static_cast<int8_t>(zero_point));
  int64x2_t sums = vdupq_n_s64(0);
  int64x2_t squares = vdupq_n_s64(0);
  const size_t whole = channels / kLanes * kLanes;
  for (size_t chunk = 0; chunk < whole; chunk += kChunk * kLanes) {
    const size_t end = whole - chunk < kChunk * kLanes ? whole : chunk + kChunk * kLanes;
    int32x4_t chunk_sums = vdupq_n_s32(0);
    int32x4_t chunk_squares = vdupq_n_s32(0);
    for (size_t c = chunk; c < end; c += kLanes) {
      const int8x16_t v = vld1q_s8(x + c);
      const int16x8_t low = vsubl_s8(vget_low_s8(v), zp);
      const int16x8_t high = vsubl_s8(vget_high_s8(v), zp);
      chunk_sums = vpadalq_s16(chunk_sums, low);
      chunk_sums = vpadalq_s16(chunk_sums, high);
      chunk_squares = vmlal_s16(chunk_squares, vget_low_s16(low), vget_low_s16(low));
      chunk_squares = vmlal_high_s16(chunk_squares, low, low);
      chunk_squares = vmlal_s16(chunk_squares, vget_low_s16(high), vget_low_s16(high));
      chunk_squares = vmlal_high_s16(chunk_squares, high, high);
    }
    sums = vpadalq_s32(sums, chunk_sums);
    squares = vpadalq_s32(squares, chunk_squares);
  }
  RowSums row{vaddvq_s64(sums), vaddvq_s64(squares)};
  for (size_t c = whole; c < channels; ++c) {
    const int64_t v = x[c] - zero_point;
    row.sum += v;
    row.squares += v * v;
  }
  return row;
}

}  // namespace

void layer_norm_qs8_neon(const LayerNormGeometry& g, const LayerNormQs8Params& p,
                         const int8_t* input, int8_t* output) {
  const float32x4_t low = vdupq_n_f32(static_cast<float>(p.output.min - p.output.zero_point));
  const float32x4_t high = vdupq_n_f32(static_cast<float>(p.output.max - p.output.zero_point));
  const int32x4_t output_zero_point = vdupq_n_s32(p.output.zero_point);
  const int8x8_t input_zero_point = vdup_n_s8(static_cast<int8_t>(p.input_zero_point));
  for (size_t row = 0; row < g.rows; ++row) {
    const int8_t* x = input + row * g.channels;
    int8_t* y = output + row * g.channels;
    const RowSums sums = centred_sums(x, g.channels, p.input_zero_point);
    const LayerNormRowFactors factors =
        layer_norm_row_factors(sums.sum, sums.squares, g.channels, p.epsilon_in_input_steps);
    const float32x4_t mean = vdupq_n_f32(factors.mean);
    const float32x4_t inverse = vdupq_n_f32(factors.inverse);
    const auto level = [&](int32x4_t centred, size_t c) {
      const float32x4_t normalized = vmulq_f32(vsubq_f32(vcvtq_f32_s32(centred), mean), inverse);
      const float32x4_t shifted =
          vaddq_f32(vmulq_f32(normalized, vld1q_f32(p.scale + c)), vld1q_f32(p.shift + c));
      return vaddq_s32(vcvtnq_s32_f32(vminq_f32(vmaxnmq_f32(shifted, low), high)),
                       output_zero_point);
    };
    size_t c = 0;
    for (; c + kLanes <= g.channels; c += kLanes) {
      const int8x16_t v = vld1q_s8(x + c);
      const int16x8_t centred_low = vsubl_s8(vget_low_s8(v), input_zero_point);
      const int16x8_t centred_high = vsubl_s8(vget_high_s8(v), input_zero_point);
      const int32x4_t q0 = level(vmovl_s16(vget_low_s16(centred_low)), c);
      const int32x4_t q1 = level(vmovl_high_s16(centred_low), c + 4);
      const int32x4_t q2 = level(vmovl_s16(vget_low_s16(centred_high)), c + 8);
      const int32x4_t q3 = level(vmovl_high_s16(centred_high), c + 12);
      // Every lane is in [-128, 127] already: the saturating narrowing only packs.
      const int16x8_t words0 = vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1));
      const int16x8_t words1 = vcombine_s16(vqmovn_s32(q2), vqmovn_s32(q3));
      vst1q_s8(y + c, vcombine_s8(vqmovn_s16(words0), vqmovn_s16(words1)));
    }
    for (; c < g.channels; ++c) y[c] = layer_norm_qs8_output(x[c], c, factors, p);
  }
}

}  // namespace qrun::kernels
