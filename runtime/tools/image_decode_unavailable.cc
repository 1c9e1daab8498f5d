// The image decoder of a build without stb_image (QRUN_WITH_STB off): it says why it refuses.
#include "image_decode.h"

namespace qrun::tools {

Status decode_image(const std::string& path, int /*channels*/, Image* /*image*/) {
  return Unsupported(path +
                     ": this build cannot decode images (it was configured without stb_image, "
                     "Debian's libstb-dev); give the input as .npy or .bin");
}

}  // namespace qrun::tools
