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

// Int8 concatenation through tables. An input's requantization (above) is a function of its byte
// alone, so concat_qs8_table computes it once, at load time, for all 256 values (entry x + 128 for
// byte x, the order of the lookup-table kernels); the kernels then look every element up, or copy
// it where an input has no table. The bytes are the reference's by construction.
constexpr int kConcatTableSize = 256;
// Elements of one output block: the inputs' blocks side by side.
size_t concat_output_block(const ConcatGeometry&);
// Fills `table` with input i's requantization; false (and the table unused) where it is the
// identity, so that the input can be copied instead.
bool concat_qs8_table(int32_t input_zero_point, float multiplier, const Qs8Output& output,
                      int8_t* table);
// `tables[i]`: input i's table, or null for an input copied as it is.
using ConcatS8TablesFn = void (*)(const ConcatGeometry&, const int8_t* const* tables,
                                  const int8_t* const* inputs, int8_t* output);
// Any CPU: input by input, element by element.
void concat_s8_tables_portable(const ConcatGeometry&, const int8_t* const* tables,
                               const int8_t* const* inputs, int8_t* output);
// x86 AVX512-VBMI: input by input, its table held in four registers and looked up 64 elements at
// a time by vpermi2b.
void concat_s8_tables_avx512vbmi(const ConcatGeometry&, const int8_t* const* tables,
                                 const int8_t* const* inputs, int8_t* output);
// AArch64 NEON: input by input, its table held in sixteen registers and looked up 16 elements at a
// time by tbl and tbx.
void concat_s8_tables_neon(const ConcatGeometry&, const int8_t* const* tables,
                           const int8_t* const* inputs, int8_t* output);
void concat_f32_reference(const ConcatGeometry&, const float* const* inputs, float* output);

}  // namespace qrun::kernels
