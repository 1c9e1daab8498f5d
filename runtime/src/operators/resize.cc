// RESIZE of H and W of an NHWC tensor: nearest copies pixels (values and parameters unchanged),
// linear blends four (int8 in exact integer sums, requantized once); tf_crop_and_resize writes its
// extrapolation value where a tap lies outside the input. The taps are computed here, at load
// time, so running only gathers.
#include <cmath>
#include <cstring>

#include "operators/checks.h"

namespace qrun {
namespace {

Status coordinates_of(const OperatorSource& s, fb::ResizeCoordinates source,
                      kernels::ResizeCoordinates* out) {
  switch (source) {
    case fb::ResizeCoordinates::HALF_PIXEL: *out = kernels::ResizeCoordinates::kHalfPixel; break;
    case fb::ResizeCoordinates::PYTORCH_HALF_PIXEL:
      *out = kernels::ResizeCoordinates::kPytorchHalfPixel;
      break;
    case fb::ResizeCoordinates::ALIGN_CORNERS:
      *out = kernels::ResizeCoordinates::kAlignCorners;
      break;
    case fb::ResizeCoordinates::ASYMMETRIC: *out = kernels::ResizeCoordinates::kAsymmetric; break;
    case fb::ResizeCoordinates::TF_HALF_PIXEL_FOR_NN:
      *out = kernels::ResizeCoordinates::kTfHalfPixelForNn;
      break;
    case fb::ResizeCoordinates::TF_CROP_AND_RESIZE:
      *out = kernels::ResizeCoordinates::kTfCropAndResize;
      break;
    default:
      return s.error("unknown coordinate transformation " +
                     std::to_string(static_cast<int>(source)));
  }
  return Status::Ok();
}

Status rounding_of(const OperatorSource& s, fb::ResizeNearestRounding source,
                   kernels::ResizeNearestRounding* out) {
  switch (source) {
    case fb::ResizeNearestRounding::ROUND_PREFER_FLOOR:
      *out = kernels::ResizeNearestRounding::kRoundPreferFloor;
      break;
    case fb::ResizeNearestRounding::ROUND_PREFER_CEIL:
      *out = kernels::ResizeNearestRounding::kRoundPreferCeil;
      break;
    case fb::ResizeNearestRounding::FLOOR: *out = kernels::ResizeNearestRounding::kFloor; break;
    case fb::ResizeNearestRounding::CEIL: *out = kernels::ResizeNearestRounding::kCeil; break;
    default: return s.error("unknown nearest rounding " + std::to_string(static_cast<int>(source)));
  }
  return Status::Ok();
}

// The extrapolation value as the output holds it: int8 quantized with the output's parameters
// (rounded half to even and saturated, as QUANTIZE does), float as it is.
int8_t quantized_outside(const Tensor& output, float value) {
  return kernels::requantize(value / output.scale(), output.zero_point(), -128, 127);
}

std::vector<uint8_t> outside_pixel(const Tensor& output, float value, size_t channels) {
  std::vector<uint8_t> pixel(channels * element_size(output.type));
  for (size_t c = 0; c < channels; ++c) {
    if (output.type == ElementType::kInt8) {
      pixel[c] = static_cast<uint8_t>(quantized_outside(output, value));
    } else {
      std::memcpy(pixel.data() + c * sizeof(float), &value, sizeof(float));
    }
  }
  return pixel;
}

struct LinearTapTables {
  std::vector<int32_t> y0, y1, y_weight1, x0, x1, x_weight1;
  std::vector<float> y_fraction1, x_fraction1;

