#include "converter/shape_inference.h"

#include <algorithm>
#include <cmath>

#include "converter/data_movement.h"
#include "converter/window2d.h"

namespace qrun::converter {
namespace {

// The file stores dimensions as int32 and the runtime indexes with size_t: a tensor larger than
// this is a hostile or broken model, not a real one.
constexpr int64_t kMaxElements = int64_t{1} << 31;

Status SetOutputShape(Graph& graph, const Node& node, size_t output,
                      const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) return InvalidNode(node, "computes a negative dimension");
    count *= dim;
    if (count > kMaxElements) return InvalidNode(node, "computes a tensor that is too large");
  }
  graph.tensor(node.outputs[output]).shape = shape;
  return Status::Ok();
}

const std::vector<int64_t>& InputShape(const Graph& graph, const Node& node, size_t index) {
  return graph.tensor(node.input(index)).shape;
}

// Ops that keep their first input's shape, and that have no output we cannot compute.
Status InferSameShape(Graph& graph, const Node& node) {
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    const std::string& extra = node.outputs[i];
    if (!extra.empty() && (graph.consumer_count(extra) > 0 || graph.is_graph_output(extra))) {
      return UnsupportedNode(
          graph, node, "its output " + std::to_string(i) + " (a training-mode output) is used");
    }
  }
  return SetOutputShape(graph, node, 0, InputShape(graph, node, 0));
}

// Y has X's shape; the optional Mean and InvStdDev have it with the normalized axes [axis, rank)
// set to 1, in float (stash_type 1, the one type ONNX defines for them).
Status InferLayerNorm(Graph& graph, const Node& node) {
  const auto& x = InputShape(graph, node, 0);
  int64_t axis;
  if (!NormalizeAxis(node.attribute_int("axis", -1), x.size(), &axis)) {
    return InvalidNode(node, "axis " + std::to_string(node.attribute_int("axis", -1)) +
                                 " is out of range for an input of shape " + ShapeToString(x));
  }
  if (node.attribute_int("stash_type", 1) != 1) {
    return UnsupportedNode(graph, node, "a stash_type other than 1 (float)");
  }
  std::vector<int64_t> reduced = x;
  std::fill(reduced.begin() + axis, reduced.end(), 1);
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    if (!node.outputs[i].empty()) QRUN_RETURN_IF_ERROR(SetOutputShape(graph, node, i, reduced));
  }
  return SetOutputShape(graph, node, 0, x);
}

Status InferConv(Graph& graph, const Node& node) {
  const auto& x = InputShape(graph, node, 0);
  const auto& w = InputShape(graph, node, 1);
  if (x.size() != 4) return UnsupportedNode(graph, node, "only 2-D convolution (a 4-D input)");
  if (w.size() != 4) return InvalidNode(node, "the weights are not 4-D");
  const int64_t group = node.attribute_int("group", 1);
  if (group < 1 || w[0] % group != 0 || x[1] != w[1] * group) {
    return InvalidNode(node, "input channels " + std::to_string(x[1]) + ", weights " +
                                 ShapeToString(w) + " and group " + std::to_string(group) +
                                 " do not match");
  }
  Window2d window;
  QRUN_RETURN_IF_ERROR(ResolveWindow2d(graph, node, x, w[2], w[3], &window));
  return SetOutputShape(graph, node, 0, {x[0], w[0], window.output_h, window.output_w});
}

Status InferPool(Graph& graph, const Node& node) {
  const auto& x = InputShape(graph, node, 0);
  if (x.size() != 4) return UnsupportedNode(graph, node, "only 2-D pooling (a 4-D input)");
  if (node.outputs.size() > 1 && !node.outputs[1].empty()) {
    return UnsupportedNode(graph, node, "the Indices output");
  }
  Window2d window;
  QRUN_RETURN_IF_ERROR(ResolveWindow2d(graph, node, x, 0, 0, &window));
  return SetOutputShape(graph, node, 0, {x[0], x[1], window.output_h, window.output_w});
}

