#include "converter/data_movement.h"

#include <algorithm>
#include <cmath>

#include "converter/shape_inference.h"

namespace qrun::converter {
namespace {

// Integers from constant input `index` (the newer opsets' form) or else attribute `key` (the
// older ones'); `given` tells whether either is there.
Status IntsFrom(const Graph& graph, const Node& node, size_t index, const std::string& key,
                std::vector<int64_t>* values, bool* given) {
  const std::string& name = node.input(index);
  *given = false;
  if (!name.empty()) {
    if (!graph.is_constant(name)) {
      return UnsupportedNode(graph, node,
                             "its input " + std::to_string(index) + " must be a constant");
    }
    const Tensor& t = graph.tensor(name);
    if (t.type != DataType::kInt64) {
      return InvalidNode(node, "input " + std::to_string(index) + " must be integers");
    }
    *values = t.int64_data;
    *given = true;
  } else if (node.attributes.count(key)) {
    *values = node.attribute_ints(key);
    *given = true;
  }
  return Status::Ok();
}

// Distinct axes in [0, rank).
Status NormalizeAxes(const Node& node, std::vector<int64_t>* axes, size_t rank) {
  std::vector<bool> seen(rank, false);
  for (int64_t& axis : *axes) {
    int64_t normalized;
    if (!NormalizeAxis(axis, rank, &normalized) || seen[normalized]) {
      return InvalidNode(node, "axis " + std::to_string(axis) + " is out of range or repeated");
    }
    seen[normalized] = true;
    axis = normalized;
  }
  return Status::Ok();
}

}  // namespace

Status ResolveSlice(const Graph& graph, const Node& node, const std::vector<int64_t>& input,
                    std::vector<SliceAxis>* result) {
  std::vector<int64_t> starts, ends, axes, steps;
  bool has_starts, has_ends, has_axes, has_steps;
  QRUN_RETURN_IF_ERROR(IntsFrom(graph, node, 1, "starts", &starts, &has_starts));
  QRUN_RETURN_IF_ERROR(IntsFrom(graph, node, 2, "ends", &ends, &has_ends));
  QRUN_RETURN_IF_ERROR(IntsFrom(graph, node, 3, "axes", &axes, &has_axes));
  QRUN_RETURN_IF_ERROR(IntsFrom(graph, node, 4, "steps", &steps, &has_steps));
  if (!has_starts || !has_ends || starts.size() != ends.size()) {
    return InvalidNode(node, "needs starts and ends of the same length");
  }
  if (!has_axes) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (!has_steps) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size()) {
    return InvalidNode(node, "starts, ends, axes and steps differ in length");
  }
  QRUN_RETURN_IF_ERROR(NormalizeAxes(node, &axes, input.size()));
  result->assign(input.size(), SliceAxis());
  for (size_t d = 0; d < input.size(); ++d) (*result)[d].count = input[d];
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t dim = input[axes[i]];
    const int64_t step = steps[i];
    if (step == 0) return InvalidNode(node, "a step is 0");
    // ONNX: a negative index counts from the end; then starts clamp to [0, dim] ([0, dim - 1]
    // going backwards) and ends to [0, dim] ([-1, dim - 1] going backwards).
    auto from_end = [dim](int64_t index) {
      return index < 0 ? std::max(index, -dim) + dim : index;
    };
    int64_t begin = from_end(starts[i]);
    int64_t end = ends[i] < -dim ? (step > 0 ? 0 : -1) : from_end(ends[i]);
    int64_t count;
    if (step > 0) {
      begin = std::min(begin, dim);
      end = std::min(end, dim);
      count = end > begin ? (end - begin + step - 1) / step : 0;
    } else {
      begin = std::min(begin, dim - 1);
      end = std::min(end, dim - 1);
      count = begin > end ? (begin - end - step - 1) / -step : 0;
    }
    if (count == 0) return UnsupportedNode(graph, node, "an empty result");
    (*result)[axes[i]] = SliceAxis{begin, step, count};
  }
  return Status::Ok();
}

Status ResolveSplit(const Graph& graph, const Node& node, const std::vector<int64_t>& input,
                    int64_t* axis, std::vector<int64_t>* sizes) {
  if (!NormalizeAxis(node.attribute_int("axis", 0), input.size(), axis)) {
    return InvalidNode(node, "bad axis");
  }
  const int64_t dim = input[*axis];
  const int64_t outputs = static_cast<int64_t>(node.outputs.size());
  bool given;
  QRUN_RETURN_IF_ERROR(IntsFrom(graph, node, 1, "split", sizes, &given));
  if (given) {
    int64_t total = 0;
    for (int64_t size : *sizes) {
      if (size <= 0) return UnsupportedNode(graph, node, "an empty output");
      total += size;
    }
    if (total != dim || static_cast<int64_t>(sizes->size()) != outputs) {
      return InvalidNode(node, "its sizes do not add up to " + std::to_string(dim) + " in " +
                                   std::to_string(outputs) + " outputs");
    }
    return Status::Ok();
  }
  const int64_t parts = node.attribute_int("num_outputs", outputs);
  if (parts != outputs || parts < 1) {
    return InvalidNode(node, "num_outputs differs from the number of outputs");
  }
  // Opset 18: the parts are ceil(dim / n) long, the last one shorter if need be; before, equal.
  const int64_t part = node.attributes.count("num_outputs") ? (dim + parts - 1) / parts
                                                            : (dim % parts == 0 ? dim / parts : 0);
  if (part == 0 || part * (parts - 1) >= dim) {
    return InvalidNode(
        node, "cannot split " + std::to_string(dim) + " into " + std::to_string(parts) + " parts");
  }
  sizes->assign(static_cast<size_t>(parts), part);
  sizes->back() = dim - part * (parts - 1);
  return Status::Ok();
}

