// The walk every depthwise Conv2D kernel shares, whatever its instruction set: for each output
// pixel of a slice, where each tap of its window reads (the input's channel 0 there), or the
// zero-point row where the tap falls in the padding. Windows clear of the padding, most of an
// image, find their taps by one offset each from the window's corner.
//
// Arithmetic-free and in an unnamed namespace, so each kernel file compiles its own copy with its
// own instruction set.
#pragma once

#include <cstddef>
#include <cstdint>

#include "conv2d/conv2d.h"

namespace qrun::kernels {
namespace {

// Taps beyond the kernel's own, up to `slots`, read the zero row too, for kernels that consume
// taps in groups (their weights there are zero).
constexpr int kDepthwiseMaxSlots = kConv2dDepthwiseMaxTaps + 4;

// Calls visit(taps, out) for every output pixel of the slice's rows, `out` pointing at the
// pixel's channel 0 in the output.
template <typename Visit>
void depthwise_for_each_pixel(const Conv2dGeometry& g, const int8_t* input, int8_t* output,
                              const Conv2dSlice& slice, const int8_t* zero_row, int slots,
                              Visit visit) {
  const int channels = g.output_channels;
  const size_t row_bytes = static_cast<size_t>(g.input_width) * channels;
  const int tap_count = g.kernel_height * g.kernel_width;
  ptrdiff_t tap_offsets[kConv2dDepthwiseMaxTaps];
  for (int ky = 0, t = 0; ky < g.kernel_height; ++ky) {
    for (int kx = 0; kx < g.kernel_width; ++kx, ++t) {
      tap_offsets[t] = static_cast<ptrdiff_t>(ky) * g.dilation_height * row_bytes +
                       static_cast<ptrdiff_t>(kx) * g.dilation_width * channels;
    }
  }
  const int window_width = (g.kernel_width - 1) * g.dilation_width + 1;
  const int window_height = (g.kernel_height - 1) * g.dilation_height + 1;
  const int8_t* taps[kDepthwiseMaxSlots];
  for (int t = tap_count; t < slots; ++t) taps[t] = zero_row;
  for (size_t row = slice.row_begin; row < slice.row_end; ++row) {
    const int n = static_cast<int>(row / g.output_height);
    const int oy = static_cast<int>(row % g.output_height);
    const int8_t* image = input + static_cast<size_t>(n) * g.input_height * row_bytes;
    int8_t* out = output + row * g.output_width * channels;
    const int y0 = oy * g.stride_height - g.pad_top;
    const bool rows_inside = y0 >= 0 && y0 + window_height <= g.input_height;
    for (int ox = 0; ox < g.output_width; ++ox, out += channels) {
      const int x0 = ox * g.stride_width - g.pad_left;
      if (rows_inside && x0 >= 0 && x0 + window_width <= g.input_width) {
        const int8_t* corner = image + y0 * row_bytes + static_cast<size_t>(x0) * channels;
        for (int t = 0; t < tap_count; ++t) taps[t] = corner + tap_offsets[t];
      } else {
        for (int ky = 0, t = 0; ky < g.kernel_height; ++ky) {
          const int iy = y0 + ky * g.dilation_height;
          for (int kx = 0; kx < g.kernel_width; ++kx, ++t) {
            const int ix = x0 + kx * g.dilation_width;
            const bool inside = iy >= 0 && iy < g.input_height && ix >= 0 && ix < g.input_width;
            taps[t] =
                inside ? image + iy * row_bytes + static_cast<size_t>(ix) * channels : zero_row;
          }
        }
      }
      visit(static_cast<const int8_t* const*>(taps), out);
    }
  }
}

}  // namespace
}  // namespace qrun::kernels
