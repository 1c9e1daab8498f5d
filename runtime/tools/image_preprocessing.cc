#include "image_preprocessing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace qrun::tools {
namespace {

constexpr int kWeightBits = 11;
constexpr int kWeightOne = 1 << kWeightBits;

struct ImageShape {
  int height = 0;
  int width = 0;
  int channels = 0;
};

// Where the converter put the source layout's height, width and channels in the runtime's NHWC
// shape: it reads every 4-D source shape as NCHW (schema/qfb.fbs, SourceLayout).
ImageShape input_image_shape(const qrun_tensor_info& input, qrun_layout layout) {
  if (layout == QRUN_NCHW) return {input.shape[1], input.shape[2], input.shape[3]};
  return {input.shape[3], input.shape[1], input.shape[2]};
}

std::string size_text(int64_t height, int64_t width) {
  return std::to_string(height) + "x" + std::to_string(width);
}

std::string shape_text(const qrun_tensor_info& input) {
  std::string text = "[";
  for (int d = 0; d < input.rank; ++d) text += (d ? "," : "") + std::to_string(input.shape[d]);
  return text + "]";
}

std::string values_text(const float* values, int count) {
  std::string text;
  for (int c = 0; c < count; ++c) {
    char number[32];
    std::snprintf(number, sizeof number, "%g", values[c]);
    text += (c ? "," : "") + std::string(number);
  }
  return text;
}

// One output position along an axis: the two source pixels it reads and the second one's weight
// in 1/2048ths. The source position is ((2 i + 1) in - out) / (2 out), clamped to [0, in - 1].
struct Tap {
  int first = 0;
  int second = 0;
  int weight = 0;
};

std::vector<Tap> bilinear_taps(int in, int out) {
  std::vector<Tap> taps(static_cast<size_t>(out));
  const int64_t denominator = 2 * static_cast<int64_t>(out);
  for (int i = 0; i < out; ++i) {
    const int64_t numerator = (2 * static_cast<int64_t>(i) + 1) * in - out;
    Tap& tap = taps[static_cast<size_t>(i)];
    if (numerator > 0) {
      tap.first = static_cast<int>(numerator / denominator);
      // The fraction rounded half up to 11 bits.
      tap.weight = static_cast<int>((numerator % denominator * kWeightOne + out) / denominator);
      if (tap.first >= in - 1) tap = Tap{in - 1, in - 1, 0};
    }
    tap.second = std::min(tap.first + 1, in - 1);
  }
  return taps;
}

int round_half_to_even_half(int difference) {
  const int half = difference / 2;
  return difference % 2 != 0 && half % 2 != 0 ? half + 1 : half;
}

}  // namespace

