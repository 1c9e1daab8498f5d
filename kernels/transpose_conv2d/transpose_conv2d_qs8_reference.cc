// The definition of int8 TransposeConv2D: an exact int32 sum per output element, requantized as
// every int8 op is (BRIEF §3).
#include "transpose_conv2d/transpose_conv2d_reference.h"

namespace qrun::kernels {

void transpose_conv2d_qs8_reference(const TransposeConv2dGeometry& g,
                                    const TransposeConv2dQs8Params& p, const int8_t* ohwi,
                                    const int32_t* bias, const int8_t* input, int8_t* output,
                                    size_t row_begin, size_t row_end) {
  transpose_conv2d_reference_rows<int8_t, int32_t>(
      g, input, ohwi, bias, p.input_zero_point, output, row_begin, row_end,
      [&p](int32_t acc, int oc) {
        return requantize(acc, p.multipliers[oc], p.output.zero_point, p.output.min, p.output.max);
      });
}

}  // namespace qrun::kernels
