#include "preprocessing_loader.h"

#include <cmath>
#include <string>

namespace qrun {
namespace {

// Far beyond any model's image side; keeps every size product within int range.
constexpr int kMaxImageSide = 16384;

bool side_in_range(int side) {
  return side >= 0 && side <= kMaxImageSide;
}

// The input's height, width and channels, from its runtime shape and the source layout (see
// SourceLayout in the schema).
void image_dimensions(const Tensor& input, qrun_layout layout, int* height, int* width,
                      int* channels) {
  if (layout == QRUN_NCHW) {
    *height = input.shape[1], *width = input.shape[2], *channels = input.shape[3];
  } else {
    *height = input.shape[3], *width = input.shape[1], *channels = input.shape[2];
  }
}

Status read_channel_values(const std::string& where, const char* what,
                           const flatbuffers::Vector<float>* values, int channels, float* out) {
  if (values == nullptr || values->size() != static_cast<size_t>(channels)) {
    return InvalidModel(where + ": needs one " + what + " per channel (" +
                        std::to_string(channels) + ")");
  }
  for (int c = 0; c < channels; ++c) {
    out[c] = values->Get(c);
    if (!std::isfinite(out[c])) {
      return InvalidModel(where + ": " + what + " " + std::to_string(out[c]) + " is not finite");
    }
  }
  return Status::Ok();
}

Status load_entry(const std::string& where, const fb::Preprocessing& source, const Tensor& input,
                  qrun_image_preprocessing* steps) {
  if (input.rank() != 4 || input.shape[0] != 1 ||
      (input.type != ElementType::kFloat32 && input.type != ElementType::kInt8)) {
    return InvalidModel(where + ": input '" + input.name + "' (" + element_type_name(input.type) +
                        shape_string(input.shape) +
                        ") cannot take an image (it needs a 4-D float32 or int8 input of batch 1)");
  }
  if (source.channel_order() != fb::ChannelOrder::RGB &&
      source.channel_order() != fb::ChannelOrder::BGR) {
    return InvalidModel(where + ": unknown channel order " +
                        std::to_string(static_cast<int>(source.channel_order())));
  }
  if (source.source_layout() != fb::SourceLayout::NCHW &&
      source.source_layout() != fb::SourceLayout::NHWC) {
    return InvalidModel(where + ": unknown source layout " +
                        std::to_string(static_cast<int>(source.source_layout())));
  }
  steps->channel_order = source.channel_order() == fb::ChannelOrder::BGR ? QRUN_BGR : QRUN_RGB;
  steps->source_layout = source.source_layout() == fb::SourceLayout::NHWC ? QRUN_NHWC : QRUN_NCHW;
  int height = 0, width = 0;
  image_dimensions(input, steps->source_layout, &height, &width, &steps->channels);
  if (steps->channels != 1 && steps->channels != 3) {
    return InvalidModel(where + ": input '" + input.name + "' " + shape_string(input.shape) +
                        " has " + std::to_string(steps->channels) +
                        " channels in its source layout; images have 1 or 3");
  }
  QRUN_RETURN_IF_ERROR(
      read_channel_values(where, "mean", source.mean(), steps->channels, steps->mean));
  QRUN_RETURN_IF_ERROR(
      read_channel_values(where, "std", source.std(), steps->channels, steps->std));
  for (int c = 0; c < steps->channels; ++c) {
    if (!(steps->std[c] > 0.0f)) {
      return InvalidModel(where + ": std " + std::to_string(steps->std[c]) + " is not positive");
    }
  }
  steps->resize_shorter_side = source.resize_shorter_side();
  steps->resize_height = source.resize_height();
  steps->resize_width = source.resize_width();
  steps->crop_height = source.crop_height();
  steps->crop_width = source.crop_width();
  for (int side : {steps->resize_shorter_side, steps->resize_height, steps->resize_width,
                   steps->crop_height, steps->crop_width}) {
    if (!side_in_range(side)) {
      return InvalidModel(where + ": size " + std::to_string(side) + " is outside [0, " +
                          std::to_string(kMaxImageSide) + "]");
    }
  }
  const bool exact_resize = steps->resize_height > 0;
  const bool crop = steps->crop_height > 0;
  if (exact_resize != (steps->resize_width > 0) || crop != (steps->crop_width > 0) ||
      (exact_resize && steps->resize_shorter_side > 0)) {
    return InvalidModel(where + ": resize and crop sizes need both a height and a width, and " +
                        "one resize at most");
  }
  const int final_height = crop ? steps->crop_height : steps->resize_height;
  const int final_width = crop ? steps->crop_width : steps->resize_width;
  if ((crop || exact_resize) && (final_height != height || final_width != width)) {
    return InvalidModel(where + ": gives " + std::to_string(final_height) + "x" +
                        std::to_string(final_width) + " images, but input '" + input.name +
                        "' takes " + std::to_string(height) + "x" + std::to_string(width));
  }
  if (crop && exact_resize &&
      (steps->crop_height > steps->resize_height || steps->crop_width > steps->resize_width)) {
    return InvalidModel(where + ": crops more than the resized image holds");
  }
  return Status::Ok();
}

}  // namespace

Status load_preprocessing(const ModelFile& file, const fb::Model& model,
                          const std::vector<Tensor>& tensors, const std::vector<int>& inputs,
                          std::vector<std::optional<qrun_image_preprocessing>>* preprocessing) {
  preprocessing->assign(inputs.size(), std::nullopt);
  if (model.preprocessing() == nullptr) return Status::Ok();
  for (size_t i = 0; i < model.preprocessing()->size(); ++i) {
    const fb::Preprocessing* source = model.preprocessing()->Get(static_cast<unsigned>(i));
    const std::string where = file.name() + ": preprocessing " + std::to_string(i);
    const int input = source->input();
    if (input < 0 || static_cast<size_t>(input) >= inputs.size()) {
      return InvalidModel(where + " is for input " + std::to_string(input) +
                          ", which does not exist");
    }
    if ((*preprocessing)[input]) {
      return InvalidModel(where + " is the second one for input " + std::to_string(input));
    }
    qrun_image_preprocessing steps{};
    QRUN_RETURN_IF_ERROR(load_entry(where, *source, tensors[inputs[input]], &steps));
    (*preprocessing)[input] = steps;
  }
  return Status::Ok();
}

}  // namespace qrun
