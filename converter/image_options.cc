#include "converter/image_options.h"

#include "runtime/tools/image_preprocessing.h"

namespace qrun::converter {
namespace {

Status PerChannel(const char* option, const std::vector<float>& given, float otherwise,
                  int channels, float* out) {
  if (given.size() > 1 && given.size() != static_cast<size_t>(channels)) {
    return InvalidArgument(std::string(option) + " gives " + std::to_string(given.size()) +
                           " values, but the input has " + std::to_string(channels) +
                           (channels == 1 ? " channel" : " channels") +
                           " (give one value, or one per channel)");
  }
  for (int c = 0; c < channels; ++c) {
    out[c] = given.empty() ? otherwise : given[given.size() == 1 ? 0 : static_cast<size_t>(c)];
  }
  return Status::Ok();
}

}  // namespace

Status ResolveImagePreprocessing(const ImageOptions& options, const qrun_tensor_info& input,
                                 qrun_image_preprocessing* steps) {
  *steps = qrun_image_preprocessing{};
  steps->resize_shorter_side = options.resize_shorter_side;
  steps->resize_height = options.resize_height;
  steps->resize_width = options.resize_width;
  steps->crop_height = options.crop_height;
  steps->crop_width = options.crop_width;
  steps->channel_order = options.channel_order;
  steps->source_layout = options.source_layout;
  // The channels as the source model has them (the converter read its shape as NCHW).
  if (input.rank == 4) {
    steps->channels = options.source_layout == QRUN_NCHW ? input.shape[3] : input.shape[2];
  }
  if (steps->channels == 1 || steps->channels == 3) {
    QRUN_RETURN_IF_ERROR(PerChannel("--mean", options.mean, 0.0f, steps->channels, steps->mean));
    QRUN_RETURN_IF_ERROR(PerChannel("--std", options.std, 1.0f, steps->channels, steps->std));
  }
  const Status fits = tools::check_preprocessing(*steps, input);
  if (!fits.ok()) {
    return InvalidArgument("the image preprocessing does not fit the model: " + fits.message());
  }
  return Status::Ok();
}

}  // namespace qrun::converter