Status check_preprocessing(const qrun_image_preprocessing& steps, const qrun_tensor_info& input) {
  const std::string what = "input '" + std::string(input.name) + "' " + shape_text(input);
  if (input.rank != 4 || input.shape[0] != 1) {
    return InvalidArgument(what + " cannot take an image: it needs a 4-D input of batch 1");
  }
  if ((steps.source_layout != QRUN_NCHW && steps.source_layout != QRUN_NHWC) ||
      (steps.channel_order != QRUN_RGB && steps.channel_order != QRUN_BGR)) {
    return InvalidArgument("image preprocessing with an unknown layout or channel order");
  }
  const ImageShape shape = input_image_shape(input, steps.source_layout);
  const char* layout = steps.source_layout == QRUN_NCHW ? "NCHW" : "NHWC";
  if (shape.channels != 1 && shape.channels != 3) {
    return InvalidArgument(what + " has " + std::to_string(shape.channels) +
                           " channels if its source layout is " + layout + "; images have 1 or 3");
  }
  if (steps.channels != shape.channels) {
    return InvalidArgument("image preprocessing for " + std::to_string(steps.channels) +
                           " channels, but " + what + " has " + std::to_string(shape.channels) +
                           " (" + layout + ")");
  }
  for (int c = 0; c < steps.channels; ++c) {
    if (!std::isfinite(steps.mean[c]) || !std::isfinite(steps.std[c]) || !(steps.std[c] > 0)) {
      return InvalidArgument(
          "image preprocessing needs finite means and positive finite std "
          "values, not mean " +
          values_text(steps.mean, steps.channels) + ", std " +
          values_text(steps.std, steps.channels));
    }
  }
  for (int side : {steps.resize_shorter_side, steps.resize_height, steps.resize_width,
                   steps.crop_height, steps.crop_width}) {
    if (side < 0 || side > kMaxImageSide) {
      return InvalidArgument("image size " + std::to_string(side) + " is outside [0, " +
                             std::to_string(kMaxImageSide) + "]");
    }
  }
  const bool exact_resize = steps.resize_height > 0;
  const bool crop = steps.crop_height > 0;
  if (exact_resize != (steps.resize_width > 0) || crop != (steps.crop_width > 0)) {
    return InvalidArgument("a resize or crop size needs both a height and a width");
  }
  if (exact_resize && steps.resize_shorter_side > 0) {
    return InvalidArgument("resize to a size or by the shorter side, not both");
  }
  if (crop && exact_resize &&
      (steps.crop_height > steps.resize_height || steps.crop_width > steps.resize_width)) {
    return InvalidArgument("center crop " + size_text(steps.crop_height, steps.crop_width) +
                           " is larger than the resized image, " +
                           size_text(steps.resize_height, steps.resize_width));
  }
  if (crop || exact_resize) {
    const int height = crop ? steps.crop_height : steps.resize_height;
    const int width = crop ? steps.crop_width : steps.resize_width;
    if (height != shape.height || width != shape.width) {
      return InvalidArgument(std::string(crop ? "center crop " : "resize to ") +
                             size_text(height, width) + " gives images of that size, but " + what +
                             " takes " + size_text(shape.height, shape.width) + " (" + layout +
                             ")");
    }
  }
  return Status::Ok();
}

void shorter_side_size(int height, int width, int shorter_side, int64_t* new_height,
                       int64_t* new_width) {
  if (height <= width) {
    *new_height = shorter_side;
    *new_width = static_cast<int64_t>(width) * shorter_side / height;
  } else {
    *new_width = shorter_side;
    *new_height = static_cast<int64_t>(height) * shorter_side / width;
  }
}

Image resize_bilinear(const Image& image, int height, int width) {
  const std::vector<Tap> rows = bilinear_taps(image.height, height);
  const std::vector<Tap> columns = bilinear_taps(image.width, width);
  Image out;
  out.height = height;
  out.width = width;
  out.channels = image.channels;
  out.pixels.resize(static_cast<size_t>(height) * width * image.channels);
  size_t next = 0;
  for (const Tap& row : rows) {
    for (const Tap& column : columns) {
      for (int c = 0; c < image.channels; ++c) {
        const auto line = [&](int y) {
          return static_cast<int64_t>(image.at(y, column.first, c)) * (kWeightOne - column.weight) +
                 static_cast<int64_t>(image.at(y, column.second, c)) * column.weight;
        };
        const int64_t sum = line(row.first) * (kWeightOne - row.weight) +
                            line(row.second) * row.weight + (int64_t{1} << (2 * kWeightBits - 1));
        out.pixels[next++] = static_cast<uint8_t>(sum >> (2 * kWeightBits));
      }
    }
  }
  return out;
}

Image center_crop(const Image& image, int height, int width) {
  const int top = round_half_to_even_half(image.height - height);
  const int left = round_half_to_even_half(image.width - width);
  Image out;
  out.height = height;
  out.width = width;
  out.channels = image.channels;
  const size_t row_bytes = static_cast<size_t>(width) * image.channels;
  out.pixels.resize(row_bytes * height);
  for (int y = 0; y < height; ++y) {
    const uint8_t* source =
        &image.pixels[(static_cast<size_t>(top + y) * image.width + left) * image.channels];
    std::copy(source, source + row_bytes, &out.pixels[row_bytes * y]);
  }
  return out;
}

