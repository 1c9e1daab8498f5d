// An image file as a model input: decoded (image_decode.h), then preprocessed as the model says
// (image_preprocessing.h).
#pragma once

#include <string>
#include <vector>

#include "qrun/qrun.h"
#include "qrun/status.h"

namespace qrun::tools {

// Whether the file name says PNG or JPEG: .png, .jpg or .jpeg, in any case.
bool is_image_path(const std::string& path);

// The values of `input` (runtime layout) for the image in `path`. Messages start with `path`.
Status load_image_input(const std::string& path, const qrun_image_preprocessing& steps,
                        const qrun_tensor_info& input, std::vector<float>* values);

}  // namespace qrun::tools
