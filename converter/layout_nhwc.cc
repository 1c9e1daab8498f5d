// The one change of layout: every 4-D activation (graph inputs and outputs included) becomes NHWC,
// and every remaining ONNX op becomes its qfb operator, with the attributes the writer turns into
// qfb options. Conv weights become OHWI ([out, KH, KW, in / groups], depthwise included), 4-D
// constants that meet NHWC activations (an Add operand, a Concat input) are permuted alike, and
// Concat, Slice, Split, Pad and Gather axes and Transpose permutations are remapped. Flatten,
// Reshape, Squeeze and Unsqueeze keep ONNX's element order, which is NCHW order: a TRANSPOSE to
// NCHW goes before the RESHAPE when the 4-D input's NHWC order differs (H*W > 1 and C > 1), and
// one back to NHWC after it when a 4-D output's does; a Gather that changes the rank to or from 4
// runs between such TRANSPOSEs too.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "converter/data_movement.h"
#include "converter/passes.h"
#include "converter/shape_inference.h"
#include "converter/window2d.h"

namespace qrun::converter {
namespace {

const std::vector<int64_t> kNchwToNhwc = {0, 2, 3, 1};
const std::vector<int64_t> kNhwcToNchw = {0, 3, 1, 2};

std::vector<int64_t> Permuted(const std::vector<int64_t>& shape, const std::vector<int64_t>& perm) {
  std::vector<int64_t> out;
  for (int64_t axis : perm) out.push_back(shape[axis]);
  return out;
}

// A 4-D float constant with its axes permuted (OIHW -> OHWI, NCHW -> NHWC: the same perm).
Tensor PermutedConstant(const Tensor& in, const std::vector<int64_t>& perm,
                        const std::string& name) {
  Tensor out = in;
  out.name = name;
  out.shape = Permuted(in.shape, perm);
  const auto& s = in.shape;
  size_t next = 0;
  int64_t index[4];
  for (index[0] = 0; index[0] < out.shape[0]; ++index[0]) {
    for (index[1] = 0; index[1] < out.shape[1]; ++index[1]) {
      for (index[2] = 0; index[2] < out.shape[2]; ++index[2]) {
        for (index[3] = 0; index[3] < out.shape[3]; ++index[3]) {
          int64_t source[4];
          for (int d = 0; d < 4; ++d) source[perm[d]] = index[d];
          out.float_data[next++] =
              in.float_data[((source[0] * s[1] + source[1]) * s[2] + source[2]) * s[3] + source[3]];
        }
      }
    }
  }
  return out;
}

// Where NCHW axis `axis` is in NHWC.
int64_t NhwcAxis(int64_t axis) {
  return std::find(kNchwToNhwc.begin(), kNchwToNhwc.end(), axis) - kNchwToNhwc.begin();
}

// Whether a 4-D NCHW-shaped tensor lies in memory differently in NHWC.
bool LayoutsDiffer(const std::vector<int64_t>& nchw) {
  return nchw.size() == 4 && nchw[1] > 1 && nchw[2] * nchw[3] > 1;
}

void SetWindow(const Window2d& w, Node* node) {
  node->set_attribute_int("stride_h", w.stride_h);
  node->set_attribute_int("stride_w", w.stride_w);
  node->set_attribute_int("pad_top", w.pad_top);
  node->set_attribute_int("pad_left", w.pad_left);
  node->set_attribute_int("pad_bottom", w.pad_bottom);
  node->set_attribute_int("pad_right", w.pad_right);
}

class NhwcLowering {
 public:
  explicit NhwcLowering(Graph& graph) : graph_(graph) {}

  Status Run() {
    // Decided before any op is lowered: the tensors added on the way (the NCHW-ordered ones
    // around a RESHAPE) keep the shapes they are given, unless their lowering adds them here
    // (4-D intermediates it creates in ONNX's order).
    for (const auto& entry : graph_.tensors) {
      if (!entry.second.is_constant && entry.second.shape.size() == 4) {
        activations_4d_.insert(entry.first);
      }
    }
    for (const Node& node : graph_.nodes) QRUN_RETURN_IF_ERROR(Lower(node));
    graph_.nodes = std::move(lowered_);
    for (const std::string& name : activations_4d_) {
      Tensor& t = graph_.tensor(name);
      t.shape = Permuted(t.shape, kNchwToNhwc);
    }
    graph_.remove_unused_tensors();
    return Status::Ok();
  }

 private:
  const std::vector<int64_t>& Shape(const std::string& name) const {
    return graph_.tensor(name).shape;
  }

  Node Make(const Node& source, const std::string& op) const {
    Node node;
    node.name = source.name;
    node.op = op;
    node.inputs = source.inputs;
    node.outputs = {source.outputs[0]};
    node.activation = source.activation;
    return node;
  }

  // A new tensor `name`, of shape `shape`, that this pass will not permute.
  std::string NewActivation(const std::string& name, const std::vector<int64_t>& shape) {
    Tensor t;
    t.name = name;
    t.shape = shape;
    return graph_.add_tensor(std::move(t));
  }

  void EmitTranspose(const std::string& name, const std::string& in, const std::string& out,
                     const std::vector<int64_t>& perm) {
    Node node;
    node.name = name;
    node.op = "TRANSPOSE";
    node.inputs = {in};
    node.outputs = {out};
    node.set_attribute_ints("perm", perm);
    lowered_.push_back(std::move(node));
  }

