// The definition of AveragePool2D. The int8 sum is taken in integers, so it does not depend on
// the order a SIMD kernel adds in.
#include "pooling/pool2d_reference.h"

namespace qrun::kernels {

void average_pool2d_qs8_reference(const Pool2dGeometry& g, const AveragePoolQs8Params& p,
                                  const int8_t* input, int8_t* output) {
  pool2d_reference<int8_t>(
      g, input, output, [&p](auto at, int y0, int y1, int x0, int x1, int count) {
        int32_t sum = 0;
        for (int y = y0; y < y1; ++y) {
          for (int x = x0; x < x1; ++x) sum += at(y, x) - p.input_zero_point;
        }
        const float multiplier = p.multiplier / static_cast<float>(count);
        return requantize(sum, multiplier, p.output.zero_point, p.output.min, p.output.max);
      });
}

void average_pool2d_f32_reference(const Pool2dGeometry& g, F32Range range, const float* input,
                                  float* output) {
  pool2d_reference<float>(g, input, output,
                          [range](auto at, int y0, int y1, int x0, int x1, int count) {
                            float sum = 0.0f;
                            for (int y = y0; y < y1; ++y) {
                              for (int x = x0; x < x1; ++x) sum += at(y, x);
                            }
                            return clamp_f32(sum / static_cast<float>(count), range);
                          });
}

}  // namespace qrun::kernels
