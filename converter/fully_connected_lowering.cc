// Gemm and MatMul with a constant right side become FULLY_CONNECTED: inputs [x, weights, bias]
// with weights OI ([out, in], the layout of the reference kernel) and a bias of one float per
// output. Gemm's alpha is folded into the weights and beta * C into the bias, in double.
// A constant bias added to a MatMul's product alone is folded in as for Gemm's C.
// A MatMul input of rank above 2 is a batch of rows: RESHAPEs to [rows, in] before and from
// [rows, out] after make it the 2-D FULLY_CONNECTED the runtime takes.
#include "converter/passes.h"
#include "converter/shape_inference.h"

namespace qrun::converter {
namespace {

// The weights as OI from B ([in, out], or already [out, in] when `b_is_oi`), times alpha.
Tensor OiWeights(const Node& node, const Tensor& b, bool b_is_oi, double alpha) {
  const int64_t out = b_is_oi ? b.shape[0] : b.shape[1];
  const int64_t in = b_is_oi ? b.shape[1] : b.shape[0];
  Tensor w;
  w.name = node.name + "/weights";
  w.is_constant = true;
  w.shape = {out, in};
  w.float_data.resize(static_cast<size_t>(out * in));
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) {
      const float value = b_is_oi ? b.float_data[o * in + i] : b.float_data[i * out + o];
      w.float_data[o * in + i] = static_cast<float>(value * alpha);
    }
  }
  // A pre-quantized model's weight grid follows its weights to OI when alpha leaves them as they
  // are and it is per tensor or per output channel (B's axis 0 when B is OI, else axis 1).
  const Quantization& grid = b.quantization;
  if (alpha == 1.0 && !grid.scale.empty() &&
      (grid.channel_axis == -1 || grid.channel_axis == (b_is_oi ? 0 : 1))) {
    w.quantization = grid;
    if (grid.channel_axis != -1) w.quantization.channel_axis = 0;
  }
  return w;
}

// beta * C as one value per output; C must not vary along the batch.
Status Bias(const Graph& graph, const Node& node, int64_t out, double beta, Tensor* bias) {
  bias->name = node.name + "/bias";
  bias->is_constant = true;
  bias->shape = {out};
  bias->float_data.assign(static_cast<size_t>(out), 0.0f);
  const std::string& c_name = node.input(2);
  if (c_name.empty()) return Status::Ok();
  const Tensor& c = graph.tensor(c_name);
  const int64_t count = c.element_count();
  const bool per_output = !c.shape.empty() && c.shape.back() == out && count == out;
  if (!c.is_constant || c.type != DataType::kFloat32 || (count != 1 && !per_output)) {
    return UnsupportedNode(graph, node, "C must be a constant of one value or one per output");
  }
  for (int64_t o = 0; o < out; ++o) {
    bias->float_data[o] = static_cast<float>(beta * c.float_data[count == 1 ? 0 : o]);
  }
  return Status::Ok();
}

Node Reshape(const std::string& name, const std::string& input, const std::string& output) {
  Node node;
  node.name = name;
  node.op = "RESHAPE";
  node.inputs = {input};
  node.outputs = {output};
  return node;
}

