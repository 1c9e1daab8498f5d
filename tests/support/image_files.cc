#include "image_files.h"

// The one translation unit of the test support library that holds stb_image_write's code.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>

namespace qrun::testing {

bool write_png(const std::string& path, int height, int width, int channels,
               const std::vector<uint8_t>& pixels) {
  return stbi_write_png(path.c_str(), width, height, channels, pixels.data(), width * channels) !=
         0;
}

}  // namespace qrun::testing
