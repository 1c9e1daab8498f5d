// Resize of H and W of an NHWC tensor (ONNX Resize, 2-D, nearest and linear). Where each output
// row and column reads from is decided once, at load time, by resize_nearest_taps and
// resize_linear_taps; the kernels only gather and blend, or write the extrapolation value where a
// tap lies outside the input (tf_crop_and_resize).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/requantize.h"

namespace qrun::kernels {

enum class ResizeCoordinates {
  kHalfPixel,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize
};
enum class ResizeNearestRounding { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

// Fixed-point precision of the linear weights of one axis; a pixel's weight is the product of
// its two axes' weights, so int8 sums carry 2 * kResizeWeightBits fraction bits.
constexpr int kResizeWeightBits = 11;
constexpr int32_t kResizeWeightOne = 1 << kResizeWeightBits;

// The tap of an output coordinate whose input coordinate lies outside [0, input - 1] under
// tf_crop_and_resize, which extrapolates there instead of clamping.
constexpr int32_t kResizeOutside = -1;

struct ResizeAxis {
  size_t input = 1;
  size_t output = 1;
  double scale = 1.0;  // output / input as the model states it
  // tf_crop_and_resize's region of the input, in normalized coordinates (0 and 1 are the first and
  // last pixels), as the model's float32 roi gives it.
  float roi_start = 0.0f;
  float roi_end = 1.0f;
};

// The input coordinate that output coordinate `x` maps to, before any clamping.
double resize_source_coordinate(ResizeCoordinates, const ResizeAxis&, size_t x);

// NEAREST: for each output coordinate, the input index it copies from, in [0, input - 1], or
// kResizeOutside.
void resize_nearest_taps(ResizeCoordinates, ResizeNearestRounding, const ResizeAxis&,
                         int32_t* index);

// LINEAR: for each output coordinate, the two input indices it blends, the weight of the second
// in 1 / kResizeWeightOne units (the first weighs kResizeWeightOne minus it) and, for float, the
// exact fraction; both indices are kResizeOutside (and the weights 0) where it extrapolates.
void resize_linear_taps(ResizeCoordinates, const ResizeAxis&, int32_t* index0, int32_t* index1,
                        int32_t* weight1, float* fraction1);

struct ResizeGeometry {
  size_t batch = 1;
  size_t input_height = 1, input_width = 1;
  size_t output_height = 1, output_width = 1;
  size_t channels = 1;
};

struct ResizeNearestTaps {
  const int32_t* y = nullptr;  // output_height entries
  const int32_t* x = nullptr;  // output_width entries
};

struct ResizeLinearTaps {
  const int32_t* y0 = nullptr;
  const int32_t* y1 = nullptr;
  const int32_t* y_weight1 = nullptr;
  const float* y_fraction1 = nullptr;
  const int32_t* x0 = nullptr;
  const int32_t* x1 = nullptr;
  const int32_t* x_weight1 = nullptr;
  const float* x_fraction1 = nullptr;
};

// int8 LINEAR: acc = sum of wy * wx * (q - input_zero_point) over the four taps, then
// requantize(acc, multiplier) with multiplier = s_in / s_out / 2^(2 * kResizeWeightBits).
// `outside` is the output value where a tap is kResizeOutside.
struct ResizeLinearQs8Params {
  int32_t input_zero_point = 0;
  float multiplier = 0.0f;
  Qs8Output output;
  int8_t outside = 0;
};

// Copies whole pixels of `element_size` bytes per channel: int8 and float alike. `outside_pixel`
// (channels elements) is the pixel copied where a tap is kResizeOutside.
using ResizeNearestFn = void (*)(const ResizeGeometry&, const ResizeNearestTaps&,
                                 size_t element_size, const void* outside_pixel, const void* input,
                                 void* output);
using ResizeLinearQs8Fn = void (*)(const ResizeGeometry&, const ResizeLinearTaps&,
                                   const ResizeLinearQs8Params&, const int8_t* input,
                                   int8_t* output);
using ResizeLinearF32Fn = void (*)(const ResizeGeometry&, const ResizeLinearTaps&, float outside,
                                   const float* input, float* output);

void resize_nearest_reference(const ResizeGeometry&, const ResizeNearestTaps&, size_t element_size,
                              const void* outside_pixel, const void* input, void* output);
void resize_linear_qs8_reference(const ResizeGeometry&, const ResizeLinearTaps&,
                                 const ResizeLinearQs8Params&, const int8_t* input, int8_t* output);
// x86 AVX-512 (F, BW): 16 channels of an output pixel at a time, the same integer blend.
void resize_linear_qs8_avx512(const ResizeGeometry&, const ResizeLinearTaps&,
                              const ResizeLinearQs8Params&, const int8_t* input, int8_t* output);
// Baseline NEON, 16 channels of an output pixel at a time: AArch64, and 32-bit ARMv7 under its own
// name.
void resize_linear_qs8_neon(const ResizeGeometry&, const ResizeLinearTaps&,
                            const ResizeLinearQs8Params&, const int8_t* input, int8_t* output);
void resize_linear_qs8_armv7neon(const ResizeGeometry&, const ResizeLinearTaps&,
                                 const ResizeLinearQs8Params&, const int8_t* input, int8_t* output);
void resize_linear_f32_reference(const ResizeGeometry&, const ResizeLinearTaps&, float outside,
                                 const float* input, float* output);

}  // namespace qrun::kernels
