// Where each output row and column of a resize reads from: ONNX's coordinate transformations and
// rounding modes, in double. Computed once at load time with +, -, * and / only, which IEEE
// arithmetic gives alike on every CPU, so every kernel and every ISA blends the same taps.
#include <algorithm>
#include <cmath>

#include "resize/resize.h"

namespace qrun::kernels {
namespace {

double Clamp(double value, size_t length) {
  return std::min(std::max(value, 0.0), static_cast<double>(length - 1));
}

// tf_crop_and_resize extrapolates where the others clamp.
bool IsOutside(ResizeCoordinates coordinates, double source, size_t length) {
  return coordinates == ResizeCoordinates::kTfCropAndResize &&
         (source < 0.0 || source > static_cast<double>(length - 1));
}

// ONNX's resized length, input * scale unrounded, as its reference takes it (5 * 0.5 = 2.5 where
// the output has 2). A scale that is output / input in float32, as the converter writes for sizes,
// stands for the output's own length, which the product would miss by the float's rounding.
double ResizedLength(const ResizeAxis& axis) {
  const float sizes_scale = static_cast<float>(axis.output) / static_cast<float>(axis.input);
  return static_cast<float>(axis.scale) == sizes_scale
             ? static_cast<double>(axis.output)
             : static_cast<double>(axis.input) * axis.scale;
}

double RoundNearest(ResizeNearestRounding rounding, double value) {
  switch (rounding) {
    case ResizeNearestRounding::kRoundPreferFloor:
      return value == std::floor(value) + 0.5 ? std::floor(value) : std::round(value);
    case ResizeNearestRounding::kRoundPreferCeil:
      return value == std::floor(value) + 0.5 ? std::ceil(value) : std::round(value);
    case ResizeNearestRounding::kFloor: return std::floor(value);
    case ResizeNearestRounding::kCeil: return std::ceil(value);
  }
  return std::floor(value);
}

}  // namespace

double resize_source_coordinate(ResizeCoordinates coordinates, const ResizeAxis& axis, size_t x) {
  const double position = static_cast<double>(x);
  switch (coordinates) {
    case ResizeCoordinates::kHalfPixel: return (position + 0.5) / axis.scale - 0.5;
    case ResizeCoordinates::kPytorchHalfPixel:
      return axis.output > 1 ? (position + 0.5) / axis.scale - 0.5 : 0.0;
    case ResizeCoordinates::kAlignCorners: {
      // ONNX's resized length is input * scale, unrounded: with scales that need not be the
      // output's integer length (4 * 0.6 = 2.4 where the output has 2), with sizes it is.
      const double resized = static_cast<double>(axis.input) * axis.scale;
      return axis.output > 1 ? position * static_cast<double>(axis.input - 1) / (resized - 1.0)
                             : 0.0;
    }
    case ResizeCoordinates::kAsymmetric: return position / axis.scale;
    case ResizeCoordinates::kTfHalfPixelForNn: return (position + 0.5) / axis.scale;
    case ResizeCoordinates::kTfCropAndResize: {
      // In the order of ONNX's reference, which takes the roi's extent in float32 and the rest in
      // double, so that coordinates on a pixel or half-way between two stay exactly there.
      const float extent = axis.roi_end - axis.roi_start;
      const double last = static_cast<double>(axis.input - 1);
      const double start = static_cast<double>(axis.roi_start) * last;
      const double resized = ResizedLength(axis);
      return resized > 1.0 ? position * extent * last / (resized - 1.0) + start
                           : extent * last / 2.0 + start;
    }
  }
  return 0.0;
}

void resize_nearest_taps(ResizeCoordinates coordinates, ResizeNearestRounding rounding,
                         const ResizeAxis& axis, int32_t* index) {
  for (size_t x = 0; x < axis.output; ++x) {
    const double source = resize_source_coordinate(coordinates, axis, x);
    index[x] = IsOutside(coordinates, source, axis.input)
                   ? kResizeOutside
                   : static_cast<int32_t>(Clamp(RoundNearest(rounding, source), axis.input));
  }
}

void resize_linear_taps(ResizeCoordinates coordinates, const ResizeAxis& axis, int32_t* index0,
                        int32_t* index1, int32_t* weight1, float* fraction1) {
  for (size_t x = 0; x < axis.output; ++x) {
    const double unclamped = resize_source_coordinate(coordinates, axis, x);
    if (IsOutside(coordinates, unclamped, axis.input)) {
      index0[x] = index1[x] = kResizeOutside;
      weight1[x] = 0;
      fraction1[x] = 0.0f;
      continue;
    }
    const double source = Clamp(unclamped, axis.input);
    const double first = std::floor(source);
    const double fraction = source - first;
    index0[x] = static_cast<int32_t>(first);
    index1[x] = std::min(index0[x] + 1, static_cast<int32_t>(axis.input - 1));
    weight1[x] = static_cast<int32_t>(std::nearbyint(fraction * kResizeWeightOne));
    fraction1[x] = static_cast<float>(fraction);
  }
}

}  // namespace qrun::kernels
