// Image files for tests, written with stb_image_write (Debian's libstb-dev).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qrun::testing {

// `pixels`: row by row, a pixel's `channels` (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA) side by side.
bool write_png(const std::string& path, int height, int width, int channels,
               const std::vector<uint8_t>& pixels);

}  // namespace qrun::testing
