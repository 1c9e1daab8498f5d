#include "image_decode.h"

#include <climits>
#include <memory>

#include "file_io.h"
#include "jpeg_huffman_check.h"

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
  std::string bytes;
  QRUN_RETURN_IF_ERROR(read_file(path, &bytes));
  return decode_image_bytes(path, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                            channels, image);
}

Status decode_image_bytes(const std::string& name, const uint8_t* data, size_t size, int channels,
                          Image* image) {
  if (channels != 1 && channels != 3) {
    return InvalidArgument(name + ": images decode to 1 or 3 channels, not " +
                           std::to_string(channels));
  }
  if (size > static_cast<size_t>(INT_MAX)) {
    return InvalidArgument(name + ": the image file is larger than 2 GiB");
  }
  QRUN_RETURN_IF_ERROR(check_jpeg_huffman_tables(name, data, size));
  const int length = static_cast<int>(size);
  int width = 0, height = 0, file_channels = 0;
  if (!stbi_info_from_memory(data, length, &width, &height, &file_channels)) {
    return InvalidArgument(name + ": not a PNG or JPEG image that can be decoded (" +
                           stbi_failure_reason() + ")");
  }
  // Bounds every size stb_image computes, 16-bit PNGs' included, far below 2^31.
  if (static_cast<long long>(width) * height > kMaxPixels) {
    return InvalidArgument(name + ": the image is " + std::to_string(height) + "x" +
                           std::to_string(width) + " (height x width), more than " +
                           std::to_string(kMaxPixels >> 20) + " megapixels");
  }
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(data, length, &width, &height, &file_channels, channels),
      stbi_image_free);
  if (pixels == nullptr) {
    return InvalidArgument(name + ": cannot decode the image (" + stbi_failure_reason() + ")");
  }
  image->height = height;
  image->width = width;
  image->channels = channels;
  const size_t count = static_cast<size_t>(width) * static_cast<size_t>(height) * channels;
  image->pixels.assign(pixels.get(), pixels.get() + count);
  return Status::Ok();
}

}  // namespace qrun::tools
