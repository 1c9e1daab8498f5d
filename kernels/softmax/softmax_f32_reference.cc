// The float Softmax, shifted by the row maximum so that exp never overflows.
#include <cmath>

#include "softmax/softmax.h"

namespace qrun::kernels {

void softmax_f32_reference(size_t rows, size_t length, const float* input, float* output) {
  for (size_t r = 0; r < rows; ++r) {
    const float* in = input + r * length;
    float* out = output + r * length;
    float row_max = in[0];
    for (size_t i = 1; i < length; ++i) row_max = in[i] > row_max ? in[i] : row_max;
    float sum = 0.0f;
    for (size_t i = 0; i < length; ++i) {
      out[i] = std::exp(in[i] - row_max);
      sum += out[i];
    }
    for (size_t i = 0; i < length; ++i) out[i] /= sum;
  }
}

}  // namespace qrun::kernels
