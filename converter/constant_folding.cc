// Constant folding: evaluates every node whose inputs are all constants (initializer-only
// subgraphs such as a transposed weight or a computed shape) and every Shape of a tensor whose
// shape is known, which after import is every tensor. The walk goes in topological order and asks
// shape inference for the output shapes of the nodes it keeps, so a Reshape whose target shape
// was computed by a Shape -> Gather -> Unsqueeze -> Concat chain gets a concrete output shape.
#include <algorithm>
#include <cmath>
#include <set>

#include "converter/data_movement.h"
#include "converter/passes.h"
#include "converter/shape_inference.h"

namespace qrun::converter {
namespace {

const std::set<std::string> kEvaluableOps = {"Shape",
                                             "Gather",
                                             "Unsqueeze",
                                             "Squeeze",
                                             "Concat",
                                             "Cast",
                                             "Reshape",
                                             "Flatten",
                                             "Mul",
                                             "Add",
                                             "Sub",
                                             "Div",
                                             "Identity",
                                             "Transpose",
                                             "Dropout",
                                             "Slice",
                                             "ConstantOfShape",
                                             "Range",
                                             "Pad",
                                             "Split"};

// Row-major strides of `shape`, with 0 for the dimensions that broadcast to `rank`-D `target`.
std::vector<int64_t> BroadcastStrides(const std::vector<int64_t>& shape,
                                      const std::vector<int64_t>& target) {
  std::vector<int64_t> strides(target.size(), 0);
  int64_t stride = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    const size_t from_end = shape.size() - 1 - i;
    const size_t axis = target.size() - 1 - i;
    strides[axis] = shape[from_end] == 1 ? 0 : stride;
    stride *= shape[from_end];
  }
  return strides;
}

// For each element of `target`, in row-major order, the offset of the element of a tensor of
// shape `shape` that broadcasting (or a permutation, through `strides`) reads.
std::vector<int64_t> SourceOffsets(const std::vector<int64_t>& target,
                                   const std::vector<int64_t>& strides) {
  std::vector<int64_t> offsets(static_cast<size_t>(ElementCount(target)));
  std::vector<int64_t> index(target.size(), 0);
  for (int64_t& offset : offsets) {
    offset = 0;
    for (size_t d = 0; d < target.size(); ++d) offset += index[d] * strides[d];
    for (size_t d = target.size(); d-- > 0;) {
      if (++index[d] < target[d]) break;
      index[d] = 0;
    }
  }
  return offsets;
}

// The element vector of a constant of either folding type, so each op is written once.
template <typename T>
struct Elements;
template <>
struct Elements<float> {
  static std::vector<float>& Of(Tensor& tensor) { return tensor.float_data; }
  static const std::vector<float>& Of(const Tensor& tensor) { return tensor.float_data; }
};
template <>
struct Elements<int64_t> {
  static std::vector<int64_t>& Of(Tensor& tensor) { return tensor.int64_data; }
  static const std::vector<int64_t>& Of(const Tensor& tensor) { return tensor.int64_data; }
};

// Folding materializes every element: a broadcast or gather that would make more than this is a
// hostile model, not a shape computation.
constexpr int64_t kMaxFoldedElements = int64_t{1} << 26;

class Evaluator {
 public:
  Evaluator(Graph& graph, const Node& node) : graph_(graph), node_(node) {}

  Status Run() {
    const std::string& op = node_.op;
    const bool two_inputs = op == "Gather" || op == "Reshape" || op == "Mul" || op == "Add" ||
                            op == "Sub" || op == "Div";
    if ((two_inputs && node_.input(1).empty()) || node_.outputs.empty() ||
        node_.outputs[0].empty()) {
      return InvalidNode(node_, "an input or the output is missing");
    }
    if (op == "Shape") return Shape();
    if (op == "ConstantOfShape") return ConstantOfShape();
    for (const std::string& input : node_.inputs) {
      if (input.empty()) continue;
      const DataType type = graph_.tensor(input).type;
      if (type != DataType::kFloat32 && type != DataType::kInt64) {
        return InvalidNode(node_, "constant of unexpected type");
      }
    }
    const bool is_float = In(0).type == DataType::kFloat32;
    if (op == "Gather") return is_float ? Gather<float>() : Gather<int64_t>();
    if (op == "Concat") return is_float ? Concat<float>() : Concat<int64_t>();
    if (op == "Cast") return Cast();
    if (op == "Transpose") return is_float ? Transpose<float>() : Transpose<int64_t>();
    if (op == "Slice") return is_float ? Slice<float>() : Slice<int64_t>();
    if (op == "Split") return is_float ? Split<float>() : Split<int64_t>();
    if (op == "Pad") return is_float ? Pad<float>() : Pad<int64_t>();
    if (op == "Range") return is_float ? Range<float>() : Range<int64_t>();
    if (op == "Mul" || op == "Add" || op == "Sub" || op == "Div") {
      return is_float ? Binary<float>() : Binary<int64_t>();
    }
    // The rest only change the shape: the elements stay as they are.
    std::vector<int64_t> shape;
    QRUN_RETURN_IF_ERROR(ReshapedShape(&shape));
    Tensor out = In(0);
    out.shape = shape;
    return SetOutput(std::move(out));
  }