  Status Lower(const Node& node) {
    const std::string& op = node.op;
    // Lowered already: on tensors that are never 4-D (see fully_connected_lowering.cc), or
    // elementwise (activation_fusion.cc's CLIP), where the layout does not matter.
    if (op == "FULLY_CONNECTED" || op == "RESHAPE" || op == "ELEMENTWISE_UNARY") {
      lowered_.push_back(node);
      return Status::Ok();
    }
    if (op == "Conv") return LowerConv(node);
    if (op == "MaxPool" || op == "AveragePool") return LowerPool(node);
    if (op == "GlobalAveragePool" || IsMeanOverHeightAndWidth(node)) return LowerMean(node);
    if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceMax" || op == "ReduceMin") {
      return LowerReduce(node);
    }
    if (op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze") {
      return LowerReshape(node, node.inputs[0], node.outputs[0]);
    }
    if (op == "Concat") return LowerConcat(node);
    if (op == "Add") return LowerBinary(node, "ADD");
    if (op == "Mul") return LowerBinary(node, "MUL");
    if ((op == "Sub" || op == "Div") && IsFloatConstant(node.inputs[1])) {
      return LowerByConstant(node);
    }
    if (op == "Sub" || op == "Div" || op == "Max" || op == "Min") {
      return LowerElementwiseBinary(node);
    }
    if (op == "PRelu") return LowerPRelu(node);
    if (op == "Transpose") return LowerTranspose(node);
    if (op == "Slice") return LowerSlice(node);
    if (op == "Split") return LowerSplit(node);
    if (op == "Gather") return LowerGather(node);
    if (op == "Pad") return LowerPad(node);
    if (op == "ConvTranspose") return LowerConvTranspose(node);
    if (op == "MatMul") return LowerBatchMatMul(node);
    if (op == "LayerNormalization") return LowerLayerNorm(node);
    if (op == "Resize") return LowerResize(node);
    if (op == "ChannelShuffle") {
      // A permutation of the channel axis, last in NHWC; every output is one part of it.
      Node shuffle = Make(node, "CHANNEL_SHUFFLE");
      shuffle.outputs = node.outputs;
      shuffle.attributes = node.attributes;
      lowered_.push_back(std::move(shuffle));
      return Status::Ok();
    }
    if (op == "HardSwish" || op == "HardSigmoid" || op == "Sigmoid" || op == "Silu" ||
        op == "Gelu" || op == "Tanh" || op == "LeakyRelu") {
      // Elementwise, so the layout does not matter; ONNX's HardSigmoid defaults to alpha 0.2.
      Node unary = Make(node, "ELEMENTWISE_UNARY");
      const bool tanh_gelu = op == "Gelu" && node.attribute_text("approximate", "none") == "tanh";
      unary.attributes["function"].text = tanh_gelu ? "GeluTanh" : op;
      if (op == "HardSwish" || op == "HardSigmoid") {
        unary.attributes["alpha"].floats = {
            op == "HardSwish" ? 1.0f / 6 : node.attribute_float("alpha", 0.2f)};
        unary.attributes["beta"].floats = {op == "HardSwish" ? 0.5f
                                                             : node.attribute_float("beta", 0.5f)};
      }
      if (op == "LeakyRelu") {
        unary.attributes["alpha"].floats = {node.attribute_float("alpha", 0.01f)};
      }
      lowered_.push_back(std::move(unary));
      return Status::Ok();
    }
    if (op == "Softmax") {
      // Opset 13 semantics (one axis): the importer's version conversion rewrote older models'
      // coercion to 2-D as Flatten, Softmax over the last axis and Reshape.
      const size_t rank = Shape(node.inputs[0]).size();
      int64_t axis;
      if (!NormalizeAxis(node.attribute_int("axis", -1), rank, &axis)) {
        return InvalidNode(node, "bad axis");
      }
      Node softmax = Make(node, "SOFTMAX");
      softmax.set_attribute_int("axis", rank == 4 ? NhwcAxis(axis) : axis);
      lowered_.push_back(std::move(softmax));
      return Status::Ok();
    }
    return UnsupportedNode(graph_, node);
  }

  Status LowerConv(const Node& node) {
    const Tensor& w = graph_.tensor(node.inputs[1]);
    const std::string& b = node.input(2);
    if (!w.is_constant || w.type != DataType::kFloat32 ||
        (!b.empty() && (!graph_.is_constant(b) || graph_.tensor(b).type != DataType::kFloat32 ||
                        graph_.tensor(b).element_count() != w.shape[0]))) {
      return UnsupportedNode(graph_, node, "its weights and bias must be float constants");
    }
    Window2d window;
    QRUN_RETURN_IF_ERROR(
        ResolveWindow2d(graph_, node, Shape(node.inputs[0]), w.shape[2], w.shape[3], &window));
    Node conv = Make(node, "CONV_2D");
    conv.inputs.resize(3);
    conv.inputs[1] = graph_.add_tensor(PermutedConstant(w, kNchwToNhwc, node.name + "/weights"));
    if (b.empty()) {
      Tensor bias;
      bias.name = node.name + "/bias";
      bias.is_constant = true;
      bias.shape = {w.shape[0]};
      bias.float_data.assign(static_cast<size_t>(w.shape[0]), 0.0f);
      conv.inputs[2] = graph_.add_tensor(std::move(bias));
    }
    SetWindow(window, &conv);
    conv.set_attribute_int("dilation_h", window.dilation_h);
    conv.set_attribute_int("dilation_w", window.dilation_w);
    conv.set_attribute_int("groups", node.attribute_int("group", 1));
    lowered_.push_back(std::move(conv));
    return Status::Ok();
  }

