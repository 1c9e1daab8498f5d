// The definition of int8 Mul.
#include "add/add_reference.h"
#include "mul/mul.h"

namespace qrun::kernels {

void mul_qs8_reference(const BroadcastGeometry& g, const MulQs8Params& p, const int8_t* a,
                       const int8_t* b, int8_t* output) {
  broadcast_binary_reference(g, a, b, output, [&p](int8_t x, int8_t y) {
    const int32_t product = (x - p.a_zero_point) * (y - p.b_zero_point);
    return requantize(product, p.multiplier, p.output.zero_point, p.output.min, p.output.max);
  });
}

}  // namespace qrun::kernels
