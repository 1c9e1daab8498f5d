// Reads the image preprocessing a .qfb stores for its inputs (schema: Preprocessing), trusting
// nothing: each entry must name an existing 4-D image input, once, with values that describe an
// image of that input's size and channel count.
#pragma once

#include <optional>
#include <vector>

#include "model_file.h"
#include "qfb_generated.h"
#include "qrun/qrun.h"
#include "tensor.h"

namespace qrun {

// One entry per graph input (`inputs` holds their tensor indices); empty where none is stored.
Status load_preprocessing(const ModelFile& file, const fb::Model& model,
                          const std::vector<Tensor>& tensors, const std::vector<int>& inputs,
                          std::vector<std::optional<qrun_image_preprocessing>>* preprocessing);

}  // namespace qrun