// Appends the lowered form of `node` to `lowered`.
Status Lower(Graph& graph, Node node, std::vector<Node>* lowered) {
  const Tensor& b = graph.tensor(node.inputs[1]);
  if (!b.is_constant || b.type != DataType::kFloat32) {
    return UnsupportedNode(graph, node, "its right-hand side must be a float constant");
  }
  const std::vector<int64_t> a_shape = graph.tensor(node.inputs[0]).shape;
  if (a_shape.size() == 4) {
    return UnsupportedNode(graph, node, "a 4-D left-hand side (its layout changes to NHWC)");
  }
  const bool is_gemm = node.op == "Gemm";
  if (is_gemm && node.attribute_int("transA", 0) != 0) {
    return UnsupportedNode(graph, node, "transA=1 on a non-constant A");
  }
  const bool b_is_oi = is_gemm && node.attribute_int("transB", 0) != 0;
  const double alpha = is_gemm ? node.attribute_float("alpha", 1.0f) : 1.0;
  const double beta = is_gemm ? node.attribute_float("beta", 1.0f) : 1.0;
  Tensor weights = OiWeights(node, b, b_is_oi, alpha);
  const int64_t out_channels = weights.shape[0];
  Tensor bias;
  QRUN_RETURN_IF_ERROR(Bias(graph, node, out_channels, beta, &bias));
  node.op = "FULLY_CONNECTED";
  node.attributes.clear();
  node.inputs = {node.inputs[0], graph.add_tensor(std::move(weights)),
                 graph.add_tensor(std::move(bias))};
  if (a_shape.size() == 2) {
    lowered->push_back(std::move(node));
    return Status::Ok();
  }
  const int64_t rows = ElementCount(a_shape) / a_shape.back();
  Tensor rows_in, rows_out;
  rows_in.name = node.inputs[0] + "/rows";
  rows_in.shape = {rows, a_shape.back()};
  rows_out.name = node.outputs[0] + "/rows";
  rows_out.shape = {rows, out_channels};
  const std::string in = graph.add_tensor(std::move(rows_in));
  const std::string out = graph.add_tensor(std::move(rows_out));
  lowered->push_back(Reshape(node.name + "/to_rows", node.inputs[0], in));
  lowered->push_back(Reshape(node.name + "/from_rows", out, node.outputs[0]));
  node.inputs[0] = in;
  node.outputs[0] = out;
  lowered->insert(lowered->end() - 1, std::move(node));
  return Status::Ok();
}

}  // namespace

// The Add of a constant bias (one value per output) that alone reads a MatMul's product: it
// becomes the MatMul's C, as Gemm has it, so that the FULLY_CONNECTED adds it in its epilogue.
void FoldBiasAdds(Graph& graph) {
  std::vector<bool> folded(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& matmul = graph.nodes[i];
    if (matmul.op != "MatMul" || matmul.inputs.size() != 2 ||
        !graph.is_constant(matmul.inputs[1])) {
      continue;
    }
    const std::string product = matmul.outputs[0];
    if (graph.is_graph_output(product) || graph.consumer_count(product) != 1) continue;
    const int64_t outputs = graph.tensor(matmul.inputs[1]).shape.back();
    for (size_t j = i + 1; j < graph.nodes.size(); ++j) {
      const Node& add = graph.nodes[j];
      if (add.op != "Add" || (add.inputs[0] != product && add.inputs[1] != product)) continue;
      const std::string& bias = add.inputs[0] == product ? add.inputs[1] : add.inputs[0];
      if (graph.is_constant(bias) && graph.tensor(bias).type == DataType::kFloat32 &&
          graph.tensor(bias).element_count() == outputs &&
          graph.tensor(bias).shape.back() == outputs) {
        matmul.inputs.push_back(bias);
        matmul.outputs[0] = add.outputs[0];
        matmul.activation = add.activation;  // a ReLU fused into the Add already
        folded[j] = true;
      }
      break;
    }
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (!folded[i]) kept.push_back(std::move(graph.nodes[i]));
  }
  graph.nodes = std::move(kept);
}

Status LowerFullyConnected(Graph& graph) {
  FoldBiasAdds(graph);
  std::vector<Node> lowered;
  for (Node& node : graph.nodes) {
    // A MatMul of two activations (attention) is not a FULLY_CONNECTED: see layout_nhwc.cc.
    if (node.op == "Gemm" || (node.op == "MatMul" && graph.is_constant(node.inputs[1]))) {
      QRUN_RETURN_IF_ERROR(Lower(graph, std::move(node), &lowered));
    } else {
      lowered.push_back(std::move(node));
    }
  }
  graph.nodes = std::move(lowered);
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
