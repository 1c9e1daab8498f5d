// The definition of int8 Conv2D: every SIMD kernel must match it bit for bit.
#include "add/add_reference.h"
#include "conv2d/conv2d_reference.h"

namespace qrun::kernels {

void conv2d_qs8_reference(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                          const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                          const Conv2dSlice& slice) {
  conv2d_reference_rows<int8_t, int32_t>(
      g, input, w.ohwi, w.bias, p.input_zero_point, output, slice, [&p](int32_t acc, int oc) {
        return requantize(acc, p.multipliers[oc], p.output.zero_point, p.output.min, p.output.max);
      });
  if (p.residual == nullptr) return;
  // The fused Add: the definition is the two ops in turn, element by element over the slice.
  for (size_t pixel = slice.row_begin * g.output_width; pixel < slice.row_end * g.output_width;
       ++pixel) {
    for (size_t oc = slice.channel_begin; oc < slice.channel_end; ++oc) {
      const size_t at = pixel * g.output_channels + oc;
      output[at] = add_qs8_element(p.residual->add, output[at], p.residual->data[at]);
    }
  }
}

}  // namespace qrun::kernels
