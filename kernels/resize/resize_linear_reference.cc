// The definition of bilinear resize. int8 blends in integers with fixed-point weights, so its sums
// are exact, then requantizes once; float blends with the exact fractions. A pixel whose row or
// column tap lies outside the input takes the extrapolation value instead.
#include "resize/resize_linear_walk.h"

namespace qrun::kernels {

void resize_linear_qs8_reference(const ResizeGeometry& g, const ResizeLinearTaps& taps,
                                 const ResizeLinearQs8Params& p, const int8_t* input,
                                 int8_t* output) {
  resize_linear_walk(g, taps, p.outside, input, output, [&](const ResizeLinearPixel<int8_t>& px) {
    const int32_t wy1 = taps.y_weight1[px.y];
    const int32_t wy0 = kResizeWeightOne - wy1;
    const int32_t wx1 = taps.x_weight1[px.x];
    const int32_t wx0 = kResizeWeightOne - wx1;
    for (size_t c = 0; c < g.channels; ++c) {
      const int32_t top = wx0 * (px.top_left[c] - p.input_zero_point) +
                          wx1 * (px.top_right[c] - p.input_zero_point);
      const int32_t bottom = wx0 * (px.bottom_left[c] - p.input_zero_point) +
                             wx1 * (px.bottom_right[c] - p.input_zero_point);
      const int32_t acc = wy0 * top + wy1 * bottom;
      px.output[c] = requantize(acc, p.multiplier, p.output.zero_point, p.output.min, p.output.max);
    }
  });
}

void resize_linear_f32_reference(const ResizeGeometry& g, const ResizeLinearTaps& taps,
                                 float outside, const float* input, float* output) {
  resize_linear_walk(g, taps, outside, input, output, [&](const ResizeLinearPixel<float>& px) {
    const float fy = taps.y_fraction1[px.y];
    const float fx = taps.x_fraction1[px.x];
    for (size_t k = 0; k < g.channels; ++k) {
      const float top = px.top_left[k] + (px.top_right[k] - px.top_left[k]) * fx;
      const float bottom = px.bottom_left[k] + (px.bottom_right[k] - px.bottom_left[k]) * fx;
      px.output[k] = top + (bottom - top) * fy;
    }
  });
}

}  // namespace qrun::kernels
