// A Conv2D whose one window is its whole unpadded input, one output pixel per image, is a
// FullyConnected over each image's NHWC values: its OHWI weights are that FullyConnected's OI ones.
// Squeeze-and-excite blocks are made of such convolutions (1x1 on a 1x1 image). A GEMM kernel
// gives each of them a tile of one real pixel; a FullyConnected kernel is built for one row, so
// the registry lets one serve them through this adapter.
#pragma once

#include <cstddef>

#include "conv2d/conv2d.h"
#include "fully_connected/fully_connected.h"

namespace qrun::kernels {

inline bool covers_whole_input(const Conv2dGeometry& g) {
  return g.groups == 1 && g.output_height == 1 && g.output_width == 1 &&
         g.kernel_height == g.input_height && g.kernel_width == g.input_width && g.pad_top == 0 &&
         g.pad_left == 0 && g.dilation_height == 1 && g.dilation_width == 1;
}

inline FullyConnectedGeometry as_fully_connected(const Conv2dGeometry& g, size_t images) {
  FullyConnectedGeometry fc;
  fc.batch = static_cast<int>(images);
  fc.input_channels = g.input_height * g.input_width * g.input_channels;
  fc.output_channels = g.output_channels;
  return fc;
}

inline FullyConnectedQs8Params as_fully_connected(const Conv2dQs8Params& p) {
  FullyConnectedQs8Params fc;
  fc.input_zero_point = p.input_zero_point;
  fc.multipliers = p.multipliers;
  fc.output = p.output;
  return fc;
}

inline FullyConnectedQs8Weights as_fully_connected(const Conv2dQs8Weights& w) {
  return {w.ohwi, w.bias, w.packed};
}

// Conv2dQs8Kernel's three functions over a FullyConnected kernel's, for convolutions that
// covers_whole_input() accepts; a slice's rows are its images.
template <size_t (*PackedSize)(const FullyConnectedGeometry&)>
size_t conv2d_qs8_as_fully_connected_packed_size(const Conv2dGeometry& g) {
  return PackedSize(as_fully_connected(g, g.batch));
}

template <void (*Pack)(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                       const FullyConnectedQs8Weights&, void*)>
void conv2d_qs8_as_fully_connected_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                        const Conv2dQs8Weights& w, void* packed) {
  Pack(as_fully_connected(g, g.batch), as_fully_connected(p), as_fully_connected(w), packed);
}

template <FullyConnectedQs8Fn Run>
void conv2d_qs8_as_fully_connected(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                   const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                   const Conv2dSlice& slice) {
  const FullyConnectedGeometry fc = as_fully_connected(g, slice.row_end - slice.row_begin);
  Run(fc, as_fully_connected(p), as_fully_connected(w),
      input + slice.row_begin * static_cast<size_t>(fc.input_channels),
      output + slice.row_begin * static_cast<size_t>(fc.output_channels), slice.channel_begin,
      slice.channel_end);
}

}  // namespace qrun::kernels