  Status LowerPool(const Node& node) {
    Window2d window;
    QRUN_RETURN_IF_ERROR(ResolveWindow2d(graph_, node, Shape(node.inputs[0]), 0, 0, &window));
    const bool is_max = node.op == "MaxPool";
    Node pool = Make(node, is_max ? "MAX_POOL_2D" : "AVERAGE_POOL_2D");
    SetWindow(window, &pool);
    pool.set_attribute_int("kernel_h", window.kernel_h);
    pool.set_attribute_int("kernel_w", window.kernel_w);
    if (!is_max) {
      pool.set_attribute_int("count_include_pad", node.attribute_int("count_include_pad", 0));
    }
    lowered_.push_back(std::move(pool));
    return Status::Ok();
  }

  bool IsFloatConstant(const std::string& name) const {
    return graph_.is_constant(name) && graph_.tensor(name).type == DataType::kFloat32;
  }

  // A ReduceMean over H and W of a 4-D tensor: global average pooling, which MEAN runs.
  bool IsMeanOverHeightAndWidth(const Node& node) const {
    const std::vector<int64_t>& in = Shape(node.inputs[0]);
    std::vector<int64_t> axes;
    return node.op == "ReduceMean" && in.size() == 4 &&
           ReduceAxes(graph_, node, in.size(), &axes).ok() && axes == std::vector<int64_t>{2, 3};
  }

  Status LowerMean(const Node& node) {
    const std::vector<int64_t>& in = Shape(node.inputs[0]);
    const bool keepdims = node.op == "GlobalAveragePool" || node.attribute_int("keepdims", 1) != 0;
    Node mean = Make(node, "MEAN");
    if (keepdims) {
      lowered_.push_back(std::move(mean));
      return Status::Ok();
    }
    // [N, 1, 1, C] has the element order of the [N, C] ONNX asks for: a RESHAPE drops the ones.
    mean.outputs[0] = NewActivation(node.outputs[0] + "/keepdims", {in[0], 1, 1, in[1]});
    const std::string kept = mean.outputs[0];
    lowered_.push_back(std::move(mean));
    Node reshape;
    reshape.name = node.name + "/squeeze";
    reshape.op = "RESHAPE";
    reshape.inputs = {kept};
    reshape.outputs = {node.outputs[0]};
    lowered_.push_back(std::move(reshape));
    return Status::Ok();
  }

  // REDUCE over the axes as NHWC has them. A 4-D input's reduction without keepdims goes through
  // the keepdims result (NHWC, as every 4-D tensor) and a reshape, which puts the kept axes back
  // in ONNX's order.
  Status LowerReduce(const Node& node) {
    static const std::map<std::string, std::string> kFunctions = {
        {"ReduceMean", "Mean"}, {"ReduceSum", "Sum"}, {"ReduceMax", "Max"}, {"ReduceMin", "Min"}};
    const std::vector<int64_t> in = Shape(node.inputs[0]);
    std::vector<int64_t> axes;
    QRUN_RETURN_IF_ERROR(ReduceAxes(graph_, node, in.size(), &axes));
    if (axes.empty()) return LowerReshape(node, node.inputs[0], node.outputs[0]);
    const bool keepdims = node.attribute_int("keepdims", 1) != 0;
    Node reduce = Make(node, "REDUCE");
    reduce.inputs = {node.inputs[0]};
    reduce.attributes["function"].text = kFunctions.at(node.op);
    if (in.size() != 4) {
      reduce.set_attribute_ints("axes", axes);
      reduce.set_attribute_int("keep_dims", keepdims);
      lowered_.push_back(std::move(reduce));
      return Status::Ok();
    }
    std::vector<int64_t> nhwc_axes;
    std::vector<int64_t> kept_shape = in;
    for (int64_t axis : axes) {
      nhwc_axes.push_back(NhwcAxis(axis));
      kept_shape[axis] = 1;
    }
    std::sort(nhwc_axes.begin(), nhwc_axes.end());
    reduce.set_attribute_ints("axes", nhwc_axes);
    reduce.set_attribute_int("keep_dims", 1);
    if (keepdims) {
      lowered_.push_back(std::move(reduce));
      return Status::Ok();
    }
    reduce.outputs[0] = NewActivation(node.outputs[0] + "/keepdims", kept_shape);
    activations_4d_.insert(reduce.outputs[0]);
    const std::string kept = reduce.outputs[0];
    lowered_.push_back(std::move(reduce));
    Node squeeze = node;
    squeeze.name = node.name + "/squeeze";
    return LowerReshape(squeeze, kept, node.outputs[0]);
  }

