#include "converter/window2d.h"

namespace qrun::converter {
namespace {

struct Axis {
  int64_t input = 0, kernel = 1, stride = 1, dilation = 1;
  int64_t pad_begin = 0, pad_end = 0, output = 0;
};

int64_t CeilDiv(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// SAME_UPPER puts the odd padding element at the end, SAME_LOWER at the beginning.
void ApplySamePadding(bool upper, Axis* axis) {
  const int64_t output = CeilDiv(axis->input, axis->stride);
  const int64_t extent = (axis->kernel - 1) * axis->dilation + 1;
  int64_t total = (output - 1) * axis->stride + extent - axis->input;
  if (total < 0) total = 0;
  axis->pad_begin = upper ? total / 2 : total - total / 2;
  axis->pad_end = total - axis->pad_begin;
}

// The output size, with ceil_mode's extra window made explicit as end padding (PyTorch's rule,
// which ONNX follows: the last window must start inside the input or its begin padding).
Status ComputeOutput(const Graph& graph, const Node& node, bool ceil_mode, Axis* axis) {
  const int64_t extent = (axis->kernel - 1) * axis->dilation + 1;
  const int64_t span = axis->input + axis->pad_begin + axis->pad_end - extent;
  if (span < 0) return InvalidNode(node, "the window is larger than the padded input");
  axis->output = span / axis->stride + 1;
  if (!ceil_mode || span % axis->stride == 0) return Status::Ok();
  int64_t output = axis->output + 1;
  if ((output - 1) * axis->stride >= axis->input + axis->pad_begin) --output;
  if (output == axis->output) return Status::Ok();
  const bool counts_padding = node.attribute_int("count_include_pad", 0) != 0;
  if (node.op == "AveragePool" && counts_padding) {
    return UnsupportedNode(graph, node,
                           "ceil_mode=1 with count_include_pad=1 changes the output size");
  }
  axis->output = output;
  axis->pad_end = (output - 1) * axis->stride + extent - axis->input - axis->pad_begin;
  return Status::Ok();
}

}  // namespace

Status ResolveWindow2d(const Graph& graph, const Node& node, const std::vector<int64_t>& input_nchw,
                       int64_t kernel_h, int64_t kernel_w, Window2d* window) {
  const bool is_pool = node.op != "Conv";
  if (is_pool) {
    const std::vector<int64_t> kernel = node.attribute_ints("kernel_shape");
    if (kernel.size() != 2) return UnsupportedNode(graph, node, "only 2-D pooling is supported");
    kernel_h = kernel[0];
    kernel_w = kernel[1];
  }
  const std::vector<int64_t> strides = node.attribute_ints("strides", {1, 1});
  const std::vector<int64_t> dilations = node.attribute_ints("dilations", {1, 1});
  const std::vector<int64_t> pads = node.attribute_ints("pads", {0, 0, 0, 0});
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4) {
    return InvalidNode(node, "strides, dilations and pads must describe two spatial axes");
  }
  Axis h{input_nchw[2], kernel_h, strides[0], dilations[0], pads[0], pads[2], 0};
  Axis w{input_nchw[3], kernel_w, strides[1], dilations[1], pads[1], pads[3], 0};
  for (const Axis* axis : {&h, &w}) {
    if (axis->kernel < 1 || axis->stride < 1 || axis->dilation < 1 || axis->pad_begin < 0 ||
        axis->pad_end < 0) {
      return InvalidNode(node, "kernel, strides and dilations must be positive, pads not negative");
    }
  }
  if (is_pool && (h.dilation != 1 || w.dilation != 1)) {
    return UnsupportedNode(graph, node, "dilated pooling");
  }

  const std::string auto_pad = node.attribute_text("auto_pad", "NOTSET");
  if (auto_pad == "VALID") {
    h.pad_begin = h.pad_end = w.pad_begin = w.pad_end = 0;
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    ApplySamePadding(auto_pad == "SAME_UPPER", &h);
    ApplySamePadding(auto_pad == "SAME_UPPER", &w);
  } else if (auto_pad != "NOTSET") {
    return InvalidNode(node, "unknown auto_pad '" + auto_pad + "'");
  }
  const bool ceil_mode = is_pool && node.attribute_int("ceil_mode", 0) != 0;
  QRUN_RETURN_IF_ERROR(ComputeOutput(graph, node, ceil_mode, &h));
  QRUN_RETURN_IF_ERROR(ComputeOutput(graph, node, ceil_mode, &w));

  *window = Window2d{h.kernel,    w.kernel,    h.stride,  w.stride,  h.dilation, w.dilation,
                     h.pad_begin, w.pad_begin, h.pad_end, w.pad_end, h.output,   w.output};
  return Status::Ok();
}

}  // namespace qrun::converter
