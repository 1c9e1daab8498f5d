// libFuzzer target: arbitrary bytes as an image file, decoded to grey and to RGB, then resized and
// cropped. Each step must either fail with a message or give pixels of the size it reports;
// nothing may crash or read out of bounds.
#include <cstddef>
#include <cstdint>

#include "image_decode.h"
#include "image_preprocessing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (int channels : {1, 3}) {
    qrun::tools::Image image;
    const qrun::Status status =
        qrun::tools::decode_image_bytes("input", data, size, channels, &image);
    if (!status.ok()) {
      if (status.message().empty()) __builtin_trap();  // a refusal must say why
      continue;
    }
    if (image.channels != channels ||
        image.pixels.size() != static_cast<size_t>(image.height) * image.width * channels) {
      __builtin_trap();
    }
    // Keep each run small: a valid header may describe a large image.
    if (image.pixels.size() > (1u << 20)) continue;
    const qrun::tools::Image resized = qrun::tools::resize_bilinear(image, 7, 5);
    const qrun::tools::Image cropped = qrun::tools::center_crop(resized, 4, 3);
    if (cropped.pixels.size() != static_cast<size_t>(4 * 3 * channels)) __builtin_trap();
  }
  return 0;
}
