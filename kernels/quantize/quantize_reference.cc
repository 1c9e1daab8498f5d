// The definition of Quantize and Dequantize.
#include "common/requantize.h"
#include "quantize/quantize.h"

namespace qrun::kernels {

void quantize_f32_qs8_reference(size_t count, float scale, int32_t zero_point, const float* input,
                                int8_t* output) {
  for (size_t i = 0; i < count; ++i)
    output[i] = requantize(input[i] / scale, zero_point, -128, 127);
}

void dequantize_qs8_f32_reference(size_t count, float scale, int32_t zero_point,
                                  const int8_t* input, float* output) {
  for (size_t i = 0; i < count; ++i) output[i] = static_cast<float>(input[i] - zero_point) * scale;
}

}  // namespace qrun::kernels
