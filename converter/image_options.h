// qconvert's image preprocessing options (--resize, --crop, --mean, --std, --bgr, --layout) and the
// preprocessing they make for the model's input, which the .qfb stores (schema: Preprocessing).
#pragma once

#include <vector>

#include "qrun/qrun.h"
#include "qrun/status.h"

namespace qrun::converter {

struct ImageOptions {
  bool given = false;  // any of the options below was on the command line
  int resize_shorter_side = 0;
  int resize_height = 0;  // with resize_width: resize to exactly this size
  int resize_width = 0;
  int crop_height = 0;
  int crop_width = 0;
  std::vector<float> mean;  // one value for every channel, or one per channel; empty: 0
  std::vector<float> std;   // likewise; empty: 1
  qrun_channel_order channel_order = QRUN_RGB;
  qrun_layout source_layout = QRUN_NCHW;
};

// The preprocessing for `input` (the runtime's input, NHWC): the options, with the mean and std
// given for every channel, checked against the input's channels and size.
Status ResolveImagePreprocessing(const ImageOptions& options, const qrun_tensor_info& input,
                                 qrun_image_preprocessing* steps);

}  // namespace qrun::converter
