// The float PReLU.
#include "add/add_reference.h"
#include "prelu/prelu.h"

namespace qrun::kernels {

void prelu_f32_reference(const BroadcastGeometry& g, const float* input, const float* slope,
                         float* output) {
  broadcast_binary_reference(g, input, slope, output,
                             [](float x, float s) { return x >= 0.0f ? x : s * x; });
}

}  // namespace qrun::kernels
