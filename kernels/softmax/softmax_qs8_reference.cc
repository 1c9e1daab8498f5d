// The definition of int8 Softmax: every SIMD kernel must match it bit for bit.
#include "common/requantize.h"
#include "softmax/softmax.h"

namespace qrun::kernels {

void softmax_qs8_reference(size_t rows, size_t length, const int32_t* exp_table,
                           const int8_t* input, int8_t* output) {
  for (size_t r = 0; r < rows; ++r) {
    const int8_t* in = input + r * length;
    int8_t* out = output + r * length;
    int32_t row_max = -128;
    for (size_t i = 0; i < length; ++i) row_max = in[i] > row_max ? in[i] : row_max;
    int64_t sum = 0;
    for (size_t i = 0; i < length; ++i) sum += exp_table[row_max - in[i]];
    const float reciprocal = 1.0f / (kSoftmaxQs8OutputScale * static_cast<float>(sum));
    for (size_t i = 0; i < length; ++i) {
      const float scaled = static_cast<float>(exp_table[row_max - in[i]]) * reciprocal;
      out[i] = requantize(scaled, kSoftmaxQs8OutputZeroPoint, -128, 127);
    }
  }
}

}  // namespace qrun::kernels
