// The reference TransposeConv2D loop, shared by the float and int8 definitions: they differ only
// in the element types, the input's zero point and how an accumulator becomes an output.
#pragma once

#include "transpose_conv2d/transpose_conv2d.h"

namespace qrun::kernels {

// The input index that reaches full-size output position `position` through tap `k`, or -1.
inline int transpose_conv2d_source(int position, int k, int stride, int dilation, int extent) {
  const int shifted = position - k * dilation;
  if (shifted < 0 || shifted % stride != 0) return -1;
  const int index = shifted / stride;
  return index < extent ? index : -1;
}

template <typename Element, typename Accumulator, typename Finish>
void transpose_conv2d_reference_rows(const TransposeConv2dGeometry& g, const Element* input,
                                     const Element* ohwi, const Accumulator* bias,
                                     Accumulator input_zero_point, Element* output,
                                     size_t row_begin, size_t row_end, Finish finish) {
  const int group_in = g.input_channels_per_group();
  const int group_out = g.output_channels_per_group();
  for (size_t row = row_begin; row < row_end; ++row) {
    const int n = static_cast<int>(row / g.output_height);
    const int oy = static_cast<int>(row % g.output_height);
    for (int ox = 0; ox < g.output_width; ++ox) {
      Element* out = output + (row * g.output_width + ox) * g.output_channels;
      for (int oc = 0; oc < g.output_channels; ++oc) {
        const int first_ic = (oc / group_out) * group_in;
        Accumulator acc = bias[oc];
        for (int ky = 0; ky < g.kernel_height; ++ky) {
          const int iy = transpose_conv2d_source(oy + g.pad_top, ky, g.stride_height,
                                                 g.dilation_height, g.input_height);
          if (iy < 0) continue;
          for (int kx = 0; kx < g.kernel_width; ++kx) {
            const int ix = transpose_conv2d_source(ox + g.pad_left, kx, g.stride_width,
                                                   g.dilation_width, g.input_width);
            if (ix < 0) continue;
            const Element* in =
                input +
                ((static_cast<size_t>(n) * g.input_height + iy) * g.input_width + ix) *
                    g.input_channels +
                first_ic;
            const Element* weights =
                ohwi +
                ((static_cast<size_t>(oc) * g.kernel_height + ky) * g.kernel_width + kx) * group_in;
            for (int ic = 0; ic < group_in; ++ic) {
              acc += (static_cast<Accumulator>(in[ic]) - input_zero_point) *
                     static_cast<Accumulator>(weights[ic]);
            }
          }
        }
        out[oc] = finish(acc, oc);
      }
    }
  }
}

}  // namespace qrun::kernels