 private:
  const Tensor& In(size_t i) const { return graph_.tensor(node_.input(i)); }

  Status SetOutput(Tensor value, size_t output = 0) {
    value.name = node_.outputs[output];
    value.is_constant = true;
    graph_.tensor(node_.outputs[output]) = std::move(value);
    return Status::Ok();
  }

  Status CheckSize(const std::vector<int64_t>& shape) const {
    int64_t count = 1;
    for (int64_t dim : shape) {
      count *= dim;
      if (count > kMaxFoldedElements) return InvalidNode(node_, "folds into a huge constant");
    }
    return Status::Ok();
  }

  Tensor MakeOutput(DataType type, std::vector<int64_t> shape) const {
    Tensor out;
    out.type = type;
    out.shape = std::move(shape);
    return out;
  }

  Status ReshapedShape(std::vector<int64_t>* shape) const {
    const std::string& op = node_.op;
    const std::vector<int64_t>& in = In(0).shape;
    if (op == "Identity" || op == "Dropout") {
      *shape = in;
    } else if (op == "Reshape") {
      const bool allow_zero = node_.attribute_int("allowzero", 0) != 0;
      if (In(1).type != DataType::kInt64 ||
          !ResolveReshape(in, In(1).int64_data, allow_zero, shape)) {
        return InvalidNode(node_, "cannot reshape " + ShapeToString(in));
      }
    } else if (op == "Flatten") {
      int64_t axis = node_.attribute_int("axis", 1);
      if (axis < 0) axis += static_cast<int64_t>(in.size());
      if (axis < 0 || axis > static_cast<int64_t>(in.size())) return InvalidNode(node_, "bad axis");
      *shape = {ElementCount({in.begin(), in.begin() + axis}),
                ElementCount({in.begin() + axis, in.end()})};
    } else if (op == "Unsqueeze" || op == "Squeeze") {
      QRUN_RETURN_IF_ERROR(ResolveSqueeze(graph_, node_, in, shape));
    } else {
      return InvalidNode(node_, "no constant evaluation");  // unreachable: kEvaluableOps
    }
    return Status::Ok();
  }

  // Opset 15 added start and end (clamped like a slice) to take part of the shape.
  Status Shape() {
    const std::vector<int64_t>& in = In(0).shape;
    const int64_t rank = static_cast<int64_t>(in.size());
    auto clamp_axis = [rank](int64_t axis) {
      if (axis < 0) axis += rank;
      return std::min(std::max<int64_t>(axis, 0), rank);
    };
    const int64_t start = clamp_axis(node_.attribute_int("start", 0));
    const int64_t end = std::max(start, clamp_axis(node_.attribute_int("end", rank)));
    Tensor out = MakeOutput(DataType::kInt64, {end - start});
    out.int64_data.assign(in.begin() + start, in.begin() + end);
    return SetOutput(std::move(out));
  }