  Status LowerReshape(const Node& node, std::string in, const std::string& out) {
    const std::vector<int64_t> in_nchw = Shape(in);
    const std::vector<int64_t> out_nchw = Shape(out);
    if (LayoutsDiffer(in_nchw)) {
      const std::string nchw = NewActivation(in + "/nchw", in_nchw);
      EmitTranspose(node.name + "/to_nchw", in, nchw, kNhwcToNchw);
      in = nchw;
    }
    Node reshape;
    reshape.name = node.name;
    reshape.op = "RESHAPE";
    reshape.inputs = {in};
    reshape.outputs = {out};
    if (!LayoutsDiffer(out_nchw)) {
      lowered_.push_back(std::move(reshape));
      return Status::Ok();
    }
    reshape.outputs[0] = NewActivation(out + "/nchw", out_nchw);
    const std::string nchw = reshape.outputs[0];
    lowered_.push_back(std::move(reshape));
    EmitTranspose(node.name + "/to_nhwc", nchw, out, kNchwToNhwc);
    return Status::Ok();
  }

  // A 4-D constant read next to NHWC activations must be NHWC as well.
  std::string NhwcConstant(const std::string& name, size_t rank_of_output) {
    Tensor c = graph_.tensor(name);
    if (rank_of_output != 4 || c.type != DataType::kFloat32) return name;
    while (c.shape.size() < 4) c.shape.insert(c.shape.begin(), 1);
    return graph_.add_tensor(PermutedConstant(c, kNchwToNhwc, name + "/nhwc"));
  }

  Status LowerConcat(const Node& node) {
    const size_t rank = Shape(node.outputs[0]).size();
    int64_t axis;
    NormalizeAxis(node.attribute_int("axis", 0), rank, &axis);  // checked by shape inference
    Node concat = Make(node, "CONCATENATION");
    for (std::string& input : concat.inputs) {
      if (graph_.is_constant(input)) input = NhwcConstant(input, rank);
    }
    concat.set_attribute_int("axis", rank == 4 ? NhwcAxis(axis) : axis);
    lowered_.push_back(std::move(concat));
    return Status::Ok();
  }

  // ADD, MUL, PRELU or ELEMENTWISE_BINARY: constant operands are permuted like the activations
  // they meet, whose rank is that of `rank_of_output` (the node's own output by default).
  Status LowerBinary(const Node& node, const char* op, size_t rank_of_output = 0) {
    const size_t rank = rank_of_output ? rank_of_output : Shape(node.outputs[0]).size();
    Node add = Make(node, op);
    for (std::string& input : add.inputs) {
      if (graph_.is_constant(input)) {
        input = NhwcConstant(input, rank);
      } else if (rank == 4 && Shape(input).size() != 4) {
        return UnsupportedNode(graph_, node,
                               "broadcasting a " + std::to_string(Shape(input).size()) +
                                   "-D activation against a 4-D one");
      }
    }
    lowered_.push_back(std::move(add));
    return Status::Ok();
  }

  // Sub, Div, Max and Min of activations (Max and Min of any number of inputs, as a chain of
  // pairs; of one input, as its maximum with itself).
  Status LowerElementwiseBinary(const Node& node) {
    static const std::map<std::string, std::string> kFunctions = {
        {"Sub", "Sub"}, {"Div", "Div"}, {"Max", "Maximum"}, {"Min", "Minimum"}};
    std::vector<std::string> inputs = node.inputs;
    if (inputs.size() == 1) inputs.push_back(inputs[0]);
    const size_t rank = Shape(node.outputs[0]).size();
    std::string left = inputs[0];
    std::vector<int64_t> left_shape = Shape(left);
    for (size_t i = 1; i < inputs.size(); ++i) {
      Node pair = node;
      pair.inputs = {left, inputs[i]};
      const bool last = i + 1 == inputs.size();
      if (!last) {
        pair.name = node.name + "/" + std::to_string(i);
        pair.activation = ActivationRange();
        std::vector<int64_t> shape;
        BroadcastShapes(left_shape, Shape(inputs[i]), &shape);  // checked by shape inference
        pair.outputs = {NewActivation(node.outputs[0] + "/" + std::to_string(i), shape)};
        if (shape.size() == 4) activations_4d_.insert(pair.outputs[0]);
        left_shape = shape;
      }
      QRUN_RETURN_IF_ERROR(LowerBinary(pair, "ELEMENTWISE_BINARY", rank));
      lowered_.back().attributes["function"].text = kFunctions.at(node.op);
      left = pair.outputs[0];
    }
    return Status::Ok();
  }

  // PRelu: its slope must be a constant, permuted like the activation it meets.
  Status LowerPRelu(const Node& node) {
    if (!IsFloatConstant(node.inputs[1])) {
      return UnsupportedNode(graph_, node, "only with a float constant slope");
    }
    return LowerBinary(node, "PRELU");
  }

  // Sub and Div by a constant are ADD of its negation and MUL by its reciprocal.
  Status LowerByConstant(const Node& node) {
    const bool is_sub = node.op == "Sub";
    if (!graph_.is_constant(node.inputs[1]) ||
        graph_.tensor(node.inputs[1]).type != DataType::kFloat32) {
      return UnsupportedNode(graph_, node, "only by a float constant");
    }
    Tensor operand = graph_.tensor(node.inputs[1]);
    operand.name = node.name + (is_sub ? "/negated" : "/reciprocal");
    for (float& v : operand.float_data) v = is_sub ? -v : 1.0f / v;
    Node binary = node;
    binary.op = is_sub ? "Add" : "Mul";
    binary.inputs[1] = graph_.add_tensor(std::move(operand));
    return LowerBinary(binary, is_sub ? "ADD" : "MUL");
  }

