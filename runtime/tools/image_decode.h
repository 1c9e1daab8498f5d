// PNG and JPEG files decoded into 8-bit pixels by stb_image (Debian's libstb-dev). A build
// without it (QRUN_WITH_STB off, e.g. for Android) refuses images and says why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "image.h"
#include "qrun/status.h"

namespace qrun::tools {

// Decodes to `channels` channels: 3 gives RGB (grey is repeated, alpha dropped), 1 gives grey
// (stb_image's (77 R + 150 G + 29 B) >> 8). Messages start with `path`.
Status decode_image(const std::string& path, int channels, Image* image);

// The same for a file's bytes; messages start with `name`.
Status decode_image_bytes(const std::string& name, const uint8_t* data, size_t size, int channels,
                          Image* image);

}  // namespace qrun::tools