  template <typename T>
  Status Gather() {
    const Tensor& data = In(0);
    const Tensor& indices = In(1);
    int64_t axis;
    if (indices.type != DataType::kInt64 ||
        !NormalizeAxis(node_.attribute_int("axis", 0), data.shape.size(), &axis)) {
      return InvalidNode(node_, "bad axis or indices");
    }
    const std::vector<int64_t> outer_dims(data.shape.begin(), data.shape.begin() + axis);
    const std::vector<int64_t> inner_dims(data.shape.begin() + axis + 1, data.shape.end());
    const int64_t outer = ElementCount(outer_dims), inner = ElementCount(inner_dims);
    const int64_t axis_dim = data.shape[axis];
    std::vector<int64_t> shape = outer_dims;
    shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
    shape.insert(shape.end(), inner_dims.begin(), inner_dims.end());
    QRUN_RETURN_IF_ERROR(CheckSize(shape));
    Tensor out = MakeOutput(data.type, shape);
    const std::vector<T>& source = Elements<T>::Of(data);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t index : indices.int64_data) {
        if (index < 0) index += axis_dim;
        if (index < 0 || index >= axis_dim) return InvalidNode(node_, "index out of range");
        const auto first = source.begin() + (o * axis_dim + index) * inner;
        Elements<T>::Of(out).insert(Elements<T>::Of(out).end(), first, first + inner);
      }
    }
    return SetOutput(std::move(out));
  }

  template <typename T>
  Status Concat() {
    Node shape_only = node_;
    QRUN_RETURN_IF_ERROR(InferOutputShapes(graph_, shape_only));  // checks the shapes agree
    const std::vector<int64_t> shape = graph_.tensor(node_.outputs[0]).shape;
    int64_t axis;
    NormalizeAxis(node_.attribute_int("axis", 0), shape.size(), &axis);
    const int64_t outer = ElementCount({shape.begin(), shape.begin() + axis});
    Tensor out = MakeOutput(In(0).type, shape);
    for (int64_t o = 0; o < outer; ++o) {
      for (size_t i = 0; i < node_.inputs.size(); ++i) {
        if (In(i).type != out.type) return InvalidNode(node_, "inputs of different types");
        const std::vector<T>& source = Elements<T>::Of(In(i));
        const int64_t block = static_cast<int64_t>(source.size()) / std::max<int64_t>(outer, 1);
        Elements<T>::Of(out).insert(Elements<T>::Of(out).end(), source.begin() + o * block,
                                    source.begin() + (o + 1) * block);
      }
    }
    return SetOutput(std::move(out));
  }

  Status Cast() {
    const int64_t to = node_.attribute_int("to", 0);
    // ONNX TensorProto data types: FLOAT 1, DOUBLE 11; the integer types and BOOL 9 fold as int64.
    const bool to_float = to == 1 || to == 11;
    const bool to_integer = (to >= 2 && to <= 7) || to == 9 || to == 12 || to == 13;
    if (!to_float && !to_integer) {
      return UnsupportedNode(graph_, node_, "Cast to type " + std::to_string(to));
    }
    Tensor out = In(0);
    if (to_float && out.type == DataType::kInt64) {
      out.float_data.assign(out.int64_data.begin(), out.int64_data.end());
      out.int64_data.clear();
    } else if (to_integer && out.type == DataType::kFloat32) {
      for (float value : out.float_data) {
        if (!std::isfinite(value) || std::fabs(value) > 9.0e18f) {
          return InvalidNode(node_, "casts a value out of the integer range");
        }
        out.int64_data.push_back(static_cast<int64_t>(value));
      }
      out.float_data.clear();
    }
    out.type = to_float ? DataType::kFloat32 : DataType::kInt64;
    if (to == 9) {
      for (int64_t& value : out.int64_data) value = value != 0;
    }
    return SetOutput(std::move(out));
  }

  template <typename T>
  Status Transpose() {
    const Tensor& in = In(0);
    const size_t rank = in.shape.size();
    std::vector<int64_t> perm = node_.attribute_ints("perm");
    if (perm.empty()) {
      for (size_t d = rank; d-- > 0;) perm.push_back(static_cast<int64_t>(d));
    }
    std::vector<int64_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (size_t d = 0; d < sorted.size(); ++d) {
      if (sorted.size() != rank || sorted[d] != static_cast<int64_t>(d)) {
        return InvalidNode(node_, "perm is not a permutation of the input's axes");
      }
    }
    const std::vector<int64_t> in_strides = BroadcastStrides(in.shape, in.shape);
    std::vector<int64_t> shape(rank), strides(rank);
    for (size_t d = 0; d < rank; ++d) {
      shape[d] = in.shape[perm[d]];
      // A dimension of 1 gets stride 0 from BroadcastStrides, which reads the same element.
      strides[d] = in_strides[perm[d]];
    }
    Tensor out = MakeOutput(in.type, shape);
    for (int64_t offset : SourceOffsets(shape, strides)) {
      Elements<T>::Of(out).push_back(Elements<T>::Of(in)[offset]);
    }
    return SetOutput(std::move(out));
  }

  // ONNX ConstantOfShape: the value attribute (one element, float or integer; 0.0f by default)
  // repeated to the shape that input 0 holds.
  Status ConstantOfShape() {
    const Tensor& shape = In(0);
    if (shape.type != DataType::kInt64) return InvalidNode(node_, "the shape is not integers");
    for (int64_t dim : shape.int64_data) {
      if (dim <= 0) return UnsupportedNode(graph_, node_, "a shape with a dimension <= 0");
    }
    QRUN_RETURN_IF_ERROR(CheckSize(shape.int64_data));
    auto found = node_.attributes.find("value");
    Tensor out = MakeOutput(DataType::kFloat32, shape.int64_data);
    const int64_t count = ElementCount(shape.int64_data);
    if (found == node_.attributes.end() || found->second.tensor.empty()) {
      out.float_data.assign(static_cast<size_t>(count), 0.0f);
      return SetOutput(std::move(out));
    }
    const Tensor& value = found->second.tensor[0];
    if (value.element_count() != 1) return InvalidNode(node_, "value must be one element");
    out.type = value.type;
    if (value.type == DataType::kFloat32) {
      out.float_data.assign(static_cast<size_t>(count), value.float_data[0]);
    } else {
      out.int64_data.assign(static_cast<size_t>(count), value.int64_data[0]);
    }
    return SetOutput(std::move(out));
  }

  // ONNX Range: start, start + delta, ... up to (not including) limit.
  template <typename T>
  Status Range() {
    if (node_.inputs.size() != 3 || node_.input(1).empty() || node_.input(2).empty()) {
      return InvalidNode(node_, "needs start, limit and delta");
    }
    const Tensor& start = In(0);
    const Tensor& limit = In(1);
    const Tensor& delta = In(2);
    if (start.type != limit.type || start.type != delta.type || start.element_count() != 1 ||
        limit.element_count() != 1 || delta.element_count() != 1) {
      return InvalidNode(node_, "start, limit and delta must be scalars of one type");
    }
    const T first = Elements<T>::Of(start)[0];
    const T step = Elements<T>::Of(delta)[0];
    const double span = static_cast<double>(Elements<T>::Of(limit)[0]) - first;
    if (step == 0) return InvalidNode(node_, "delta is 0");
    const double count = std::max(0.0, std::ceil(span / static_cast<double>(step)));
    if (count > static_cast<double>(kMaxFoldedElements)) {
      return InvalidNode(node_, "folds into a huge constant");
    }
    if (count == 0) return UnsupportedNode(graph_, node_, "an empty range");
    Tensor out = MakeOutput(start.type, {static_cast<int64_t>(count)});
    for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) {
      Elements<T>::Of(out).push_back(static_cast<T>(first + static_cast<T>(i) * step));
    }
    return SetOutput(std::move(out));
  }

  template <typename T>
  Status Slice() {
    std::vector<SliceAxis> axes;
    QRUN_RETURN_IF_ERROR(ResolveSlice(graph_, node_, In(0).shape, &axes));
    return SetOutput(Sliced<T>(In(0), axes));
  }

  // Each output a Slice of the input along the split axis.
  template <typename T>
  Status Split() {
    const Tensor& in = In(0);
    int64_t axis;
    std::vector<int64_t> sizes;
    QRUN_RETURN_IF_ERROR(ResolveSplit(graph_, node_, in.shape, &axis, &sizes));
    std::vector<SliceAxis> axes;
    for (int64_t dim : in.shape) axes.push_back(SliceAxis{0, 1, dim});
    for (size_t i = 0; i < sizes.size(); ++i) {
      axes[axis] = SliceAxis{axes[axis].begin + (i ? axes[axis].count : 0), 1, sizes[i]};
      QRUN_RETURN_IF_ERROR(SetOutput(Sliced<T>(in, axes), i));
    }
    return Status::Ok();
  }

  // The elements of `in` that `axes` select.
  template <typename T>
  static Tensor Sliced(const Tensor& in, const std::vector<SliceAxis>& axes) {
    std::vector<int64_t> shape, strides(in.shape.size());
    int64_t stride = 1;
    int64_t first = 0;
    for (size_t d = in.shape.size(); d-- > 0;) {
      strides[d] = stride * axes[d].step;
      first += axes[d].begin * stride;
      stride *= in.shape[d];
    }
    for (const SliceAxis& axis : axes) shape.push_back(axis.count);
    Tensor out;
    out.type = in.type;
    out.shape = shape;
    for (int64_t offset : SourceOffsets(shape, strides)) {
      Elements<T>::Of(out).push_back(Elements<T>::Of(in)[first + offset]);
    }
    return out;
  }

  template <typename T>
  Status Pad() {
    const Tensor& in = In(0);
    PadSpec pad;
    QRUN_RETURN_IF_ERROR(ResolvePad(graph_, node_, in.shape, &pad));
    std::vector<int64_t> shape = in.shape;
    for (size_t d = 0; d < shape.size(); ++d) shape[d] += pad.before[d] + pad.after[d];
    QRUN_RETURN_IF_ERROR(CheckSize(shape));
    Tensor out = MakeOutput(in.type, shape);
    const std::vector<int64_t> in_strides = BroadcastStrides(in.shape, in.shape);
    std::vector<int64_t> index(shape.size(), 0);
    for (int64_t e = 0; e < ElementCount(shape); ++e) {
      int64_t source = 0;
      bool inside = true;
      for (size_t d = 0; d < shape.size() && inside; ++d) {
        const int64_t dim = in.shape[d];
        int64_t at = index[d] - pad.before[d];
        if (pad.mode == "reflect") at = at < 0 ? -at : (at >= dim ? 2 * (dim - 1) - at : at);
        if (pad.mode == "edge") at = std::min(std::max<int64_t>(at, 0), dim - 1);
        inside = at >= 0 && at < dim;
        source += at * in_strides[d];
      }
      Elements<T>::Of(out).push_back(inside ? Elements<T>::Of(in)[source]
                                            : static_cast<T>(pad.value));
      for (size_t d = shape.size(); d-- > 0;) {
        if (++index[d] < shape[d]) break;
        index[d] = 0;
      }
    }
    return SetOutput(std::move(out));
  }

  template <typename T>
  Status Binary() {
    const Tensor& a = In(0);
    const Tensor& b = In(1);
    std::vector<int64_t> shape;
    if (a.type != b.type || !BroadcastShapes(a.shape, b.shape, &shape)) {
      return InvalidNode(node_, "operands of different types or shapes that do not broadcast");
    }
    QRUN_RETURN_IF_ERROR(CheckSize(shape));
    const std::vector<int64_t> a_offsets = SourceOffsets(shape, BroadcastStrides(a.shape, shape));
    const std::vector<int64_t> b_offsets = SourceOffsets(shape, BroadcastStrides(b.shape, shape));
    Tensor out = MakeOutput(a.type, shape);
    const std::string& op = node_.op;
    for (size_t i = 0; i < a_offsets.size(); ++i) {
      const T x = Elements<T>::Of(a)[a_offsets[i]];
      const T y = Elements<T>::Of(b)[b_offsets[i]];
      if (op == "Div" && std::is_integral<T>::value && y == 0) {
        return InvalidNode(node_, "integer division by zero");
      }
      Elements<T>::Of(out).push_back(op == "Mul"   ? x * y
                                     : op == "Add" ? x + y
                                     : op == "Sub" ? x - y
                                                   : x / y);
    }
    return SetOutput(std::move(out));
  }

  Graph& graph_;
  const Node& node_;
};

bool CanFold(const Graph& graph, const Node& node) {
  if (!kEvaluableOps.count(node.op) || node.inputs.empty() || node.input(0).empty()) return false;
  if (node.op == "Shape") return true;
  if (node.op == "Dropout" && node.outputs.size() > 1) return false;
  if (node.op == "Slice" &&
      (!graph.is_constant(node.inputs[0]) || graph.tensor(node.inputs[0]).shape.size() != 1)) {
    return false;
  }
  return std::all_of(node.inputs.begin(), node.inputs.end(), [&](const std::string& input) {
    return input.empty() || graph.is_constant(input);
  });
}

}  // namespace

Status FoldConstants(Graph& graph) {
  std::vector<Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (CanFold(graph, node)) {
      QRUN_RETURN_IF_ERROR(Evaluator(graph, node).Run());
    } else {
      QRUN_RETURN_IF_ERROR(InferOutputShapes(graph, node));
      kept.push_back(node);
    }
  }
  graph.nodes = std::move(kept);
  for (const std::string& output : graph.outputs) {
    if (graph.is_constant(output)) {
      return Unsupported("graph output '" + output + "' is a constant; it needs no model");
    }
  }
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