Status preprocess_image(const std::string& name, const Image& image,
                        const qrun_image_preprocessing& steps, const qrun_tensor_info& input,
                        std::vector<float>* values) {
  QRUN_RETURN_IF_ERROR(check_preprocessing(steps, input));
  if (image.channels != steps.channels || image.height <= 0 || image.width <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.height) * image.width * image.channels) {
    return InvalidArgument(name + ": the decoded image does not have " +
                           std::to_string(steps.channels) + " channels");
  }
  Image current = image;
  int64_t height = image.height, width = image.width;
  if (steps.resize_shorter_side > 0) {
    shorter_side_size(image.height, image.width, steps.resize_shorter_side, &height, &width);
  } else if (steps.resize_height > 0) {
    height = steps.resize_height;
    width = steps.resize_width;
  }
  if (height > kMaxImageSide || width > kMaxImageSide) {
    return InvalidArgument(name + ": " + size_text(image.height, image.width) +
                           " (height x width) resized to shorter side " +
                           std::to_string(steps.resize_shorter_side) + " would be " +
                           size_text(height, width) + ", more than " +
                           std::to_string(kMaxImageSide) + " on a side");
  }
  if (height != image.height || width != image.width) {
    current = resize_bilinear(current, static_cast<int>(height), static_cast<int>(width));
  }
  if (steps.crop_height > 0) {
    if (steps.crop_height > current.height || steps.crop_width > current.width) {
      return InvalidArgument(
          name + ": the image is " + size_text(current.height, current.width) +
          " (height x width)" +
          (current.height == image.height && current.width == image.width ? ""
                                                                          : " after resizing") +
          ", smaller than the center crop " + size_text(steps.crop_height, steps.crop_width));
    }
    current = center_crop(current, steps.crop_height, steps.crop_width);
  }
  const ImageShape shape = input_image_shape(input, steps.source_layout);
  if (current.height != shape.height || current.width != shape.width) {
    return InvalidArgument(
        name + ": the image is " + size_text(image.height, image.width) + " (height x width)" +
        (current.height == image.height && current.width == image.width
             ? ""
             : ", " + size_text(current.height, current.width) + " after resizing and cropping") +
        ", but input '" + input.name + "' takes " + size_text(shape.height, shape.width) +
        " images");
  }
  const int channels = shape.channels;
  const bool bgr = steps.channel_order == QRUN_BGR && channels == 3;
  values->resize(static_cast<size_t>(shape.height) * shape.width * channels);
  for (int y = 0; y < shape.height; ++y) {
    for (int x = 0; x < shape.width; ++x) {
      for (int c = 0; c < channels; ++c) {
        const float pixel = static_cast<float>(current.at(y, x, bgr ? 2 - c : c));
        // Source NCHW [1,C,H,W] is runtime [1,H,W,C]; source NHWC [1,H,W,C] is runtime [1,W,C,H].
        const size_t at = steps.source_layout == QRUN_NCHW
                              ? (static_cast<size_t>(y) * shape.width + x) * channels + c
                              : (static_cast<size_t>(x) * channels + c) * shape.height + y;
        (*values)[at] = (pixel / 255.0f - steps.mean[c]) / steps.std[c];
      }
    }
  }
  return Status::Ok();
}

std::string describe_preprocessing(const qrun_image_preprocessing& steps) {
  std::string text;
  if (steps.resize_shorter_side > 0) {
    text += "resize shorter side to " + std::to_string(steps.resize_shorter_side) + ", ";
  } else if (steps.resize_height > 0) {
    text += "resize to " + size_text(steps.resize_height, steps.resize_width) + ", ";
  }
  if (steps.crop_height > 0) {
    text += "center crop " + size_text(steps.crop_height, steps.crop_width) + ", ";
  }
  const int channels = std::clamp(steps.channels, 0, 3);
  text += channels == 1 ? "grey" : steps.channel_order == QRUN_BGR ? "BGR" : "RGB";
  text += ", mean " + values_text(steps.mean, channels) + ", std " +
          values_text(steps.std, channels) + ", source layout " +
          (steps.source_layout == QRUN_NHWC ? "NHWC" : "NCHW");
  return text;
}

}  // namespace qrun::tools
