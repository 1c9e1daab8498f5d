// An 8-bit image in memory: what a decoded PNG or JPEG is before it becomes a model input.
#pragma once

#include <cstdint>
#include <vector>

namespace qrun::tools {

struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;             // 1 (grey) or 3 (RGB)
  std::vector<uint8_t> pixels;  // row by row, a pixel's channels side by side

  uint8_t at(int y, int x, int c) const {
    return pixels[(static_cast<size_t>(y) * width + x) * channels + c];
  }
};

}  // namespace qrun::tools