Status InferGemm(Graph& graph, const Node& node) {
  auto a = InputShape(graph, node, 0);
  auto b = InputShape(graph, node, 1);
  if (a.size() != 2 || b.size() != 2) return InvalidNode(node, "A and B must be 2-D");
  if (node.attribute_int("transA", 0)) std::swap(a[0], a[1]);
  if (node.attribute_int("transB", 0)) std::swap(b[0], b[1]);
  if (a[1] != b[0]) {
    return InvalidNode(node,
                       "A " + ShapeToString(a) + " and B " + ShapeToString(b) + " do not multiply");
  }
  return SetOutputShape(graph, node, 0, {a[0], b[1]});
}

// Rank >= 2 times a 2-D matrix, or two activations of the same rank (2 or 3) whose leading
// dimension is the batch: [B, M, K] x [B, K, N] (attention).
Status InferMatMul(Graph& graph, const Node& node) {
  const auto& a = InputShape(graph, node, 0);
  const auto& b = InputShape(graph, node, 1);
  const bool batched = !graph.is_constant(node.inputs[1]) && a.size() == b.size() &&
                       (a.size() == 2 || (a.size() == 3 && a[0] == b[0]));
  if (a.size() < 2 || (b.size() != 2 && !batched)) {
    return UnsupportedNode(graph, node,
                           "only an input of rank >= 2 times a 2-D matrix, or two of rank 2 or 3 "
                           "with the same batch");
  }
  if (a.back() != b[b.size() - 2]) {
    return InvalidNode(node, ShapeToString(a) + " and " + ShapeToString(b) + " do not multiply");
  }
  std::vector<int64_t> out = a;
  out.back() = b.back();
  return SetOutputShape(graph, node, 0, out);
}

Status InferTranspose(Graph& graph, const Node& node) {
  const auto& x = InputShape(graph, node, 0);
  std::vector<int64_t> perm = node.attribute_ints("perm");
  if (perm.empty()) {
    for (size_t d = x.size(); d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  }
  std::vector<bool> seen(x.size(), false);
  std::vector<int64_t> out;
  for (int64_t axis : perm) {
    if (perm.size() != x.size() || axis < 0 || axis >= static_cast<int64_t>(x.size()) ||
        seen[axis]) {
      return InvalidNode(node, "perm is not a permutation of the input's axes");
    }
    seen[axis] = true;
    out.push_back(x[axis]);
  }
  return SetOutputShape(graph, node, 0, out);
}

Status InferSlice(Graph& graph, const Node& node) {
  std::vector<SliceAxis> axes;
  QRUN_RETURN_IF_ERROR(ResolveSlice(graph, node, InputShape(graph, node, 0), &axes));
  std::vector<int64_t> out;
  for (const SliceAxis& axis : axes) out.push_back(axis.count);
  return SetOutputShape(graph, node, 0, out);
}

Status InferSplit(Graph& graph, const Node& node) {
  int64_t axis;
  std::vector<int64_t> sizes;
  QRUN_RETURN_IF_ERROR(ResolveSplit(graph, node, InputShape(graph, node, 0), &axis, &sizes));
  std::vector<int64_t> out = InputShape(graph, node, 0);
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (node.outputs[i].empty()) return InvalidNode(node, "an output is unnamed");
    out[axis] = sizes[i];
    QRUN_RETURN_IF_ERROR(SetOutputShape(graph, node, i, out));
  }
  return Status::Ok();
}

Status InferPad(Graph& graph, const Node& node) {
  PadSpec pad;
  QRUN_RETURN_IF_ERROR(ResolvePad(graph, node, InputShape(graph, node, 0), &pad));
  std::vector<int64_t> out = InputShape(graph, node, 0);
  for (size_t d = 0; d < out.size(); ++d) out[d] += pad.before[d] + pad.after[d];
  return SetOutputShape(graph, node, 0, out);
}

Status InferGather(Graph& graph, const Node& node) {
  int64_t axis;
  std::vector<int64_t> indices, out;
  QRUN_RETURN_IF_ERROR(
      ResolveGather(graph, node, InputShape(graph, node, 0), &axis, &indices, &out));
  return SetOutputShape(graph, node, 0, out);
}

