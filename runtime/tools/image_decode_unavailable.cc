// The image decoder of a build without stb_image (QRUN_WITH_STB off): it says why it refuses.
#include "image_decode.h"

namespace qrun::tools {

Status decode_image_bytes(const std::string& name, const uint8_t* /*data*/, size_t /*size*/,
                          int /*channels*/, Image* /*image*/) {
  return Unsupported(name +
                     ": this build cannot decode images (it was configured without stb_image, "
                     "Debian's libstb-dev); give the input as .npy or .bin");
}

Status decode_image(const std::string& path, int channels, Image* image) {
  return decode_image_bytes(path, nullptr, 0, channels, image);
}

}  // namespace qrun::tools
