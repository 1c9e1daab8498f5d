// Requantization: the one formula that turns an int32 accumulator into an int8 value (BRIEF §3).
//   q = clamp(round_half_to_even(float(acc) * multiplier) + zero_point, min, max)
// This header is compiled with -ffp-contract=off wherever it is used by reference code.
#pragma once

#include <cmath>
#include <cstdint>

namespace qrun::kernels {

// Rounds half to even, as x86 cvtps2dq and ARMv8 fcvtns do under the default rounding mode.
inline float round_half_to_even(float x) {
  return std::nearbyint(x);
}

// Clamps in float before the conversion so that a huge product cannot overflow int32.
inline int8_t requantize(float scaled, int32_t zero_point, int32_t output_min, int32_t output_max) {
  const float rounded = round_half_to_even(scaled);
  const float low = static_cast<float>(output_min - zero_point);
  const float high = static_cast<float>(output_max - zero_point);
  // Written so that a NaN (from a NaN float input) lands on the low end instead of reaching the
  // float-to-int conversion, which would be undefined.
  const float clamped = rounded > high ? high : (rounded >= low ? rounded : low);
  return static_cast<int8_t>(static_cast<int32_t>(clamped) + zero_point);
}

inline int8_t requantize(int32_t acc, float multiplier, int32_t zero_point, int32_t output_min,
                         int32_t output_max) {
  return requantize(static_cast<float>(acc) * multiplier, zero_point, output_min, output_max);
}

// The output range of an int8 op, with the fused activation already folded in.
struct Qs8Output {
  int32_t zero_point = 0;
  int32_t min = -128;
  int32_t max = 127;
};

struct F32Range {
  float min = -INFINITY;
  float max = INFINITY;
};

inline float clamp_f32(float x, F32Range range) {
  return x < range.min ? range.min : (x > range.max ? range.max : x);
}

}  // namespace qrun::kernels
