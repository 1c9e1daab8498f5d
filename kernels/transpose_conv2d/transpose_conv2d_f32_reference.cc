// The definition of float TransposeConv2D.
#include "transpose_conv2d/transpose_conv2d_reference.h"

namespace qrun::kernels {

void transpose_conv2d_f32_reference(const TransposeConv2dGeometry& g, F32Range range,
                                    const float* ohwi, const float* bias, const float* input,
                                    float* output, size_t row_begin, size_t row_end) {
  transpose_conv2d_reference_rows<float, float>(
      g, input, ohwi, bias, 0.0f, output, row_begin, row_end,
      [range](float acc, int) { return clamp_f32(acc, range); });
}

}  // namespace qrun::kernels
