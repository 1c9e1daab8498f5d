// The definition of int8 PReLU.
#include "add/add_reference.h"
#include "prelu/prelu.h"

namespace qrun::kernels {

void prelu_qs8_reference(const BroadcastGeometry& g, const PReluQs8Params& p, const int8_t* input,
                         const int8_t* slope, int8_t* output) {
  broadcast_binary_reference(g, input, slope, output, [&p](int8_t x, int8_t s) {
    const int32_t d = x - p.input_zero_point;
    if (d >= 0) {
      return requantize(d, p.positive_multiplier, p.output.zero_point, p.output.min, p.output.max);
    }
    return requantize(d * s, p.negative_multiplier, p.output.zero_point, p.output.min,
                      p.output.max);
  });
}

}  // namespace qrun::kernels
