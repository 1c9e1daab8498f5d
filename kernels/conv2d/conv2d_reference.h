// The reference Conv2D loop, shared by the float and int8 definitions: they differ only in the
// element types, the input's zero point and how an accumulator becomes an output.
#pragma once

#include "conv2d/conv2d.h"

namespace qrun::kernels {

template <typename Element, typename Accumulator, typename Finish>
void conv2d_reference_rows(const Conv2dGeometry& g, const Element* input, const Element* ohwi,
                           const Accumulator* bias, Accumulator input_zero_point, Element* output,
                           const Conv2dSlice& slice, Finish finish) {
  const int group_in = g.input_channels_per_group();
  const int group_out = g.output_channels_per_group();
  for (size_t row = slice.row_begin; row < slice.row_end; ++row) {
    const int n = static_cast<int>(row / g.output_height);
    const int oy = static_cast<int>(row % g.output_height);
    for (int ox = 0; ox < g.output_width; ++ox) {
      Element* out = output + (row * g.output_width + ox) * g.output_channels;
      for (int oc = static_cast<int>(slice.channel_begin); oc < static_cast<int>(slice.channel_end);
           ++oc) {
        const int first_ic = (oc / group_out) * group_in;
        Accumulator acc = bias[oc];
        for (int ky = 0; ky < g.kernel_height; ++ky) {
          const int iy = oy * g.stride_height - g.pad_top + ky * g.dilation_height;
          if (iy < 0 || iy >= g.input_height) continue;
          for (int kx = 0; kx < g.kernel_width; ++kx) {
            const int ix = ox * g.stride_width - g.pad_left + kx * g.dilation_width;
            if (ix < 0 || ix >= g.input_width) continue;
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