Status ResolvePad(const Graph& graph, const Node& node, const std::vector<int64_t>& input,
                  PadSpec* pad) {
  pad->mode = node.attribute_text("mode", "constant");
  if (pad->mode != "constant" && pad->mode != "reflect" && pad->mode != "edge") {
    return UnsupportedNode(graph, node, "mode '" + pad->mode + "'");
  }
  std::vector<int64_t> pads, axes;
  bool has_pads, has_axes;
  QRUN_RETURN_IF_ERROR(IntsFrom(graph, node, 1, "pads", &pads, &has_pads));
  if (!has_pads) QRUN_RETURN_IF_ERROR(IntsFrom(graph, node, 1, "paddings", &pads, &has_pads));
  QRUN_RETURN_IF_ERROR(IntsFrom(graph, node, 3, "", &axes, &has_axes));
  if (!has_axes) {
    for (size_t d = 0; d < input.size(); ++d) axes.push_back(static_cast<int64_t>(d));
  }
  QRUN_RETURN_IF_ERROR(NormalizeAxes(node, &axes, input.size()));
  if (!has_pads || pads.size() != 2 * axes.size()) {
    return InvalidNode(node, "needs two pads for each padded axis");
  }
  pad->value = node.attribute_float("value", 0.0f);
  const std::string& value = node.input(2);
  if (!value.empty()) {
    if (!graph.is_constant(value) || graph.tensor(value).type != DataType::kFloat32 ||
        graph.tensor(value).element_count() != 1) {
      return UnsupportedNode(graph, node, "its constant_value must be one float constant");
    }
    pad->value = graph.tensor(value).float_data[0];
  }
  if (std::isnan(pad->value)) return UnsupportedNode(graph, node, "a NaN padding value");
  pad->before.assign(input.size(), 0);
  pad->after.assign(input.size(), 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t before = pads[i];
    const int64_t after = pads[i + axes.size()];
    const int64_t dim = input[axes[i]];
    if ((before < 0 || after < 0) && pad->mode != "constant") {
      return UnsupportedNode(graph, node, "negative pads (cropping) in " + pad->mode + " mode");
    }
    if (dim + before + after < 1) return UnsupportedNode(graph, node, "an empty result");
    if (pad->mode == "reflect" && (before >= dim || after >= dim)) {
      return UnsupportedNode(graph, node, "reflect padding as large as the dimension");
    }
    if (pad->mode == "edge" && dim == 0) return InvalidNode(node, "edge padding of nothing");
    pad->before[axes[i]] = before;
    pad->after[axes[i]] = after;
  }
  return Status::Ok();
}

Status ResolveGather(const Graph& graph, const Node& node, const std::vector<int64_t>& input,
                     int64_t* axis, std::vector<int64_t>* indices, std::vector<int64_t>* shape) {
  if (!NormalizeAxis(node.attribute_int("axis", 0), input.size(), axis)) {
    return InvalidNode(node, "bad axis");
  }
  const std::string& name = node.input(1);
  if (!graph.is_constant(name)) {
    return UnsupportedNode(graph, node, "its indices must be a constant");
  }
  const Tensor& t = graph.tensor(name);
  if (t.type != DataType::kInt64) return InvalidNode(node, "the indices are not integers");
  const int64_t dim = input[*axis];
  *indices = t.int64_data;
  for (int64_t& index : *indices) {
    if (index < -dim || index >= dim) {
      return InvalidNode(
          node, "index " + std::to_string(index) + " is out of range for " + std::to_string(dim));
    }
    if (index < 0) index += dim;
  }
  shape->assign(input.begin(), input.begin() + *axis);
  shape->insert(shape->end(), t.shape.begin(), t.shape.end());
  shape->insert(shape->end(), input.begin() + *axis + 1, input.end());
  return Status::Ok();
}

