// The definition of MaxPool2D, int8 and float.
#include <limits>

#include "pooling/pool2d_reference.h"

namespace qrun::kernels {
namespace {

template <typename Element>
auto window_max() {
  return [](auto at, int y_begin, int y_end, int x_begin, int x_end, int) {
    Element best = std::numeric_limits<Element>::lowest();
    for (int y = y_begin; y < y_end; ++y) {
      for (int x = x_begin; x < x_end; ++x) {
        if (at(y, x) > best) best = at(y, x);
      }
    }
    return best;
  };
}

}  // namespace

void max_pool2d_s8_reference(const Pool2dGeometry& g, int32_t output_min, int32_t output_max,
                             const int8_t* input, int8_t* output) {
  pool2d_reference<int8_t>(g, input, output, [&](auto at, int y0, int y1, int x0, int x1, int n) {
    const int32_t best = window_max<int8_t>()(at, y0, y1, x0, x1, n);
    return static_cast<int8_t>(best < output_min ? output_min
                                                 : (best > output_max ? output_max : best));
  });
}

void max_pool2d_f32_reference(const Pool2dGeometry& g, F32Range range, const float* input,
                              float* output) {
  pool2d_reference<float>(g, input, output, [&](auto at, int y0, int y1, int x0, int x1, int n) {
    return clamp_f32(window_max<float>()(at, y0, y1, x0, x1, n), range);
  });
}

}  // namespace qrun::kernels