Status InferSqueeze(Graph& graph, const Node& node) {
  std::vector<int64_t> out;
  QRUN_RETURN_IF_ERROR(ResolveSqueeze(graph, node, InputShape(graph, node, 0), &out));
  return SetOutputShape(graph, node, 0, out);
}

Status InferConvTranspose(Graph& graph, const Node& node) {
  TransposeConvWindow window;
  QRUN_RETURN_IF_ERROR(ResolveTransposeConv(graph, node, &window));
  return SetOutputShape(
      graph, node, 0,
      {InputShape(graph, node, 0)[0], window.output_channels, window.output_h, window.output_w});
}

// Resize (and Upsample, which the opset conversion turns into Resize): the output's shape from
// constant sizes, or else floor(input * scale) from constant scales.
Status InferResize(Graph& graph, const Node& node) {
  const auto& x = InputShape(graph, node, 0);
  const std::string& scales = node.input(2);
  const std::string& sizes = node.input(3);
  for (const std::string& name : {node.input(1), scales, sizes}) {
    if (!name.empty() && !graph.is_constant(name)) {
      return UnsupportedNode(graph, node, "its roi, scales and sizes must be constants");
    }
  }
  std::vector<int64_t> out;
  if (!sizes.empty() && graph.tensor(sizes).element_count() > 0) {
    out = graph.tensor(sizes).int64_data;
  } else if (!scales.empty() && graph.tensor(scales).element_count() > 0) {
    const std::vector<float>& factors = graph.tensor(scales).float_data;
    if (factors.size() != x.size()) return InvalidNode(node, "one scale per input axis is needed");
    for (size_t d = 0; d < x.size(); ++d) {
      if (!(factors[d] > 0.0f)) return InvalidNode(node, "scales must be positive");
      out.push_back(static_cast<int64_t>(std::floor(static_cast<double>(x[d]) * factors[d])));
    }
  } else {
    return InvalidNode(node, "has neither scales nor sizes");
  }
  if (out.size() != x.size()) return InvalidNode(node, "sizes must give every input axis");
  for (int64_t dim : out) {
    if (dim < 1) return InvalidNode(node, "computes an empty output");
  }
  return SetOutputShape(graph, node, 0, out);
}

// Add and Mul: NumPy broadcasting.
Status InferBroadcast(Graph& graph, const Node& node) {
  std::vector<int64_t> out;
  if (!BroadcastShapes(InputShape(graph, node, 0), InputShape(graph, node, 1), &out)) {
    return InvalidNode(node, ShapeToString(InputShape(graph, node, 0)) + " and " +
                                 ShapeToString(InputShape(graph, node, 1)) + " do not broadcast");
  }
  return SetOutputShape(graph, node, 0, out);
}

Status InferReduce(Graph& graph, const Node& node) {
  const std::vector<int64_t>& in = InputShape(graph, node, 0);
  std::vector<int64_t> axes;
  QRUN_RETURN_IF_ERROR(ReduceAxes(graph, node, in.size(), &axes));
  const bool keepdims = node.attribute_int("keepdims", 1) != 0;
  std::vector<int64_t> out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!std::count(axes.begin(), axes.end(), static_cast<int64_t>(i))) {
      out.push_back(in[i]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return SetOutputShape(graph, node, 0, out);
}

// Max and Min: any number of inputs, broadcast together.
Status InferVariadicBroadcast(Graph& graph, const Node& node) {
  std::vector<int64_t> out = InputShape(graph, node, 0);
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    if (node.inputs[i].empty()) return InvalidNode(node, "an input is missing");
    std::vector<int64_t> next;
    if (!BroadcastShapes(out, InputShape(graph, node, i), &next)) {
      return InvalidNode(node, "inputs of shapes " + ShapeToString(out) + " and " +
                                   ShapeToString(InputShape(graph, node, i)) + " do not broadcast");
    }
    out = next;
  }
  return SetOutputShape(graph, node, 0, out);
}

// PRelu: the slope broadcasts to the input's shape (one way).
Status InferPRelu(Graph& graph, const Node& node) {
  const auto& x = InputShape(graph, node, 0);
  std::vector<int64_t> out;
  if (!BroadcastShapes(x, InputShape(graph, node, 1), &out) || out != x) {
    return InvalidNode(node, "the slope " + ShapeToString(InputShape(graph, node, 1)) +
                                 " does not broadcast to the input " + ShapeToString(x));
  }
  return SetOutputShape(graph, node, 0, x);
}