Status ResolveSqueeze(const Graph& graph, const Node& node, const std::vector<int64_t>& input,
                      std::vector<int64_t>* output) {
  std::vector<int64_t> axes;
  bool given;
  QRUN_RETURN_IF_ERROR(IntsFrom(graph, node, 1, "axes", &axes, &given));
  output->clear();
  if (node.op == "Unsqueeze") {
    const size_t rank = input.size() + axes.size();
    QRUN_RETURN_IF_ERROR(NormalizeAxes(node, &axes, rank));
    std::vector<bool> inserted(rank, false);
    for (int64_t axis : axes) inserted[axis] = true;
    size_t next = 0;
    for (size_t d = 0; d < rank; ++d) output->push_back(inserted[d] ? 1 : input[next++]);
    return Status::Ok();
  }
  QRUN_RETURN_IF_ERROR(NormalizeAxes(node, &axes, input.size()));
  std::vector<bool> removed(input.size(), axes.empty());
  for (int64_t axis : axes) {
    if (input[axis] != 1) return InvalidNode(node, "squeezes an axis that is not 1");
    removed[axis] = true;
  }
  for (size_t d = 0; d < input.size(); ++d) {
    if (!(removed[d] && input[d] == 1)) output->push_back(input[d]);
  }
  return Status::Ok();
}

Status ResolveTransposeConv(const Graph& graph, const Node& node, TransposeConvWindow* w) {
  const std::vector<int64_t>& x = graph.tensor(node.inputs[0]).shape;
  const Tensor& weights = graph.tensor(node.inputs[1]);
  if (x.size() != 4) return UnsupportedNode(graph, node, "only 2-D (a 4-D input)");
  if (!weights.is_constant || weights.type != DataType::kFloat32 || weights.shape.size() != 4) {
    return UnsupportedNode(graph, node, "its weights must be 4-D float constants");
  }
  const std::vector<int64_t>& k = weights.shape;
  w->group = node.attribute_int("group", 1);
  if (w->group < 1 || k[0] != x[1] || x[1] % w->group != 0) {
    return InvalidNode(node, "input channels " + std::to_string(x[1]) + ", weights " +
                                 ShapeToString(k) + " and group " + std::to_string(w->group) +
                                 " do not match");
  }
  w->output_channels = k[1] * w->group;
  const std::vector<int64_t> kernel_shape = node.attribute_ints("kernel_shape", {k[2], k[3]});
  const std::vector<int64_t> strides = node.attribute_ints("strides", {1, 1});
  const std::vector<int64_t> dilations = node.attribute_ints("dilations", {1, 1});
  const std::vector<int64_t> output_padding = node.attribute_ints("output_padding", {0, 0});
  const std::vector<int64_t> pads = node.attribute_ints("pads", {0, 0, 0, 0});
  const std::vector<int64_t> output_shape = node.attribute_ints("output_shape");
  if (kernel_shape != std::vector<int64_t>{k[2], k[3]} || strides.size() != 2 ||
      dilations.size() != 2 || output_padding.size() != 2 || pads.size() != 4 ||
      (!output_shape.empty() && output_shape.size() < 2)) {
    return InvalidNode(node,
                       "kernel_shape, strides, dilations, pads or output_padding is malformed");
  }
  for (size_t i = 0; i < 2; ++i) {
    if (strides[i] < 1 || dilations[i] < 1 || output_padding[i] < 0 || pads[i] < 0 ||
        pads[i + 2] < 0) {
      return InvalidNode(node, "strides and dilations must be >= 1, pads >= 0");
    }
  }
  const std::string auto_pad = node.attribute_text("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER") {
    return InvalidNode(node, "unknown auto_pad '" + auto_pad + "'");
  }
  int64_t begin[2], end[2], extra[2], out[2];
  for (size_t i = 0; i < 2; ++i) {
    const int64_t full =
        (x[2 + i] - 1) * strides[i] + (k[2 + i] - 1) * dilations[i] + 1 + output_padding[i];
    extra[i] = output_padding[i];
    begin[i] = pads[i];
    end[i] = pads[i + 2];
    const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
    if (auto_pad == "VALID") begin[i] = end[i] = 0;
    if (!output_shape.empty() || same) {
      // The padding that makes the requested size (SAME: input * stride): SAME_UPPER puts the odd
      // one at the end, the other rules at the start; a size beyond the full one is output padding.
      const int64_t wanted =
          output_shape.empty() ? x[2 + i] * strides[i] : output_shape[output_shape.size() - 2 + i];
      const int64_t total = full - wanted;
      if (total < 0) {
        begin[i] = end[i] = 0;
        extra[i] -= total;
      } else {
        begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
        end[i] = total - begin[i];
      }
    }
    out[i] = full + (extra[i] - output_padding[i]) - begin[i] - end[i];
    if (out[i] < 1) return InvalidNode(node, "the pads leave no output");
  }
  w->stride_h = strides[0];
  w->stride_w = strides[1];
  w->dilation_h = dilations[0];
  w->dilation_w = dilations[1];
  w->pad_top = begin[0];
  w->pad_left = begin[1];
  w->pad_bottom = end[0];
  w->pad_right = end[1];
  w->output_padding_h = extra[0];
  w->output_padding_w = extra[1];
  w->output_h = out[0];
  w->output_w = out[1];
  return Status::Ok();
}

}  // namespace qrun::converter
