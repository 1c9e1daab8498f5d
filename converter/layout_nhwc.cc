// The one change of layout: every 4-D activation (graph inputs and outputs included) becomes NHWC,
// and every remaining ONNX op becomes its qfb operator, with the attributes the writer turns into
// qfb options. Conv weights become OHWI ([out, KH, KW, in / groups], depthwise included), 4-D
// constants that meet NHWC activations (an Add operand, a Concat input) are permuted alike, and
// Concat axes are remapped. Flatten and Reshape keep ONNX's element order, which is NCHW order: a
// TRANSPOSE to NCHW goes before the RESHAPE when the 4-D input's NHWC order differs (H*W > 1 and
// C > 1), and one back to NHWC after it when a 4-D output's does.
#include <algorithm>
#include <set>

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
    // around a RESHAPE) keep the shapes they are given.
    std::set<std::string> activations_4d;
    for (const auto& entry : graph_.tensors) {
      if (!entry.second.is_constant && entry.second.shape.size() == 4) {
        activations_4d.insert(entry.first);
      }
    }
    for (const Node& node : graph_.nodes) QRUN_RETURN_IF_ERROR(Lower(node));
    graph_.nodes = std::move(lowered_);
    for (const std::string& name : activations_4d) {
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
    // Lowered already, on tensors that are never 4-D (see fully_connected_lowering.cc).
    if (op == "FULLY_CONNECTED" || op == "RESHAPE") {
      lowered_.push_back(node);
      return Status::Ok();
    }
    if (op == "Conv") return LowerConv(node);
    if (op == "MaxPool" || op == "AveragePool") return LowerPool(node);
    if (op == "GlobalAveragePool" || op == "ReduceMean") return LowerMean(node);
    if (op == "Flatten" || op == "Reshape") {
      return LowerReshape(node, node.inputs[0], node.outputs[0]);
    }
    if (op == "Concat") return LowerConcat(node);
    if (op == "Add") return LowerBinary(node, "ADD");
    if (op == "Mul") return LowerBinary(node, "MUL");
    if (op == "Sub" || op == "Div") return LowerByConstant(node);
    if (op == "Transpose") return LowerTranspose(node);
    if (op == "MatMul") return LowerBatchMatMul(node);
    if (op == "LayerNormalization") return LowerLayerNorm(node);
    if (op == "Resize") return LowerResize(node);
    if (op == "Gather" || op == "Unsqueeze") {
      // Shape inference let them through for FuseChannelwiseAffines, which took none of these.
      return UnsupportedNode(graph_, node, "only on constant inputs");
    }
    if (op == "ChannelShuffle") {
      // A permutation of the channel axis, last in NHWC; every output is one part of it.
      Node shuffle = Make(node, "CHANNEL_SHUFFLE");
      shuffle.outputs = node.outputs;
      shuffle.attributes = node.attributes;
      lowered_.push_back(std::move(shuffle));
      return Status::Ok();
    }
    if (op == "HardSwish" || op == "HardSigmoid" || op == "Sigmoid" || op == "Silu" ||
        op == "Gelu") {
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
      lowered_.push_back(std::move(unary));
      return Status::Ok();
    }
    if (op == "Softmax") {
      if (Shape(node.inputs[0]).size() == 4) {
        return UnsupportedNode(graph_, node, "softmax over a 4-D tensor (its last axis is W)");
      }
      Node softmax = Make(node, "SOFTMAX");
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

  Status LowerMean(const Node& node) {
    const std::vector<int64_t>& in = Shape(node.inputs[0]);
    bool keepdims = true;
    if (node.op == "ReduceMean") {
      std::vector<int64_t> axes;
      for (int64_t axis : node.attribute_ints("axes")) {
        int64_t normalized;
        if (NormalizeAxis(axis, in.size(), &normalized)) axes.push_back(normalized);
      }
      std::sort(axes.begin(), axes.end());
      if (in.size() != 4 || axes != std::vector<int64_t>{2, 3}) {
        return UnsupportedNode(graph_, node, "only a mean over H and W of a 4-D tensor");
      }
      keepdims = node.attribute_int("keepdims", 1) != 0;
    }
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

  // ADD or MUL: constant operands are permuted like the activations they meet.
  Status LowerBinary(const Node& node, const char* op) {
    const size_t rank = Shape(node.outputs[0]).size();
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

  // Of tensors the layout leaves alone (rank up to 3): a 4-D one is NHWC by now.
  Status LowerTranspose(const Node& node) {
    const size_t rank = Shape(node.inputs[0]).size();
    if (rank == 4 || rank > 4) {
      return UnsupportedNode(graph_, node, "a transpose of a 4-D activation");
    }
    Node transpose = Make(node, "TRANSPOSE");
    std::vector<int64_t> perm = node.attribute_ints("perm");
    if (perm.empty()) {
      for (size_t d = rank; d-- > 0;) perm.push_back(static_cast<int64_t>(d));
    }
    transpose.set_attribute_ints("perm", perm);
    lowered_.push_back(std::move(transpose));
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

  Status LowerLayerNorm(const Node& node) {
    const size_t rank = Shape(node.inputs[0]).size();
    int64_t axis;
    if (rank == 4 || !NormalizeAxis(node.attribute_int("axis", -1), rank, &axis) ||
        axis != static_cast<int64_t>(rank) - 1) {
      return UnsupportedNode(graph_, node, "only over the last axis of a tensor of rank up to 3");
    }
    for (size_t i = 1; i < 3; ++i) {
      const std::string& name = node.input(i);
      if (name.empty() || !graph_.is_constant(name) ||
          graph_.tensor(name).element_count() != Shape(node.inputs[0]).back()) {
        return UnsupportedNode(graph_, node,
                               "its scale and bias must be constants, one per channel");
      }
    }
    Node norm = Make(node, "LAYER_NORM");
    norm.attributes["epsilon"].floats = {node.attribute_float("epsilon", 1e-5f)};
    lowered_.push_back(std::move(norm));
    return Status::Ok();
  }

  // Resize of H and W only, nearest or linear, in any coordinate transformation but
  // tf_crop_and_resize; the scales are kept for the transformations that use them.
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
    if (coordinates == "tf_crop_and_resize") {
      return UnsupportedNode(graph_, node, "coordinate transformation tf_crop_and_resize");
    }
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
    lowered_.push_back(std::move(resize));
    return Status::Ok();
  }

  Graph& graph_;
  std::vector<Node> lowered_;
};

}  // namespace

Status ConvertToNhwc(Graph& graph) {
  return NhwcLowering(graph).Run();
}

}  // namespace qrun::converter