  // Any rank up to 6. A 4-D tensor is NHWC on both sides by now: output axis i (NHWC) is NCHW
  // axis kNchwToNhwc[i] of the output, which ONNX's perm takes from NCHW axis perm[that] of the
  // input, which is NHWC axis NhwcAxis(perm[that]) there.
  Status LowerTranspose(const Node& node) {
    const size_t rank = Shape(node.inputs[0]).size();
    if (rank > 6) return UnsupportedNode(graph_, node, "a transpose of rank above 6");
    Node transpose = Make(node, "TRANSPOSE");
    std::vector<int64_t> perm = node.attribute_ints("perm");
    if (perm.empty()) {
      for (size_t d = rank; d-- > 0;) perm.push_back(static_cast<int64_t>(d));
    }
    if (rank == 4) {
      std::vector<int64_t> composed;
      for (int64_t axis : kNchwToNhwc) composed.push_back(NhwcAxis(perm[axis]));
      perm = composed;
    }
    transpose.set_attribute_ints("perm", perm);
    lowered_.push_back(std::move(transpose));
    return Status::Ok();
  }

  // The NCHW axis that axis `physical` of a tensor of rank `rank` holds at run time.
  static int64_t SourceAxis(size_t physical, size_t rank) {
    return rank == 4 ? kNchwToNhwc[physical] : static_cast<int64_t>(physical);
  }

  // A SLICE of `in` into `out`, `axes` in ONNX (NCHW) order.
  void EmitSlice(const std::string& name, const std::string& in, const std::string& out,
                 const std::vector<SliceAxis>& axes) {
    Node slice;
    slice.name = name;
    slice.op = "SLICE";
    slice.inputs = {in};
    slice.outputs = {out};
    std::vector<int64_t> begin, step;
    for (size_t d = 0; d < axes.size(); ++d) {
      const SliceAxis& axis = axes[SourceAxis(d, axes.size())];
      begin.push_back(axis.begin);
      step.push_back(axis.step);
    }
    slice.set_attribute_ints("begin", begin);
    slice.set_attribute_ints("step", step);
    lowered_.push_back(std::move(slice));
  }

  Status LowerSlice(const Node& node) {
    if (Shape(node.inputs[0]).size() > 6) return UnsupportedNode(graph_, node, "rank above 6");
    std::vector<SliceAxis> axes;
    QRUN_RETURN_IF_ERROR(ResolveSlice(graph_, node, Shape(node.inputs[0]), &axes));
    EmitSlice(node.name, node.inputs[0], node.outputs[0], axes);
    return Status::Ok();
  }

  // One SLICE per output.
  Status LowerSplit(const Node& node) {
    const std::vector<int64_t>& in = Shape(node.inputs[0]);
    if (in.size() > 6) return UnsupportedNode(graph_, node, "rank above 6");
    int64_t axis;
    std::vector<int64_t> sizes;
    QRUN_RETURN_IF_ERROR(ResolveSplit(graph_, node, in, &axis, &sizes));
    std::vector<SliceAxis> axes;
    for (int64_t dim : in) axes.push_back(SliceAxis{0, 1, dim});
    int64_t begin = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      axes[axis] = SliceAxis{begin, 1, sizes[i]};
      begin += sizes[i];
      EmitSlice(node.name + (i ? "/" + std::to_string(i) : ""), node.inputs[0], node.outputs[i],
                axes);
    }
    return Status::Ok();
  }

  // Between two 4-D tensors the gathered axis is remapped; where the rank changes (a scalar index
  // drops the axis) the GATHER runs on NCHW-ordered tensors, with TRANSPOSEs around it.
  Status LowerGather(const Node& node) {
    std::string in = node.inputs[0];
    const std::vector<int64_t> in_shape = Shape(in);
    int64_t axis;
    std::vector<int64_t> indices, out_shape;
    QRUN_RETURN_IF_ERROR(ResolveGather(graph_, node, in_shape, &axis, &indices, &out_shape));
    if (in_shape.size() > 6 || out_shape.size() > 6) {
      return UnsupportedNode(graph_, node, "rank above 6");
    }
    Tensor index_tensor;
    index_tensor.name = node.name + "/indices";
    index_tensor.type = DataType::kInt32;
    index_tensor.is_constant = true;
    index_tensor.shape = graph_.tensor(node.inputs[1]).shape;
    index_tensor.int32_data.assign(indices.begin(), indices.end());
    Node gather = Make(node, "GATHER");
    gather.inputs[1] = graph_.add_tensor(std::move(index_tensor));
    const bool both_4d = in_shape.size() == 4 && out_shape.size() == 4;
    if (both_4d) {
      gather.set_attribute_int("axis", NhwcAxis(axis));
      lowered_.push_back(std::move(gather));
      return Status::Ok();
    }
    gather.set_attribute_int("axis", axis);
    if (in_shape.size() == 4) {
      gather.inputs[0] = NewActivation(in + "/nchw", in_shape);
      EmitTranspose(node.name + "/to_nchw", in, gather.inputs[0], kNhwcToNchw);
    }
    if (out_shape.size() != 4) {
      lowered_.push_back(std::move(gather));
      return Status::Ok();
    }
    gather.outputs[0] = NewActivation(node.outputs[0] + "/nchw", out_shape);
    const std::string nchw = gather.outputs[0];
    lowered_.push_back(std::move(gather));
    EmitTranspose(node.name + "/to_nhwc", nchw, node.outputs[0], kNchwToNhwc);
    return Status::Ok();
  }

