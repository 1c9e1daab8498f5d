// The definition of int8 Add: every SIMD kernel must match it bit for bit.
#include "add/add_reference.h"

namespace qrun::kernels {

void add_qs8_reference(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a,
                       const int8_t* b, int8_t* output) {
  broadcast_binary_reference(g, a, b, output,
                             [&p](int8_t x, int8_t y) { return add_qs8_element(p, x, y); });
}

}  // namespace qrun::kernels
