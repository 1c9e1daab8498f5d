// The reference's requantization (requantize.h) for four int32 lanes on ARM NEON, step by step:
// float(acc) * m (vmulq_f32; kernels are built with -ffp-contract=off, so it is never fused with a
// later add), clamp to [min - zp, max - zp], round half to even, add zp. Clamping before rounding
// gives the reference's result because both ends are whole numbers. The narrowing saturates, but
// the clamp has already put every value in range.
//
// Rounding: AArch64 has fcvtns. ARMv7 has no round-to-nearest conversion, so x + 1.5 * 2^23 does
// it: for |x| < 2^22 the sum lies in [2^23, 2^24), where fp32 holds whole numbers only, so the
// add itself rounds x half to even (NEON always rounds to nearest), and the sum's low mantissa
// bits are round(x) + 2^22: the sum's bit pattern less that of 1.5 * 2^23 is round(x). The clamp
// keeps |x| <= 255, far inside that range.
//
// Included only by ARM kernel files. Everything here is in an unnamed namespace so that each
// file keeps a copy built with its own -march (an inline function shared between files with
// different flags could be linked in its most demanding version and raise SIGILL on a smaller
// core).
#pragma once

#include <arm_neon.h>

#include <cstring>

#include "common/requantize.h"

namespace qrun::kernels {
namespace {

#if !defined(__aarch64__)
constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
constexpr int32_t kMagicBits = 0x4B400000;
#endif

struct NeonRequantization {
  float32x4_t low;
  float32x4_t high;
  int32x4_t zero_point;

  explicit NeonRequantization(const Qs8Output& out)
      : low(vdupq_n_f32(static_cast<float>(out.min - out.zero_point))),
        high(vdupq_n_f32(static_cast<float>(out.max - out.zero_point))),
        zero_point(vdupq_n_s32(out.zero_point)) {}

  // Clamped, rounded and offset values of four already scaled lanes, as int32.
  int32x4_t finish(float32x4_t scaled) const {
    scaled = vminq_f32(vmaxq_f32(scaled, low), high);
#if defined(__aarch64__)
    return vaddq_s32(vcvtnq_s32_f32(scaled), zero_point);
#else
    const int32x4_t biased = vreinterpretq_s32_f32(vaddq_f32(scaled, vdupq_n_f32(kMagic)));
    return vaddq_s32(vsubq_s32(biased, vdupq_n_s32(kMagicBits)), zero_point);
#endif
  }
  int32x4_t operator()(int32x4_t acc, float32x4_t multiplier) const {
    return finish(vmulq_f32(vcvtq_f32_s32(acc), multiplier));
  }
};

// Sixteen int32 lanes, each already in [-128, 127], as bytes.
inline int8x16_t neon_narrow(int32x4_t q0, int32x4_t q1, int32x4_t q2, int32x4_t q3) {
  const int16x8_t low = vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1));
  const int16x8_t high = vcombine_s16(vqmovn_s32(q2), vqmovn_s32(q3));
  return vcombine_s8(vqmovn_s16(low), vqmovn_s16(high));
}

// Four multipliers; lanes from `count` on are 0 and never read from memory (the caller's array
// may end there). Lane loads rather than a staged memcpy, so that no call breaks a kernel's
// register allocation.
inline float32x4_t neon_load_multipliers(const float* multipliers, int count) {
  if (count >= 4) return vld1q_f32(multipliers);
  float32x4_t m = vdupq_n_f32(0.0f);
  if (count > 0) m = vld1q_lane_f32(multipliers, m, 0);
  if (count > 1) m = vld1q_lane_f32(multipliers + 1, m, 1);
  if (count > 2) m = vld1q_lane_f32(multipliers + 2, m, 2);
  return m;
}

// Stores the first `count` (at most 16) bytes of `bytes`: outputs have no slack after them. Lane
// stores rather than a staged memcpy, so that no call breaks a kernel's register allocation.
inline void neon_store_bytes(int8_t* out, int8x16_t bytes, int count) {
  if (count >= 16) {
    vst1q_s8(out, bytes);
    return;
  }
  int8x8_t part = vget_low_s8(bytes);
  if (count & 8) {
    vst1_s8(out, part);
    out += 8;
    part = vget_high_s8(bytes);
  }
  if (count & 4) {
    vst1_lane_s32(reinterpret_cast<int32_t*>(out), vreinterpret_s32_s8(part), 0);
    out += 4;
    part = vext_s8(part, part, 4);
  }
  if (count & 2) {
    vst1_lane_s16(reinterpret_cast<int16_t*>(out), vreinterpret_s16_s8(part), 0);
    out += 2;
    part = vext_s8(part, part, 2);
  }
  if (count & 1) vst1_lane_s8(out, part, 0);
}

// Up to 16 bytes from `in` (only `count` are read: inputs of elementwise ops have no slack).
inline int8x16_t neon_load_bytes(const int8_t* in, int count) {
  if (count >= 16) return vld1q_s8(in);
  int8_t staged[16] = {};
  std::memcpy(staged, in, static_cast<size_t>(count));
  return vld1q_s8(staged);
}

}  // namespace
}  // namespace qrun::kernels