  // Input 1 becomes the padding value, a one-element float constant the quantizer quantizes.
  Status LowerPad(const Node& node) {
    const std::vector<int64_t>& in = Shape(node.inputs[0]);
    if (in.size() > 6) return UnsupportedNode(graph_, node, "rank above 6");
    PadSpec pad;
    QRUN_RETURN_IF_ERROR(ResolvePad(graph_, node, in, &pad));
    // Negative pads crop: a SLICE first, then a PAD of what is left to add.
    std::vector<SliceAxis> crop;
    bool crops = false, grows = false;
    std::vector<int64_t> cropped = in;
    for (size_t d = 0; d < in.size(); ++d) {
      const int64_t front = std::max<int64_t>(0, -pad.before[d]);
      const int64_t back = std::max<int64_t>(0, -pad.after[d]);
      cropped[d] = in[d] - front - back;
      crop.push_back(SliceAxis{front, 1, cropped[d]});
      crops = crops || front > 0 || back > 0;
      grows = grows || pad.before[d] > 0 || pad.after[d] > 0;
      pad.before[d] = std::max<int64_t>(0, pad.before[d]);
      pad.after[d] = std::max<int64_t>(0, pad.after[d]);
    }
    std::string source = node.inputs[0];
    if (crops) {
      const bool last = !grows;
      const std::string target =
          last ? node.outputs[0]
               : NewActivation(node.outputs[0] + "/cropped",
                               in.size() == 4 ? Permuted(cropped, kNchwToNhwc) : cropped);
      EmitSlice(node.name + (last ? "" : "/crop"), source, target, crop);
      if (last) return Status::Ok();
      source = target;
    }
    Node lowered = Make(node, "PAD");
    lowered.inputs = {source};
    std::vector<int64_t> before, after;
    for (size_t d = 0; d < in.size(); ++d) {
      before.push_back(pad.before[SourceAxis(d, in.size())]);
      after.push_back(pad.after[SourceAxis(d, in.size())]);
    }
    lowered.set_attribute_ints("before", before);
    lowered.set_attribute_ints("after", after);
    lowered.attributes["mode"].text = pad.mode;
    if (pad.mode == "constant") {
      Tensor value;
      value.name = node.name + "/value";
      value.is_constant = true;
      value.shape = {1};
      value.float_data = {pad.value};
      lowered.inputs.push_back(graph_.add_tensor(std::move(value)));
    }
    lowered_.push_back(std::move(lowered));
    return Status::Ok();
  }

  // Weights [C_in, C_out / group, KH, KW] become OHWI [C_out, KH, KW, C_in / group].
  Status LowerConvTranspose(const Node& node) {
    TransposeConvWindow window;
    QRUN_RETURN_IF_ERROR(ResolveTransposeConv(graph_, node, &window));
    const Tensor& w = graph_.tensor(node.inputs[1]);
    const std::string& b = node.input(2);
    const int64_t out_channels = window.output_channels;
    if (!b.empty() && (!graph_.is_constant(b) || graph_.tensor(b).type != DataType::kFloat32 ||
                       graph_.tensor(b).element_count() != out_channels)) {
      return UnsupportedNode(graph_, node, "its bias must be a float constant, one per channel");
    }
    const int64_t group_in = w.shape[0] / window.group;
    const int64_t group_out = w.shape[1];
    const int64_t kh = w.shape[2], kw = w.shape[3];
    Tensor ohwi = w;
    ohwi.name = node.name + "/weights";
    ohwi.shape = {out_channels, kh, kw, group_in};
    size_t next = 0;
    for (int64_t oc = 0; oc < out_channels; ++oc) {
      const int64_t g = oc / group_out;
      for (int64_t y = 0; y < kh; ++y) {
        for (int64_t x = 0; x < kw; ++x) {
          for (int64_t ic = 0; ic < group_in; ++ic) {
            const int64_t source =
                (((g * group_in + ic) * group_out + oc % group_out) * kh + y) * kw + x;
            ohwi.float_data[next++] = w.float_data[source];
          }
        }
      }
    }
    Node conv = Make(node, "TRANSPOSE_CONV_2D");
    conv.inputs.resize(3);
    conv.inputs[1] = graph_.add_tensor(std::move(ohwi));
    if (b.empty()) {
      Tensor bias;
      bias.name = node.name + "/bias";
      bias.is_constant = true;
      bias.shape = {out_channels};
      bias.float_data.assign(static_cast<size_t>(out_channels), 0.0f);
      conv.inputs[2] = graph_.add_tensor(std::move(bias));
    }
    conv.set_attribute_int("stride_h", window.stride_h);
    conv.set_attribute_int("stride_w", window.stride_w);
    conv.set_attribute_int("dilation_h", window.dilation_h);
    conv.set_attribute_int("dilation_w", window.dilation_w);
    conv.set_attribute_int("pad_top", window.pad_top);
    conv.set_attribute_int("pad_left", window.pad_left);
    conv.set_attribute_int("pad_bottom", window.pad_bottom);
    conv.set_attribute_int("pad_right", window.pad_right);
    conv.set_attribute_int("output_padding_h", window.output_padding_h);
    conv.set_attribute_int("output_padding_w", window.output_padding_w);
    conv.set_attribute_int("groups", window.group);
    lowered_.push_back(std::move(conv));
    return Status::Ok();
  }

