#include "image_input.h"

#include <algorithm>
#include <cctype>

#include "image_decode.h"
#include "image_preprocessing.h"

namespace qrun::tools {

bool is_image_path(const std::string& path) {
  const size_t dot = path.find_last_of("./");
  if (dot == std::string::npos || path[dot] != '.') return false;
  std::string extension = path.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == "png" || extension == "jpg" || extension == "jpeg";
}

Status load_image_input(const std::string& path, const qrun_image_preprocessing& steps,
                        const qrun_tensor_info& input, std::vector<float>* values) {
  // Checked before decoding: a model that cannot take this image is the first thing to say.
  QRUN_RETURN_IF_ERROR(check_preprocessing(steps, input));
  Image image;
  QRUN_RETURN_IF_ERROR(decode_image(path, steps.channels, &image));
  return preprocess_image(path, image, steps, input, values);
}

}  // namespace qrun::tools
