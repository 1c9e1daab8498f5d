// The fp32 elementwise functions.
#include "elementwise_unary/elementwise_unary.h"

namespace qrun::kernels {

void unary_f32_reference(size_t count, const UnaryF32Params& p, const float* input, float* output) {
  for (size_t i = 0; i < count; ++i) output[i] = unary_f32(p, input[i]);
}

}  // namespace qrun::kernels