  // A MatMul left by the FULLY_CONNECTED lowering multiplies two activations: [B,] M x K by
  // [B,] K x N.
  Status LowerBatchMatMul(const Node& node) {
    if (Shape(node.inputs[0]).size() > 3) {
      return UnsupportedNode(graph_, node, "a product of activations of rank above 3");
    }
    lowered_.push_back(Make(node, "BATCH_MATMUL"));
    return Status::Ok();
  }

  bool IsRead(const Node& node, size_t output) const {
    if (output >= node.outputs.size() || node.outputs[output].empty()) return false;
    const std::string& name = node.outputs[output];
    return graph_.consumer_count(name) > 0 || graph_.is_graph_output(name);
  }

  // LayerNormalization's scale (input 1) or bias (input 2) as LAYER_NORM takes it: one float per
  // normalized element, [columns], in the order the normalized elements have in memory. An
  // omitted bias is zeros. `nhwc`: the normalized axes are C, H, W (or all four) of a 4-D tensor
  // and lie in NHWC order, so the constant is permuted alike.
  Status NormParameter(const Node& node, size_t input, int64_t columns,
                       const std::vector<int64_t>& normalized, bool nhwc, std::string* name) {
    const std::string& given = node.input(input);
    if (given.empty() && input == 2) {
      Tensor zeros;
      zeros.name = node.name + "/bias";
      zeros.is_constant = true;
      zeros.shape = {columns};
      zeros.float_data.assign(static_cast<size_t>(columns), 0.0f);
      *name = graph_.add_tensor(std::move(zeros));
      return Status::Ok();
    }
    if (given.empty() || !IsFloatConstant(given) ||
        graph_.tensor(given).element_count() != columns) {
      return UnsupportedNode(graph_, node,
                             "its scale and bias must be float constants, one per normalized "
                             "element (" +
                                 std::to_string(columns) + ")");
    }
    const Tensor& tensor = graph_.tensor(given);
    if (!nhwc && tensor.shape == std::vector<int64_t>{columns}) {
      *name = given;
      return Status::Ok();
    }
    Tensor flat = tensor;
    if (nhwc) {
      flat.shape = normalized;
      flat.shape.insert(flat.shape.begin(), 4 - normalized.size(), 1);
      flat = PermutedConstant(flat, kNchwToNhwc, given);
    }
    flat.name = node.name + (input == 1 ? "/scale" : "/bias");
    flat.shape = {columns};
    *name = graph_.add_tensor(std::move(flat));
    return Status::Ok();
  }

  // LAYER_NORM normalizes the last axis of what it reads; LayerNormalization normalizes axes
  // [axis, rank). Over the last axis of a tensor that is not 4-D it runs on the input as it is;
  // otherwise on a [rows, columns] RESHAPE of it, with the normalized elements in the order they
  // have in memory: NHWC for a 4-D input normalized from N or C (the normalized axes then end the
  // NHWC tensor too; scale and bias are permuted), NCHW from H or W (LowerReshape's TRANSPOSEs to
  // NCHW and back around it). Mean and InvStdDev, when read, are LAYER_NORM's [rows] outputs 1
  // and 2 reshaped to ONNX's shape.
  Status LowerLayerNorm(const Node& node) {
    const std::vector<int64_t> in = Shape(node.inputs[0]);
    const size_t rank = in.size();
    int64_t axis;
    if (!NormalizeAxis(node.attribute_int("axis", -1), rank, &axis)) {
      return InvalidNode(node, "bad axis");
    }
    const std::vector<int64_t> normalized(in.begin() + axis, in.end());
    const int64_t columns = ElementCount(normalized);
    const int64_t rows = ElementCount(std::vector<int64_t>(in.begin(), in.begin() + axis));
    const bool nhwc = rank == 4 && axis <= 1;
    Node norm = Make(node, "LAYER_NORM");
    norm.inputs.resize(3);
    QRUN_RETURN_IF_ERROR(NormParameter(node, 1, columns, normalized, nhwc, &norm.inputs[1]));
    QRUN_RETURN_IF_ERROR(NormParameter(node, 2, columns, normalized, nhwc, &norm.inputs[2]));
    norm.attributes["epsilon"].floats = {node.attribute_float("epsilon", 1e-5f)};
    // A RESHAPE between the rows and a tensor of the graph: in NHWC order the bytes are in place
    // already; in NCHW order LowerReshape adds the TRANSPOSEs a 4-D tensor needs.
    const auto reshape = [&](const std::string& suffix, const std::string& from,
                             const std::string& to) {
      Node part;
      part.name = node.name + suffix;
      part.op = "RESHAPE";
      part.inputs = {from};
      part.outputs = {to};
      if (!nhwc) return LowerReshape(part, from, to);
      lowered_.push_back(std::move(part));
      return Status::Ok();
    };
    const bool on_rows = rank == 4 || axis != static_cast<int64_t>(rank) - 1;
    if (on_rows) {
      norm.inputs[0] = NewActivation(node.outputs[0] + "/rows_in", {rows, columns});
      norm.outputs[0] = NewActivation(node.outputs[0] + "/rows", {rows, columns});
      QRUN_RETURN_IF_ERROR(reshape("/to_rows", node.inputs[0], norm.inputs[0]));
    }
    if (IsRead(node, 1) || IsRead(node, 2)) {
      norm.outputs.push_back(NewActivation(node.outputs[0] + "/mean", {rows}));
      norm.outputs.push_back(NewActivation(node.outputs[0] + "/inv_std_dev", {rows}));
    }
    const std::vector<std::string> results = norm.outputs;
    lowered_.push_back(std::move(norm));
    if (on_rows) QRUN_RETURN_IF_ERROR(reshape("/from_rows", results[0], node.outputs[0]));
    if (IsRead(node, 1)) QRUN_RETURN_IF_ERROR(reshape("/mean", results[1], node.outputs[1]));
    if (IsRead(node, 2)) {
      QRUN_RETURN_IF_ERROR(reshape("/inv_std_dev", results[2], node.outputs[2]));
    }
    return Status::Ok();
  }

