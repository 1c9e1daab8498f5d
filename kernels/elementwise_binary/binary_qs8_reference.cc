// The definition of int8 Sub, Div, Maximum and Minimum.
#include "add/add_reference.h"
#include "elementwise_binary/elementwise_binary.h"

namespace qrun::kernels {
namespace {

int8_t divide_qs8(const BinaryQs8Params& p, int32_t dividend, int32_t divisor) {
  const Qs8Output& out = p.output;
  if (divisor == 0) {
    if (dividend > 0) return static_cast<int8_t>(out.max);
    if (dividend < 0) return static_cast<int8_t>(out.min);
    return requantize(0.0f, out.zero_point, out.min, out.max);
  }
  const float quotient = static_cast<float>(dividend) / static_cast<float>(divisor);
  return requantize(quotient * p.a_multiplier, out.zero_point, out.min, out.max);
}

}  // namespace

void binary_qs8_reference(const BroadcastGeometry& g, const BinaryQs8Params& p, const int8_t* a,
                          const int8_t* b, int8_t* output) {
  broadcast_binary_reference(g, a, b, output, [&p](int8_t x, int8_t y) {
    const int32_t dx = x - p.a_zero_point;
    const int32_t dy = y - p.b_zero_point;
    if (p.function == BinaryFunction::kDiv) return divide_qs8(p, dx, dy);
    const float scaled_x = static_cast<float>(dx) * p.a_multiplier;
    const float scaled_y = static_cast<float>(dy) * p.b_multiplier;
    float result = scaled_x - scaled_y;
    if (p.function == BinaryFunction::kMaximum) result = scaled_x > scaled_y ? scaled_x : scaled_y;
    if (p.function == BinaryFunction::kMinimum) result = scaled_x < scaled_y ? scaled_x : scaled_y;
    return requantize(result, p.output.zero_point, p.output.min, p.output.max);
  });
}

}  // namespace qrun::kernels
