// The walk every bilinear kernel takes over its output: row by row, pixel by pixel, with the four
// taps of each pixel found from the load-time taps, and the extrapolation value written wherever
// a row or column tap lies outside the input (tf_crop_and_resize). The kernels differ only in how
// they blend one pixel's channels.
//
// In an unnamed namespace: each kernel file keeps its own copy, built with its own instruction set
// (an inline function shared between files with different flags could be linked in its most
// demanding version).
#pragma once

#include <algorithm>

#include "resize/resize.h"

namespace qrun::kernels {
namespace {

// The four taps of one output pixel, each at the first of its pixel's channels, and where the
// pixel's output goes; y and x index the taps' weights.
template <typename Element>
struct ResizeLinearPixel {
  const Element* top_left;
  const Element* top_right;
  const Element* bottom_left;
  const Element* bottom_right;
  size_t y;
  size_t x;
  Element* output;
};

// Calls blend(pixel) for every output pixel whose taps lie inside the input.
template <typename Element, typename Blend>
void resize_linear_walk(const ResizeGeometry& g, const ResizeLinearTaps& taps, Element outside,
                        const Element* input, Element* output, const Blend& blend) {
  const size_t row_stride = g.input_width * g.channels;
  for (size_t n = 0; n < g.batch; ++n) {
    const Element* image = input + n * g.input_height * row_stride;
    for (size_t y = 0; y < g.output_height; ++y) {
      if (taps.y0[y] == kResizeOutside) {
        output = std::fill_n(output, g.output_width * g.channels, outside);
        continue;
      }
      const Element* row0 = image + static_cast<size_t>(taps.y0[y]) * row_stride;
      const Element* row1 = image + static_cast<size_t>(taps.y1[y]) * row_stride;
      for (size_t x = 0; x < g.output_width; ++x, output += g.channels) {
        if (taps.x0[x] == kResizeOutside) {
          std::fill_n(output, g.channels, outside);
          continue;
        }
        const size_t left = static_cast<size_t>(taps.x0[x]) * g.channels;
        const size_t right = static_cast<size_t>(taps.x1[x]) * g.channels;
        blend(ResizeLinearPixel<Element>{row0 + left, row0 + right, row1 + left, row1 + right, y, x,
                                         output});
      }
    }
  }
}

}  // namespace
}  // namespace qrun::kernels
