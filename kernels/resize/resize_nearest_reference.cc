// The definition of nearest-neighbour resize: each output pixel is a copy of its input pixel, or
// of the extrapolation pixel where its row or column tap lies outside the input.
#include <cstring>

#include "resize/resize.h"

namespace qrun::kernels {

void resize_nearest_reference(const ResizeGeometry& g, const ResizeNearestTaps& taps,
                              size_t element_size, const void* outside_pixel, const void* input,
                              void* output) {
  const size_t pixel = g.channels * element_size;
  const auto* in = static_cast<const uint8_t*>(input);
  const auto* outside = static_cast<const uint8_t*>(outside_pixel);
  auto* out = static_cast<uint8_t*>(output);
  for (size_t n = 0; n < g.batch; ++n) {
    const uint8_t* image = in + n * g.input_height * g.input_width * pixel;
    for (size_t y = 0; y < g.output_height; ++y) {
      const bool row_outside = taps.y[y] == kResizeOutside;
      const uint8_t* row =
          row_outside ? nullptr : image + static_cast<size_t>(taps.y[y]) * g.input_width * pixel;
      for (size_t x = 0; x < g.output_width; ++x) {
        const bool is_outside = row_outside || taps.x[x] == kResizeOutside;
        std::memcpy(out, is_outside ? outside : row + static_cast<size_t>(taps.x[x]) * pixel,
                    pixel);
        out += pixel;
      }
    }
  }
}

}  // namespace qrun::kernels
