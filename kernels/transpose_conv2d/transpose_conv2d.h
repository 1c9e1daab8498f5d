// TransposeConv2D (ONNX ConvTranspose, "deconvolution") over NHWC activations with OHWI weights
// ([output_channels, KH, KW, input_channels / groups]), grouped, with stride, dilation, padding
// and output padding. Input pixel (iy, ix) contributes w[oc][ky][kx][ic] * x to full-size output
// position (iy * stride + ky * dilation, ix * stride + kx * dilation); output pixel (oy, ox) is
// full-size position (oy + pad_top, ox + pad_left).
//
// The kernels are written as a gather (each output pixel sums the input pixels that reach it)
// rather than a scatter (each input pixel adds into the output): a gather writes every output
// element once, from one int32 sum in a fixed order, so an output row is a unit of work that
// threads can share and the int8 result needs no int32 scratch image.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/requantize.h"

namespace qrun::kernels {

struct TransposeConv2dGeometry {
  int batch = 1;
  int input_height = 0, input_width = 0, input_channels = 0;
  int output_height = 0, output_width = 0, output_channels = 0;
  int kernel_height = 1, kernel_width = 1;
  int stride_height = 1, stride_width = 1;
  int dilation_height = 1, dilation_width = 1;
  int pad_top = 0, pad_left = 0;
  int groups = 1;

  int input_channels_per_group() const { return input_channels / groups; }
  int output_channels_per_group() const { return output_channels / groups; }
  // Rows of work a kernel call can be given: one per (image, output row).
  size_t output_rows() const { return static_cast<size_t>(batch) * output_height; }
};

struct TransposeConv2dQs8Params {
  int32_t input_zero_point = 0;
  const float* multipliers = nullptr;  // one per output channel
  Qs8Output output;
};

// Each call computes output rows [row_begin, row_end) of TransposeConv2dGeometry::output_rows().
using TransposeConv2dQs8Fn = void (*)(const TransposeConv2dGeometry&,
                                      const TransposeConv2dQs8Params&, const int8_t* ohwi,
                                      const int32_t* bias, const int8_t* input, int8_t* output,
                                      size_t row_begin, size_t row_end);
using TransposeConv2dF32Fn = void (*)(const TransposeConv2dGeometry&, F32Range, const float* ohwi,
                                      const float* bias, const float* input, float* output,
                                      size_t row_begin, size_t row_end);

void transpose_conv2d_qs8_reference(const TransposeConv2dGeometry&, const TransposeConv2dQs8Params&,
                                    const int8_t* ohwi, const int32_t* bias, const int8_t* input,
                                    int8_t* output, size_t row_begin, size_t row_end);
void transpose_conv2d_f32_reference(const TransposeConv2dGeometry&, F32Range, const float* ohwi,
                                    const float* bias, const float* input, float* output,
                                    size_t row_begin, size_t row_end);

}  // namespace qrun::kernels
