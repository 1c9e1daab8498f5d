// Int8 concatenation through tables (concat.h), on any CPU: the tables from the reference's
// requantization, then input by input, block by block, each element looked up or copied.
#include <cstring>

#include "concat/concat.h"

namespace qrun::kernels {

size_t concat_output_block(const ConcatGeometry& g) {
  size_t elements = 0;
  for (size_t i = 0; i < g.input_count; ++i) elements += g.input_blocks[i];
  return elements;
}

bool concat_qs8_table(int32_t input_zero_point, float multiplier, const Qs8Output& output,
                      int8_t* table) {
  bool identity = true;
  for (int x = -128; x <= 127; ++x) {
    const float scaled = static_cast<float>(x - input_zero_point) * multiplier;
    const int8_t q = requantize(scaled, output.zero_point, output.min, output.max);
    table[x + 128] = q;
    identity = identity && q == x;
  }
  return !identity;
}

void concat_s8_tables_portable(const ConcatGeometry& g, const int8_t* const* tables,
                               const int8_t* const* inputs, int8_t* output) {
  const size_t stride = concat_output_block(g);
  size_t offset = 0;
  for (size_t i = 0; i < g.input_count; ++i) {
    const size_t block = g.input_blocks[i];
    const int8_t* table = tables[i];
    const int8_t* in = inputs[i];
    int8_t* out = output + offset;
    offset += block;
    for (size_t o = 0; o < g.outer; ++o, in += block, out += stride) {
      if (table == nullptr) {
        std::memcpy(out, in, block);
      } else {
        for (size_t e = 0; e < block; ++e) out[e] = table[in[e] + 128];
      }
    }
  }
}

}  // namespace qrun::kernels