  kernels::ResizeLinearTaps view() const {
    return {y0.data(), y1.data(), y_weight1.data(), y_fraction1.data(),
            x0.data(), x1.data(), x_weight1.data(), x_fraction1.data()};
  }
};

void linear_taps(kernels::ResizeCoordinates coordinates, const kernels::ResizeAxis& axis,
                 std::vector<int32_t>* index0, std::vector<int32_t>* index1,
                 std::vector<int32_t>* weight1, std::vector<float>* fraction1) {
  index0->resize(axis.output);
  index1->resize(axis.output);
  weight1->resize(axis.output);
  fraction1->resize(axis.output);
  kernels::resize_linear_taps(coordinates, axis, index0->data(), index1->data(), weight1->data(),
                              fraction1->data());
}

}  // namespace

Status make_resize(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 1, 1));
  const fb::ResizeOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_rank(s, input, 4));
  QRUN_RETURN_IF_ERROR(expect_rank(s, output, 4));
  QRUN_RETURN_IF_ERROR(expect_type(s, output, input.type));
  if (output.shape[0] != input.shape[0] || output.shape[3] != input.shape[3]) {
    return s.error("resizes H and W only: input " + shape_string(input.shape) + ", output " +
                   shape_string(output.shape));
  }
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  const float scale_h = options->scale_h();
  const float scale_w = options->scale_w();
  if (!std::isfinite(scale_h) || !std::isfinite(scale_w) || scale_h <= 0 || scale_w <= 0) {
    return s.error("scales must be positive finite numbers");
  }
  for (const float bound : {options->roi_h_start(), options->roi_h_end(), options->roi_w_start(),
                            options->roi_w_end()}) {
    if (!std::isfinite(bound)) return s.error("roi bounds must be finite numbers");
  }
  kernels::ResizeCoordinates coordinates = kernels::ResizeCoordinates::kHalfPixel;
  QRUN_RETURN_IF_ERROR(coordinates_of(s, options->coordinates(), &coordinates));
  kernels::ResizeGeometry geometry;
  geometry.batch = static_cast<size_t>(input.shape[0]);
  geometry.input_height = static_cast<size_t>(input.shape[1]);
  geometry.input_width = static_cast<size_t>(input.shape[2]);
  geometry.output_height = static_cast<size_t>(output.shape[1]);
  geometry.output_width = static_cast<size_t>(output.shape[2]);
  geometry.channels = static_cast<size_t>(input.shape[3]);
  const kernels::ResizeAxis axis_h{geometry.input_height, geometry.output_height, scale_h,
                                   options->roi_h_start(), options->roi_h_end()};
  const kernels::ResizeAxis axis_w{geometry.input_width, geometry.output_width, scale_w,
                                   options->roi_w_start(), options->roi_w_end()};
  const float extrapolation = options->extrapolation_value();

  if (options->mode() == fb::ResizeMode::NEAREST) {
    QRUN_RETURN_IF_ERROR(expect_same_quantization(s, input, output));
    kernels::ResizeNearestRounding rounding = kernels::ResizeNearestRounding::kFloor;
    QRUN_RETURN_IF_ERROR(rounding_of(s, options->nearest_rounding(), &rounding));
    std::vector<int32_t> y(geometry.output_height), x(geometry.output_width);
    kernels::resize_nearest_taps(coordinates, rounding, axis_h, y.data());
    kernels::resize_nearest_taps(coordinates, rounding, axis_w, x.data());
    const size_t element_bytes = element_size(input.type);
    std::vector<uint8_t> outside = outside_pixel(output, extrapolation, geometry.channels);
    const kernels::ResizeNearestKernel kernel = kernels::select_resize_nearest(s.cpu);
    *op = make_operator(kernel.name, [=, &input, &output, y = std::move(y), x = std::move(x),
                                      outside = std::move(outside)](const RunContext& context) {
      kernel.run(geometry, {y.data(), x.data()}, element_bytes, outside.data(),
                 input.data<uint8_t>(context.arena), output.mutable_data<uint8_t>(context.arena));
    });
    return Status::Ok();
  }
  if (options->mode() != fb::ResizeMode::LINEAR) {
    return s.error("unknown mode " + std::to_string(static_cast<int>(options->mode())));
  }
  LinearTapTables taps;
  linear_taps(coordinates, axis_h, &taps.y0, &taps.y1, &taps.y_weight1, &taps.y_fraction1);
  linear_taps(coordinates, axis_w, &taps.x0, &taps.x1, &taps.x_weight1, &taps.x_fraction1);
  if (int8) {
    std::vector<float> multipliers;
    kernels::ResizeLinearQs8Params params;
    QRUN_RETURN_IF_ERROR(requantization(s, 1, &multipliers, &params.output));
    params.input_zero_point = input.zero_point();
    // The sums carry the two axes' fixed-point weights: a power of two, exact in float.
    params.multiplier = std::ldexp(multipliers[0], -2 * kernels::kResizeWeightBits);
    params.outside = quantized_outside(output, extrapolation);
    const kernels::ResizeLinearQs8Kernel kernel = kernels::select_resize_linear_qs8(s.cpu);
    *op = make_operator(
        kernel.name, [=, &input, &output, taps = std::move(taps)](const RunContext& context) {
          kernel.run(geometry, taps.view(), params, input.data<int8_t>(context.arena),
                     output.mutable_data<int8_t>(context.arena));
        });
    return Status::Ok();
  }
  const kernels::ResizeLinearF32Kernel kernel = kernels::select_resize_linear_f32(s.cpu);
  *op = make_operator(
      kernel.name, [=, &input, &output, taps = std::move(taps)](const RunContext& context) {
        kernel.run(geometry, taps.view(), extrapolation, input.data<float>(context.arena),
                   output.mutable_data<float>(context.arena));
      });
  return Status::Ok();
}

}  // namespace qrun
