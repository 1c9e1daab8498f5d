// The sliding window of an ONNX Conv, MaxPool or AveragePool over H and W: explicit padding from
// pads or auto_pad, and the output size. Shape inference and lowering both read it, so the
// output shape and the qfb options cannot disagree.
#pragma once

#include <cstdint>
#include <vector>

#include "converter/graph.h"
#include "qrun/status.h"

namespace qrun::converter {

struct Window2d {
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t output_h = 0, output_w = 0;
};

// `input_nchw` is the node's 4-D input shape; the kernel size comes from the weights for Conv
// (`kernel_h`, `kernel_w`) and from kernel_shape for pooling (pass 0, 0). ceil_mode on a pool is
// honoured by padding the end when the extra window still starts inside the input.
Status ResolveWindow2d(const Graph& graph, const Node& node, const std::vector<int64_t>& input_nchw,
                       int64_t kernel_h, int64_t kernel_w, Window2d* window);

}  // namespace qrun::converter