Status InferFlatten(Graph& graph, const Node& node) {
  const auto& x = InputShape(graph, node, 0);
  int64_t axis = node.attribute_int("axis", 1);
  if (axis < 0) axis += static_cast<int64_t>(x.size());
  if (axis < 0 || axis > static_cast<int64_t>(x.size())) return InvalidNode(node, "bad axis");
  const std::vector<int64_t> outer(x.begin(), x.begin() + axis);
  const std::vector<int64_t> inner(x.begin() + axis, x.end());
  return SetOutputShape(graph, node, 0, {ElementCount(outer), ElementCount(inner)});
}

Status InferReshape(Graph& graph, const Node& node) {
  if (!graph.is_constant(node.input(1))) {
    return UnsupportedNode(graph, node, "its target shape is not a constant");
  }
  const Tensor& shape = graph.tensor(node.input(1));
  if (shape.type != DataType::kInt64) return InvalidNode(node, "the shape is not int64");
  std::vector<int64_t> out;
  const bool allow_zero = node.attribute_int("allowzero", 0) != 0;
  if (!ResolveReshape(InputShape(graph, node, 0), shape.int64_data, allow_zero, &out)) {
    return InvalidNode(node, "cannot reshape " + ShapeToString(InputShape(graph, node, 0)) +
                                 " to " + ShapeToString(shape.int64_data));
  }
  return SetOutputShape(graph, node, 0, out);
}

Status InferConcat(Graph& graph, const Node& node) {
  std::vector<int64_t> out = InputShape(graph, node, 0);
  int64_t axis;
  if (!NormalizeAxis(node.attribute_int("axis", 0), out.size(), &axis)) {
    return InvalidNode(node, "bad axis");
  }
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    if (node.inputs[i].empty()) return InvalidNode(node, "an input is missing");
    const auto& shape = InputShape(graph, node, i);
    for (size_t d = 0; d < out.size(); ++d) {
      if (shape.size() != out.size() || (d != static_cast<size_t>(axis) && shape[d] != out[d])) {
        return InvalidNode(node, "inputs of shapes " + ShapeToString(out) + " and " +
                                     ShapeToString(shape) + " do not concatenate");
      }
    }
    out[axis] += shape[axis];
  }
  return SetOutputShape(graph, node, 0, out);
}

Status InferSoftmax(Graph& graph, const Node& node) {
  const auto& x = InputShape(graph, node, 0);
  int64_t axis;
  if (!NormalizeAxis(node.attribute_int("axis", -1), x.size(), &axis)) {
    return InvalidNode(node, "bad axis");
  }
  return SetOutputShape(graph, node, 0, x);
}

size_t RequiredInputCount(const std::string& op) {
  if (op == "BatchNormalization") return 5;
  if (op == "Conv" || op == "Gemm" || op == "MatMul" || op == "Add" || op == "Mul" || op == "Sub" ||
      op == "Div" || op == "Pow" || op == "Reshape" || op == "PRelu") {
    return 2;
  }
  if (op == "ConvTranspose" || op == "Gather") return 2;
  return 1;
}

}  // namespace