  // tf_crop_and_resize's roi of H and W ([start, end] each); N and C must keep their whole
  // extent, [0, 1], unless they hold one element, which any roi maps to itself.
  Status ResizeRoi(const Node& node, const std::vector<int64_t>& in, Node* resize) {
    const std::string& roi = node.input(1);
    if (roi.empty() || graph_.tensor(roi).float_data.size() != 2 * in.size()) {
      return UnsupportedNode(
          graph_, node,
          "tf_crop_and_resize needs a roi of 8 values (starts, then ends of N, C, H, W)");
    }
    const std::vector<float>& bounds = graph_.tensor(roi).float_data;
    for (size_t axis = 0; axis < in.size(); ++axis) {
      const float start = bounds[axis], end = bounds[axis + in.size()];
      if (!std::isfinite(start) || !std::isfinite(end)) {
        return UnsupportedNode(graph_, node, "its roi must be finite");
      }
      if (axis < 2 && in[axis] > 1 && (start != 0.0f || end != 1.0f)) {
        return UnsupportedNode(graph_, node, "a roi that crops N or C (only H and W)");
      }
    }
    resize->attributes["roi_h_start"].floats = {bounds[2]};
    resize->attributes["roi_w_start"].floats = {bounds[3]};
    resize->attributes["roi_h_end"].floats = {bounds[6]};
    resize->attributes["roi_w_end"].floats = {bounds[7]};
    resize->attributes["extrapolation_value"].floats = {
        node.attribute_float("extrapolation_value", 0.0f)};
    return Status::Ok();
  }

  // Resize of H and W only, nearest or linear, in any coordinate transformation; the scales are
  // kept for the transformations that use them, the roi for tf_crop_and_resize.
  Status LowerResize(const Node& node) {
    const std::vector<int64_t>& in = Shape(node.inputs[0]);
    const std::vector<int64_t>& out = Shape(node.outputs[0]);
    if (in.size() != 4 || out[0] != in[0] || out[1] != in[1]) {
      return UnsupportedNode(graph_, node, "only a resize of H and W of a 4-D tensor");
    }
    const std::string mode = node.attribute_text("mode", "nearest");
    if (mode != "nearest" && mode != "linear") {
      return UnsupportedNode(graph_, node, "mode '" + mode + "' (nearest and linear are)");
    }
    const std::string coordinates =
        node.attribute_text("coordinate_transformation_mode", "half_pixel");
    if (mode == "linear" && node.attribute_int("exclude_outside", 0) != 0) {
      return UnsupportedNode(graph_, node, "exclude_outside=1");
    }
    float scale_h = static_cast<float>(out[2]) / static_cast<float>(in[2]);
    float scale_w = static_cast<float>(out[3]) / static_cast<float>(in[3]);
    const std::string& scales = node.input(2);
    if (!scales.empty() && graph_.tensor(scales).element_count() == 4) {
      scale_h = graph_.tensor(scales).float_data[2];
      scale_w = graph_.tensor(scales).float_data[3];
    }
    Node resize = Make(node, "RESIZE");
    resize.inputs = {node.inputs[0]};
    resize.attributes["mode"].text = mode;
    resize.attributes["coordinates"].text = coordinates;
    resize.attributes["nearest_rounding"].text =
        node.attribute_text("nearest_mode", "round_prefer_floor");
    resize.attributes["scale_h"].floats = {scale_h};
    resize.attributes["scale_w"].floats = {scale_w};
    if (coordinates == "tf_crop_and_resize") QRUN_RETURN_IF_ERROR(ResizeRoi(node, in, &resize));
    lowered_.push_back(std::move(resize));
    return Status::Ok();
  }

  Graph& graph_;
  std::vector<Node> lowered_;
  // The activations that are 4-D in ONNX's NCHW order, to be made NHWC once all are lowered.
  std::set<std::string> activations_4d_;
};

}  // namespace

Status ConvertToNhwc(Graph& graph) {
  return NhwcLowering(graph).Run();
}

}  // namespace qrun::converter
