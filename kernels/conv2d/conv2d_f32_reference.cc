// The float Conv2D: what the converter calibrates with, and the fallback for ops kept in float.
#include "conv2d/conv2d_reference.h"

namespace qrun::kernels {

void conv2d_f32_reference(const Conv2dGeometry& g, F32Range range, const Conv2dF32Weights& w,
                          const float* input, float* output, const Conv2dSlice& slice) {
  conv2d_reference_rows<float, float>(g, input, w.ohwi, w.bias, 0.0f, output, slice,
                                      [range](float acc, int) { return clamp_f32(acc, range); });
}

}  // namespace qrun::kernels
