// The window walk shared by every reference pooling kernel: it hands each output element's
// valid input positions to a reducer, with the divisor an average would use.
#pragma once

#include "pooling/pool2d.h"

namespace qrun::kernels {

template <typename Element, typename Reduce>
void pool2d_reference(const Pool2dGeometry& g, const Element* input, Element* output,
                      Reduce reduce) {
  for (int n = 0; n < g.batch; ++n) {
    for (int oy = 0; oy < g.output_height; ++oy) {
      const int y0 = oy * g.stride_height - g.pad_top;
      const int y_begin = y0 < 0 ? 0 : y0;
      const int y_end =
          y0 + g.kernel_height > g.input_height ? g.input_height : y0 + g.kernel_height;
      for (int ox = 0; ox < g.output_width; ++ox) {
        const int x0 = ox * g.stride_width - g.pad_left;
        const int x_begin = x0 < 0 ? 0 : x0;
        const int x_end = x0 + g.kernel_width > g.input_width ? g.input_width : x0 + g.kernel_width;
        const int count = g.count_include_pad ? g.kernel_height * g.kernel_width
                                              : (y_end - y_begin) * (x_end - x_begin);
        Element* out =
            output +
            ((static_cast<size_t>(n) * g.output_height + oy) * g.output_width + ox) * g.channels;
        for (int c = 0; c < g.channels; ++c) {
          auto at = [&](int y, int x) {
            return input[((static_cast<size_t>(n) * g.input_height + y) * g.input_width + x) *
                             g.channels +
                         c];
          };
          out[c] = reduce(at, y_begin, y_end, x_begin, x_end, count);
        }
      }
    }
  }
}

}  // namespace qrun::kernels
