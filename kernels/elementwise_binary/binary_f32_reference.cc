// The float Sub, Div, Maximum and Minimum.
#include <cmath>

#include "add/add_reference.h"
#include "elementwise_binary/elementwise_binary.h"

namespace qrun::kernels {
namespace {

float apply(BinaryFunction function, float x, float y) {
  switch (function) {
    case BinaryFunction::kSub: return x - y;
    case BinaryFunction::kDiv: return x / y;
    case BinaryFunction::kMaximum: return std::isnan(x) || x > y ? x : y;
    case BinaryFunction::kMinimum: return std::isnan(x) || x < y ? x : y;
  }
  return x;
}

}  // namespace

void binary_f32_reference(const BroadcastGeometry& g, const BinaryF32Params& p, const float* a,
                          const float* b, float* output) {
  broadcast_binary_reference(g, a, b, output, [&p](float x, float y) {
    return clamp_f32(apply(p.function, x, y), p.range);
  });
}

}  // namespace qrun::kernels
