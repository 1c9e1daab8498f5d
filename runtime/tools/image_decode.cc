#include "image_decode.h"

#include <climits>
#include <memory>

#include "file_io.h"

// The one translation unit that holds stb_image's code. PNG and JPEG only (less code to face a
// hostile file); no SIMD, so that every machine runs the same scalar integer decoder and gets the
// same pixels; bounded sizes, so that a small file cannot claim a huge image.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_NO_SIMD
#define STBI_MAX_DIMENSIONS 16384
#include <stb/stb_image.h>

namespace qrun::tools {
namespace {

// 64 megapixels: more than any camera's photo, and a bounded allocation.
constexpr long long kMaxPixels = 1LL << 26;

}  // namespace

Status decode_image(const std::string& path, int channels, Image* image) {
  if (channels != 1 && channels != 3) {
    return InvalidArgument(path + ": images decode to 1 or 3 channels, not " +
                           std::to_string(channels));
  }
  std::string bytes;
  QRUN_RETURN_IF_ERROR(read_file(path, &bytes));
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return InvalidArgument(path + ": the image file is larger than 2 GiB");
  }
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int size = static_cast<int>(bytes.size());
  int width = 0, height = 0, file_channels = 0;
  if (!stbi_info_from_memory(data, size, &width, &height, &file_channels)) {
    return InvalidArgument(path + ": not a PNG or JPEG image that can be decoded (" +
                           stbi_failure_reason() + ")");
  }
  if (static_cast<long long>(width) * height > kMaxPixels) {
    return InvalidArgument(path + ": the image is " + std::to_string(width) + "x" +
                           std::to_string(height) + ", more than " +
                           std::to_string(kMaxPixels >> 20) + " megapixels");
  }
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(data, size, &width, &height, &file_channels, channels),
      stbi_image_free);
  if (pixels == nullptr) {
    return InvalidArgument(path + ": cannot decode the image (" + stbi_failure_reason() + ")");
  }
  image->height = height;
  image->width = width;
  image->channels = channels;
  const size_t count = static_cast<size_t>(width) * static_cast<size_t>(height) * channels;
  image->pixels.assign(pixels.get(), pixels.get() + count);
  return Status::Ok();
}

}  // namespace qrun::tools
