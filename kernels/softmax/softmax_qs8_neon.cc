// Int8 Softmax on AArch64 NEON. The row's maximum is taken 16 elements per step. NEON has no
// gather, and the 1 KB exp table does not fit the registers that tbl looks up in, so the entries
// exp_table[row_max - x] are read one by one (fast scalar loads on AArch64), summed in int64 (the
// reference's sum: the same number in any order) through four partial sums that overlap. The
// reciprocal is the reference's scalar expression; then each output follows its steps 16 at a
// time: float(entry) * reciprocal (no FMA: kernels are built with -ffp-contract=off), clamp to the
// output range, round half to even (fcvtns), add the zero point. Clamping before rounding gives
// the reference's value: both ends are whole numbers, and the product is never NaN (the sum holds
// exp_table[0] = 2^23 at least).
#include <arm_neon.h>

#include "common/requantize.h"
#include "softmax/softmax.h"

namespace qrun::kernels {
namespace {

constexpr size_t kLanes = 16;

int32_t row_maximum(const int8_t* in, size_t length) {
  int8x16_t maxima = vdupq_n_s8(-128);
  size_t i = 0;
  for (; i + kLanes <= length; i += kLanes) maxima = vmaxq_s8(maxima, vld1q_s8(in + i));
  int32_t row_max = vmaxvq_s8(maxima);
  for (; i < length; ++i) row_max = in[i] > row_max ? in[i] : row_max;
  return row_max;
}

int64_t entry_sum(const int32_t* exp_table, int32_t row_max, const int8_t* in, size_t length) {
  int64_t partial[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= length; i += 4) {
    for (size_t k = 0; k < 4; ++k) partial[k] += exp_table[row_max - in[i + k]];
  }
  for (; i < length; ++i) partial[0] += exp_table[row_max - in[i]];
  return partial[0] + partial[1] + partial[2] + partial[3];
}

}  // namespace

void softmax_qs8_neon(size_t rows, size_t length, const int32_t* exp_table, const int8_t* input,
                      int8_t* output) {
  const float32x4_t low = vdupq_n_f32(static_cast<float>(-128 - kSoftmaxQs8OutputZeroPoint));
  const float32x4_t high = vdupq_n_f32(static_cast<float>(127 - kSoftmaxQs8OutputZeroPoint));
  const int32x4_t zero_point = vdupq_n_s32(kSoftmaxQs8OutputZeroPoint);
  for (size_t r = 0; r < rows; ++r) {
    const int8_t* in = input + r * length;
    int8_t* out = output + r * length;
    const int32_t row_max = row_maximum(in, length);
    const int64_t sum = entry_sum(exp_table, row_max, in, length);
    const float reciprocal = 1.0f / (kSoftmaxQs8OutputScale * static_cast<float>(sum));
    const float32x4_t reciprocals = vdupq_n_f32(reciprocal);
    size_t i = 0;
    for (; i + kLanes <= length; i += kLanes) {
      int32_t entries[kLanes];
      for (size_t k = 0; k < kLanes; ++k) entries[k] = exp_table[row_max - in[i + k]];
      int16x4_t words[4];
      for (size_t q = 0; q < 4; ++q) {
        const float32x4_t scaled =
            vmulq_f32(vcvtq_f32_s32(vld1q_s32(entries + 4 * q)), reciprocals);
        words[q] = vqmovn_s32(
            vaddq_s32(vcvtnq_s32_f32(vminq_f32(vmaxq_f32(scaled, low), high)), zero_point));
      }
      // Every lane is in [-128, 127] already: the saturating narrowing only packs.
      vst1q_s8(out + i, vcombine_s8(vqmovn_s16(vcombine_s16(words[0], words[1])),
                                    vqmovn_s16(vcombine_s16(words[2], words[3]))));
    }
    for (; i < length; ++i) {
      const float scaled = static_cast<float>(exp_table[row_max - in[i]]) * reciprocal;
      out[i] = requantize(scaled, kSoftmaxQs8OutputZeroPoint, -128, 127);
    }
  }
}

}  // namespace qrun::kernels