Status InferOutputShapes(Graph& graph, const Node& node) {
  const std::string& op = node.op;
  const size_t required = RequiredInputCount(op);
  if (node.inputs.size() < required || node.outputs.empty() || node.outputs[0].empty()) {
    return InvalidNode(node, "too few inputs or no output");
  }
  for (size_t i = 0; i < required; ++i) {
    if (node.inputs[i].empty()) {
      return InvalidNode(node, "required input " + std::to_string(i) + " is missing");
    }
  }

  if (op == "Conv") return InferConv(graph, node);
  if (op == "MaxPool" || op == "AveragePool") return InferPool(graph, node);
  if (op == "Gemm") return InferGemm(graph, node);
  if (op == "MatMul") return InferMatMul(graph, node);
  if (op == "Add" || op == "Mul" || op == "Sub" || op == "Div" || op == "Pow") {
    return InferBroadcast(graph, node);
  }
  if (op == "Transpose") return InferTranspose(graph, node);
  if (op == "Slice") return InferSlice(graph, node);
  if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceMax" || op == "ReduceMin") {
    return InferReduce(graph, node);
  }
  if (op == "Max" || op == "Min") return InferVariadicBroadcast(graph, node);
  if (op == "PRelu") return InferPRelu(graph, node);
  if (op == "Split") return InferSplit(graph, node);
  if (op == "Pad") return InferPad(graph, node);
  if (op == "Gather") return InferGather(graph, node);
  if (op == "Squeeze" || op == "Unsqueeze") return InferSqueeze(graph, node);
  if (op == "ConvTranspose") return InferConvTranspose(graph, node);
  if (op == "Flatten") return InferFlatten(graph, node);
  if (op == "Reshape") return InferReshape(graph, node);
  if (op == "Concat") return InferConcat(graph, node);
  if (op == "Softmax") return InferSoftmax(graph, node);
  if (op == "Resize") return InferResize(graph, node);
  if (op == "LayerNormalization") return InferLayerNorm(graph, node);
  if (op == "GlobalAveragePool") {
    const auto& x = InputShape(graph, node, 0);
    if (x.size() != 4) return UnsupportedNode(graph, node, "only a 4-D input");
    return SetOutputShape(graph, node, 0, {x[0], x[1], 1, 1});
  }
  if (op == "BatchNormalization" || op == "Relu" || op == "Clip" || op == "Identity" ||
      op == "Dropout" || op == "HardSwish" || op == "HardSigmoid" || op == "Sigmoid" ||
      op == "Silu" || op == "Gelu" || op == "Sqrt" || op == "Tanh" || op == "LeakyRelu") {
    return InferSameShape(graph, node);
  }
  // Ops that only constant folding can handle, met with a non-constant input.
  return UnsupportedNode(graph, node, "only on constant inputs");
}

bool BroadcastShapes(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                     std::vector<int64_t>* result) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    out[i] = da == 1 ? db : da;
  }
  *result = out;
  return true;
}

bool ResolveReshape(const std::vector<int64_t>& input, const std::vector<int64_t>& requested,
                    bool allow_zero, std::vector<int64_t>* result) {
  std::vector<int64_t> out = requested;
  int inferred = -1;
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 0 && !allow_zero) {
      if (i >= input.size()) return false;
      out[i] = input[i];
    }
    if (out[i] == -1) {
      if (inferred >= 0) return false;
      inferred = static_cast<int>(i);
    } else if (out[i] < 0) {
      return false;
    } else {
      known *= out[i];
    }
  }
  const int64_t total = ElementCount(input);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0) return false;
    out[inferred] = total / known;
  } else if (known != total) {
    return false;
  }
  *result = out;
  return true;
}

bool NormalizeAxis(int64_t axis, size_t rank, int64_t* normalized) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) return false;
  *normalized = axis < 0 ? axis + r : axis;
  return true;
}

Status ReduceAxes(const Graph& graph, const Node& node, size_t rank, std::vector<int64_t>* axes) {
  std::vector<int64_t> given = node.attribute_ints("axes");
  if (!node.input(1).empty()) {
    const Tensor& input = graph.tensor(node.input(1));
    if (!input.is_constant || input.type != DataType::kInt64) {
      return UnsupportedNode(graph, node, "its axes must be an int64 constant");
    }
    given = input.int64_data;
  }
  axes->clear();
  if (given.empty()) {
    if (node.attribute_int("noop_with_empty_axes", 0) != 0) return Status::Ok();
    for (size_t i = 0; i < rank; ++i) axes->push_back(static_cast<int64_t>(i));
    return Status::Ok();
  }
  for (int64_t axis : given) {
    int64_t normalized;
    if (!NormalizeAxis(axis, rank, &normalized) ||
        std::count(axes->begin(), axes->end(), normalized)) {
      return InvalidNode(node, "bad axes");
    }
    axes->push_back(normalized);
  }
  std::sort(axes->begin(), axes->end());
  return Status::Ok();
}

int64_t ElementCount(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

}  // namespace qrun::converter
