// The one definition of how an 8-bit image becomes a model's float input (schema/qfb.fbs,
// Preprocessing, states the arithmetic): `qrun model.qfb photo.jpg` and qconvert's calibration on
// image files both come here. Integers up to the last step, and there float32 without fused
// multiply-adds (built with -ffp-contract=off), so that an image gives the same input bits on
// every machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image.h"
#include "qrun/qrun.h"
#include "qrun/status.h"

namespace qrun::tools {

constexpr int kMaxImageSide = 16384;

// Whether `steps` can feed `input` (a runtime input, NHWC): 4-D with batch 1, 1 or 3 channels in
// the source layout and as many mean and std values, std positive, resize and crop sizes in
// [0, kMaxImageSide] that agree with the input's height and width. Messages name the input.
Status check_preprocessing(const qrun_image_preprocessing& steps, const qrun_tensor_info& input);

// The size that resizing a height x width image to `shorter_side` gives (torchvision's
// Resize(int)): the shorter side becomes shorter_side, the longer one
// floor(longer * shorter_side / shorter).
void shorter_side_size(int height, int width, int shorter_side, int64_t* new_height,
                       int64_t* new_width);

// Bilinear resize with half-pixel centres and 11-bit weights, rounded back to 8 bits (step 2 of
// Preprocessing). Sizes are positive.
Image resize_bilinear(const Image& image, int height, int width);

// The centre height x width window (step 3), which must fit in the image.
Image center_crop(const Image& image, int height, int width);

// Steps 2 to 5 on a decoded image of steps.channels channels: the values of `input` in its
// runtime layout. Messages start with `name`, the image's file.
Status preprocess_image(const std::string& name, const Image& image,
                        const qrun_image_preprocessing& steps, const qrun_tensor_info& input,
                        std::vector<float>* values);

// One line for people, e.g. "resize shorter side to 256, center crop 224x224, RGB, mean
// 0.485,0.456,0.406, std 0.229,0.224,0.225, source layout NCHW".
std::string describe_preprocessing(const qrun_image_preprocessing& steps);

}  // namespace qrun::tools
