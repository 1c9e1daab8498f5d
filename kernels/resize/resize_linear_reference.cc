// The definition of bilinear resize. int8 blends in integers with fixed-point weights, so its sums
// are exact, then requantizes once; float blends with the exact fractions. A pixel whose row or
// column tap lies outside the input takes the extrapolation value instead.
#include <algorithm>

#include "resize/resize.h"

namespace qrun::kernels {

void resize_linear_qs8_reference(const ResizeGeometry& g, const ResizeLinearTaps& taps,
                                 const ResizeLinearQs8Params& p, const int8_t* input,
                                 int8_t* output) {
  const size_t row_stride = g.input_width * g.channels;
  for (size_t n = 0; n < g.batch; ++n) {
    const int8_t* image = input + n * g.input_height * row_stride;
    for (size_t y = 0; y < g.output_height; ++y) {
      if (taps.y0[y] == kResizeOutside) {
        output = std::fill_n(output, g.output_width * g.channels, p.outside);
        continue;
      }
      const int8_t* row0 = image + static_cast<size_t>(taps.y0[y]) * row_stride;
      const int8_t* row1 = image + static_cast<size_t>(taps.y1[y]) * row_stride;
      const int32_t wy1 = taps.y_weight1[y];
      const int32_t wy0 = kResizeWeightOne - wy1;
      for (size_t x = 0; x < g.output_width; ++x) {
        if (taps.x0[x] == kResizeOutside) {
          output = std::fill_n(output, g.channels, p.outside);
          continue;
        }
        const size_t left = static_cast<size_t>(taps.x0[x]) * g.channels;
        const size_t right = static_cast<size_t>(taps.x1[x]) * g.channels;
        const int32_t wx1 = taps.x_weight1[x];
        const int32_t wx0 = kResizeWeightOne - wx1;
        for (size_t c = 0; c < g.channels; ++c) {
          const int32_t top = wx0 * (row0[left + c] - p.input_zero_point) +
                              wx1 * (row0[right + c] - p.input_zero_point);
          const int32_t bottom = wx0 * (row1[left + c] - p.input_zero_point) +
                                 wx1 * (row1[right + c] - p.input_zero_point);
          const int32_t acc = wy0 * top + wy1 * bottom;
          *output++ =
              requantize(acc, p.multiplier, p.output.zero_point, p.output.min, p.output.max);
        }
      }
    }
  }
}

void resize_linear_f32_reference(const ResizeGeometry& g, const ResizeLinearTaps& taps,
                                 float outside, const float* input, float* output) {
  const size_t row_stride = g.input_width * g.channels;
  for (size_t n = 0; n < g.batch; ++n) {
    const float* image = input + n * g.input_height * row_stride;
    for (size_t y = 0; y < g.output_height; ++y) {
      if (taps.y0[y] == kResizeOutside) {
        output = std::fill_n(output, g.output_width * g.channels, outside);
        continue;
      }
      const float* row0 = image + static_cast<size_t>(taps.y0[y]) * row_stride;
      const float* row1 = image + static_cast<size_t>(taps.y1[y]) * row_stride;
      const float fy = taps.y_fraction1[y];
      for (size_t x = 0; x < g.output_width; ++x) {
        if (taps.x0[x] == kResizeOutside) {
          output = std::fill_n(output, g.channels, outside);
          continue;
        }
        const float* a = row0 + static_cast<size_t>(taps.x0[x]) * g.channels;
        const float* b = row0 + static_cast<size_t>(taps.x1[x]) * g.channels;
        const float* c = row1 + static_cast<size_t>(taps.x0[x]) * g.channels;
        const float* d = row1 + static_cast<size_t>(taps.x1[x]) * g.channels;
        const float fx = taps.x_fraction1[x];
        for (size_t k = 0; k < g.channels; ++k) {
          const float top = a[k] + (b[k] - a[k]) * fx;
          const float bottom = c[k] + (d[k] - c[k]) * fx;
          *output++ = top + (bottom - top) * fy;
        }
      }
    }
  }
}

}  // namespace qrun::kernels
