// The float Mul.
#include "add/add_reference.h"
#include "mul/mul.h"

namespace qrun::kernels {

void mul_f32_reference(const BroadcastGeometry& g, F32Range range, const float* a, const float* b,
                       float* output) {
  broadcast_binary_reference(g, a, b, output,
                             [range](float x, float y) { return clamp_f32(x * y, range); });
}

}  // namespace qrun::kernels
