// What ONNX's data movement ops (Slice, Split, Pad, Gather, Squeeze, Unsqueeze) and ConvTranspose
// do to a shape, resolved from their attributes or constant inputs (whichever form the opset
// uses) with ONNX's exact rules for negative and out-of-range values. Shape inference, constant
// folding and lowering all read these, so the shapes and the qfb options cannot disagree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "converter/graph.h"
#include "qrun/status.h"

namespace qrun::converter {

// One axis of a slice: `count` elements from index `begin` in steps of `step` (may be negative).
struct SliceAxis {
  int64_t begin = 0;
  int64_t step = 1;
  int64_t count = 0;
};

// Slice (opset 1 attributes or opset 10+ inputs): one SliceAxis per axis of `input`; the axes it
// leaves alone take every element.
Status ResolveSlice(const Graph& graph, const Node& node, const std::vector<int64_t>& input,
                    std::vector<SliceAxis>* axes);

// Split (the `split` attribute, the opset-13 input, the opset-18 num_outputs, or equal parts):
// the (normalized) axis and each output's size along it.
Status ResolveSplit(const Graph& graph, const Node& node, const std::vector<int64_t>& input,
                    int64_t* axis, std::vector<int64_t>* sizes);

struct PadSpec {
  std::vector<int64_t> before;  // one per axis; negative crops (constant mode only)
  std::vector<int64_t> after;
  std::string mode;  // "constant", "reflect" or "edge"
  float value = 0.0f;
};

// Pad (opset 2 attributes, opset 11+ inputs, the opset-18 axes input).
Status ResolvePad(const Graph& graph, const Node& node, const std::vector<int64_t>& input,
                  PadSpec* pad);

// Gather's (normalized) axis and its constant indices, each in [0, dim).
Status ResolveGather(const Graph& graph, const Node& node, const std::vector<int64_t>& input,
                     int64_t* axis, std::vector<int64_t>* indices, std::vector<int64_t>* shape);

// The output shape of Squeeze or Unsqueeze (axes as attribute or input).
Status ResolveSqueeze(const Graph& graph, const Node& node, const std::vector<int64_t>& input,
                      std::vector<int64_t>* output);

// ConvTranspose over a 4-D NCHW input with weights [C_in, C_out / group, KH, KW].
struct TransposeConvWindow {
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t output_padding_h = 0, output_padding_w = 0;
  int64_t group = 1;
  int64_t output_channels = 0;
  int64_t output_h = 0, output_w = 0;
};
Status ResolveTransposeConv(const Graph& graph, const Node& node, TransposeConvWindow* window);

}  // namespace qrun::converter
