// Concatenation along one axis. A tensor of shape [outer, axis..., inner] is seen as `outer`
// blocks of `block` contiguous elements; the output interleaves the inputs' blocks.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/requantize.h"

namespace qrun::kernels {

struct ConcatGeometry {
  size_t outer = 1;
  size_t input_count = 0;
  const size_t* input_blocks = nullptr;  // elements per block of each input
};

// Each input is requantized into the output's parameters:
//   q = requantize(float(x - zero_point[i]) * multiplier[i]), multiplier[i] = s_in[i] / s_out,
// which is the identity when an input already has the output's parameters.
struct ConcatQs8Params {
  const int32_t* input_zero_points = nullptr;
  const float* multipliers = nullptr;
  Qs8Output output;
};

using ConcatQs8Fn = void (*)(const ConcatGeometry&, const ConcatQs8Params&,
                             const int8_t* const* inputs, int8_t* output);
using ConcatF32Fn = void (*)(const ConcatGeometry&, const float* const* inputs, float* output);

void concat_qs8_reference(const ConcatGeometry&, const ConcatQs8Params&,
                          const int8_t* const* inputs, int8_t* output);
void concat_f32_reference(const ConcatGeometry&, const float* const* inputs, float* output);

}  // namespace qrun::kernels
