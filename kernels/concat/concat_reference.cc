// The definition of Concatenation, int8 and float.
#include <cstring>

#include "concat/concat.h"

namespace qrun::kernels {

void concat_qs8_reference(const ConcatGeometry& g, const ConcatQs8Params& p,
                          const int8_t* const* inputs, int8_t* output) {
  for (size_t o = 0; o < g.outer; ++o) {
    for (size_t i = 0; i < g.input_count; ++i) {
      const size_t block = g.input_blocks[i];
      const int8_t* in = inputs[i] + o * block;
      for (size_t e = 0; e < block; ++e) {
        const float scaled = static_cast<float>(in[e] - p.input_zero_points[i]) * p.multipliers[i];
        *output++ = requantize(scaled, p.output.zero_point, p.output.min, p.output.max);
      }
    }
  }
}

void concat_f32_reference(const ConcatGeometry& g, const float* const* inputs, float* output) {
  for (size_t o = 0; o < g.outer; ++o) {
    for (size_t i = 0; i < g.input_count; ++i) {
      const size_t block = g.input_blocks[i];
      std::memcpy(output, inputs[i] + o * block, block * sizeof(float));
      output += block;
    }
  }
}

}  // namespace qrun::kernels
