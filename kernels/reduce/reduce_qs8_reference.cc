// The definition of int8 reductions: integer accumulation, one requantization.
#include "reduce/reduce_reference.h"

namespace qrun::kernels {

void reduce_qs8_reference(const ReduceGeometry& g, const ReduceQs8Params& p, const int8_t* input,
                          int8_t* output) {
  const ReduceFunction function = p.function;
  const int32_t zero_point = p.input_zero_point;
  const float multiplier = function == ReduceFunction::kMean
                               ? p.multiplier / static_cast<float>(g.reduced_count())
                               : p.multiplier;
  reduce_reference_walk(
      g, input, output, [&](int8_t x) { return static_cast<int32_t>(x - zero_point); },
      [&](int32_t acc, int8_t x) {
        const int32_t d = x - zero_point;
        if (function == ReduceFunction::kMaximum) return d > acc ? d : acc;
        if (function == ReduceFunction::kMinimum) return d < acc ? d : acc;
        return acc + d;
      },
      [&](int32_t acc) {
        return requantize(acc, multiplier, p.output.zero_point, p.output.min, p.output.max);
      });
}

}  // namespace qrun::kernels
