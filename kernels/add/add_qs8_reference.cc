// The definition of int8 Add: every SIMD kernel must match it bit for bit.
#include "add/add_reference.h"

namespace qrun::kernels {

void add_qs8_reference(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a,
                       const int8_t* b, int8_t* output) {
  broadcast_binary_reference(g, a, b, output, [&p](int8_t x, int8_t y) {
    const float scaled_a = static_cast<float>(x - p.a_zero_point) * p.a_multiplier;
    const float scaled_b = static_cast<float>(y - p.b_zero_point) * p.b_multiplier;
    return requantize(scaled_a + scaled_b, p.output.zero_point, p.output.min, p.output.max);
  });
}

}  // namespace qrun::kernels
