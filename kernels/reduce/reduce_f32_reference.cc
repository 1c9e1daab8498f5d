// The float reductions.
#include <cmath>

#include "reduce/reduce_reference.h"

namespace qrun::kernels {

void reduce_f32_reference(const ReduceGeometry& g, ReduceFunction function, const float* input,
                          float* output) {
  const float count = static_cast<float>(g.reduced_count());
  reduce_reference_walk(
      g, input, output, [](float x) { return x; },
      [function](float acc, float x) {
        // A NaN anywhere makes the max and the min NaN, as it does the sum.
        if (function == ReduceFunction::kMaximum) return std::isnan(acc) || acc > x ? acc : x;
        if (function == ReduceFunction::kMinimum) return std::isnan(acc) || acc < x ? acc : x;
        return acc + x;
      },
      [function, count](float acc) {
        return function == ReduceFunction::kMean ? acc / count : acc;
      });
}

}  // namespace qrun::kernels
