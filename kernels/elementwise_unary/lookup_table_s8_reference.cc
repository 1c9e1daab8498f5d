// The int8 elementwise functions: one table lookup per element.
#include "elementwise_unary/elementwise_unary.h"

namespace qrun::kernels {

void lookup_table_s8_reference(size_t count, const int8_t* table, const int8_t* input,
                               int8_t* output) {
  for (size_t i = 0; i < count; ++i) output[i] = table[input[i] + 128];
}

}  // namespace qrun::kernels
