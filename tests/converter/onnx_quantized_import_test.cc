// Pre-quantized ONNX models (QDQ and QOperator), built by hand so that every scale, zero point and
// integer is known: the import keeps the model's parameters (uint8 ones shifted by 128), the
// quantizer keeps its weights and biases exactly, and each pattern qrun cannot take is refused
// with the node named.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "converter/command_line.h"
#include "converter/onnx_importer.h"
#include "converter/passes.h"
#include "converter/quantizer.h"
#include "onnx_builder.h"

namespace qrun::converter {
namespace {

using testing::OnnxBuilder;
constexpr int kInt8 = onnx::TensorProto_DataType_INT8;
constexpr int kUint8 = onnx::TensorProto_DataType_UINT8;
constexpr int kInt32 = onnx::TensorProto_DataType_INT32;

// Weights [3, 2, 1, 1], each channel reaching +-127 as symmetric per-channel quantizers make them.
const std::vector<int32_t> kWeights = {127, -5, 64, -127, 0, 127};
const std::vector<float> kWeightScales = {0.01f, 0.02f, 0.005f};
const std::vector<int32_t> kBias = {100, -200, 7};

// Q/DQ around x (uint8, zero point 130), Conv on dequantized int8 weights and int32 bias, Q/DQ
// around its output (uint8, zero point 100), as ONNX Runtime's quantize_static writes them.
OnnxBuilder QdqConv() {
  OnnxBuilder b;
  b.input("x", {1, 2, 3, 3});
  b.initializer("x_scale", {}, {0.02f});
  b.initializer_int("x_zero_point", kUint8, {}, {130});
  b.initializer_int("w_quantized", kInt8, {3, 2, 1, 1}, kWeights);
  b.initializer("w_scale", {3}, kWeightScales);
  b.initializer_int("w_zero_point", kInt8, {3}, {0, 0, 0});
  std::vector<float> bias_scales;
  for (float s : kWeightScales) bias_scales.push_back(0.02f * s);
  b.initializer_int("b_quantized", kInt32, {3}, kBias);
  b.initializer("b_scale", {3}, bias_scales);
  b.initializer_int("b_zero_point", kInt32, {3}, {0, 0, 0});
  b.initializer("y_scale", {}, {0.05f});
  b.initializer_int("y_zero_point", kUint8, {}, {100});
  b.node("QuantizeLinear", {"x", "x_scale", "x_zero_point"}, {"xq"}, "x_quant");
  b.node("DequantizeLinear", {"xq", "x_scale", "x_zero_point"}, {"xd"}, "x_dequant");
  OnnxBuilder::set_int(
      b.node("DequantizeLinear", {"w_quantized", "w_scale", "w_zero_point"}, {"w"}, "w_dequant"),
      "axis", 0);
  OnnxBuilder::set_int(
      b.node("DequantizeLinear", {"b_quantized", "b_scale", "b_zero_point"}, {"b"}, "b_dequant"),
      "axis", 0);
  b.node("Conv", {"xd", "w", "b"}, {"conv"}, "conv");
  b.node("QuantizeLinear", {"conv", "y_scale", "y_zero_point"}, {"yq"}, "y_quant");
  b.node("DequantizeLinear", {"yq", "y_scale", "y_zero_point"}, {"y"}, "y_dequant");
  b.output("y");
  return b;
}

Status Import(const OnnxBuilder& model, Graph* graph) {
  return ImportOnnxModel(model.serialize(), {}, graph);
}

// Imported, lowered and quantized with no calibration, as qconvert takes a pre-quantized model.
Graph Quantized(const OnnxBuilder& model) {
  Graph graph;
  Status status = Import(model, &graph);
  EXPECT_TRUE(status.ok()) << status.message();
  status = RunGraphPasses(graph);
  EXPECT_TRUE(status.ok()) << status.message();
  status = QuantizeGraph({}, QuantizeOptions(), graph);
  EXPECT_TRUE(status.ok()) << status.message();
  return graph;
}

std::string ImportError(const OnnxBuilder& model) {
  Graph graph;
  return Import(model, &graph).message();
}

const Node& NodeWithOp(const Graph& graph, const std::string& op) {
  for (const Node& node : graph.nodes) {
    if (node.op == op) return node;
  }
  ADD_FAILURE() << "no " << op << " node";
  return graph.nodes.at(0);
}

std::vector<int32_t> Int8Values(const Tensor& t) {
  return std::vector<int32_t>(t.int8_data.begin(), t.int8_data.end());
}

TEST(QdqImport, ActivationsTakeTheModelsParametersShiftedFromUint8) {
  Graph graph;
  const Status status = Import(QdqConv(), &graph);
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<std::string> ops;
  for (const Node& node : graph.nodes) ops.push_back(node.op);
  EXPECT_EQ(ops, (std::vector<std::string>{"Identity", "Identity", "Conv", "Clip", "Identity",
                                           "Identity"}));
  EXPECT_EQ(graph.tensor("x").quantization.scale, std::vector<float>{0.02f});
  EXPECT_EQ(graph.tensor("x").quantization.zero_point, std::vector<int32_t>{2});  // 130 - 128
  EXPECT_EQ(graph.tensor("conv").quantization.scale, std::vector<float>{0.05f});
  EXPECT_EQ(graph.tensor("conv").quantization.zero_point, std::vector<int32_t>{-28});
  EXPECT_EQ(graph.tensor("y").quantization.zero_point, std::vector<int32_t>{-28});
}

TEST(QdqImport, TheOutputsQuantizationRangeClampsTheConvInFloat) {
  // ONNX Runtime drops a Relu whose clamp the quantization after it does; the float graph keeps
  // that clamp as the Conv's activation range: zero point -28 (uint8 100), scale 0.05.
  Graph graph;
  Status status = Import(QdqConv(), &graph);
  ASSERT_TRUE(status.ok()) << status.message();
  status = RunGraphPasses(graph);
  ASSERT_TRUE(status.ok()) << status.message();
  const Node& conv = NodeWithOp(graph, "CONV_2D");
  EXPECT_EQ(conv.activation.min, -100 * 0.05f);
  EXPECT_EQ(conv.activation.max, 155 * 0.05f);
  // In int8 that range is the whole int8 range.
  status = QuantizeGraph({}, QuantizeOptions(), graph);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(conv.requantization.output_min, -128);
  EXPECT_EQ(conv.requantization.output_max, 127);
}

TEST(QdqImport, WeightsAreDequantizedAsOnnxDefinesAndKeepTheirGrid) {
  Graph graph;
  const Status status = Import(QdqConv(), &graph);
  ASSERT_TRUE(status.ok()) << status.message();
  const Tensor& w = graph.tensor("w");
  ASSERT_TRUE(w.is_constant);
  ASSERT_EQ(w.float_data.size(), kWeights.size());
  for (size_t i = 0; i < kWeights.size(); ++i) {
    EXPECT_EQ(w.float_data[i], static_cast<float>(kWeights[i]) * kWeightScales[i / 2]);
  }
  EXPECT_EQ(w.quantization.scale, kWeightScales);
  EXPECT_EQ(w.quantization.channel_axis, 0);
  const Tensor& b = graph.tensor("b");
  EXPECT_EQ(b.float_data[1], -200.0f * (0.02f * 0.02f));
}

TEST(QdqImport, ConvertsWithoutCalibrationKeepingEveryInteger) {
  const Graph graph = Quantized(QdqConv());
  const Node& conv = NodeWithOp(graph, "CONV_2D");
  const Tensor& weights = graph.tensor(conv.inputs[1]);
  EXPECT_EQ(Int8Values(weights), kWeights);  // OHWI of a 1x1 kernel is OIHW's order
  EXPECT_EQ(weights.quantization.scale, kWeightScales);
  EXPECT_EQ(graph.tensor(conv.inputs[2]).int32_data, kBias);
  EXPECT_EQ(graph.tensor("x").type, DataType::kInt8);
  EXPECT_EQ(graph.tensor("x").quantization.zero_point, std::vector<int32_t>{2});
  const Tensor& y = graph.tensor(conv.outputs[0]);
  EXPECT_EQ(y.name, "y");
  EXPECT_EQ(y.quantization.scale, std::vector<float>{0.05f});
  EXPECT_EQ(conv.requantization.multiplier[1], static_cast<float>(0.02 * 0.02f / 0.05f));
}

TEST(QdqImport, PerTensorWeightsKeepTheirOneScale) {
  OnnxBuilder b = QdqConv();
  b.initializer("w_scale_1", {}, {0.01f});
  b.initializer_int("w_zero_point_1", kInt8, {}, {0});
  b.node("DequantizeLinear", {"w_quantized", "w_scale_1", "w_zero_point_1"}, {"w1"}, "w1");
  b.node("Conv", {"xd", "w1"}, {"conv1"}, "conv1");
  b.node("QuantizeLinear", {"conv1", "y_scale", "y_zero_point"}, {"y1q"}, "y1_quant");
  b.node("DequantizeLinear", {"y1q", "y_scale", "y_zero_point"}, {"y1"}, "y1_dequant");
  b.output("y1");
  const Graph graph = Quantized(b);
  const Node& conv1 = graph.nodes.at(graph.producer_index("y1"));
  const Tensor& weights = graph.tensor(conv1.inputs[1]);
  EXPECT_EQ(Int8Values(weights), kWeights);
  EXPECT_EQ(weights.quantization.scale, std::vector<float>(3, 0.01f));
}

TEST(QdqImport, AsymmetricUint8WeightsAreRequantizedSymmetric) {
  OnnxBuilder b = QdqConv();
  // uint8 zero point 120: real values (q - 120) * 0.01, which no symmetric grid of scale 0.01
  // holds in [-127, 127] (255 - 120 = 135): per-channel max |w| / 127 takes over.
  b.initializer_int("u_quantized", kUint8, {3, 2, 1, 1}, {255, 0, 120, 121, 130, 100});
  b.initializer("u_scale", {}, {0.01f});
  b.initializer_int("u_zero_point", kUint8, {}, {120});
  b.node("DequantizeLinear", {"u_quantized", "u_scale", "u_zero_point"}, {"u"}, "u_dequant");
  b.node("Conv", {"xd", "u"}, {"conv1"}, "conv1");
  b.node("QuantizeLinear", {"conv1", "y_scale", "y_zero_point"}, {"y1q"}, "y1_quant");
  b.node("DequantizeLinear", {"y1q", "y_scale", "y_zero_point"}, {"y1"}, "y1_dequant");
  b.output("y1");
  const Graph graph = Quantized(b);
  const Node& conv1 = graph.nodes.at(graph.producer_index("y1"));
  const Tensor& weights = graph.tensor(conv1.inputs[1]);
  EXPECT_EQ(weights.quantization.scale[0], static_cast<float>(135.0f * 0.01f / 127.0));
  EXPECT_EQ(weights.quantization.scale[2], static_cast<float>(20.0f * 0.01f / 127.0));
  EXPECT_EQ(Int8Values(weights)[0], 127);
}

TEST(QdqImport, FloatWeightsTheModelQuantizesItselfLandOnItsGrid) {
  // Fake quantization as a QAT export writes it: QuantizeLinear of the float weights, per channel,
  // then DequantizeLinear: 0.013 / 0.01 rounds to 1, -0.005 / 0.005 is -1. The third channel
  // saturates at -128, which qrun's weights cannot hold: that channel alone is requantized.
  OnnxBuilder b = QdqConv();
  b.initializer("f", {3, 2, 1, 1}, {0.013f, -1.0f, 0.1f, 0.0f, -0.005f, -1.0f});
  b.initializer("f_scale", {3}, kWeightScales);
  b.initializer_int("f_zero_point", kInt8, {3}, {0, 0, 0});
  OnnxBuilder::set_int(
      b.node("QuantizeLinear", {"f", "f_scale", "f_zero_point"}, {"fq"}, "f_quant"), "axis", 0);
  OnnxBuilder::set_int(
      b.node("DequantizeLinear", {"fq", "f_scale", "f_zero_point"}, {"fd"}, "f_dequant"), "axis",
      0);
  b.node("Conv", {"xd", "fd"}, {"conv1"}, "conv1");
  b.node("QuantizeLinear", {"conv1", "y_scale", "y_zero_point"}, {"y1q"}, "y1_quant");
  b.node("DequantizeLinear", {"y1q", "y_scale", "y_zero_point"}, {"y1"}, "y1_dequant");
  b.output("y1");
  const Graph graph = Quantized(b);
  const Node& conv1 = graph.nodes.at(graph.producer_index("y1"));
  const Tensor& weights = graph.tensor(conv1.inputs[1]);
  EXPECT_EQ(Int8Values(weights), (std::vector<int32_t>{1, -100, 5, 0, -1, -127}));
  EXPECT_EQ(weights.quantization.scale,
            (std::vector<float>{0.01f, 0.02f, static_cast<float>(128 * 0.005f / 127.0)}));
}

TEST(QdqImport, ReluBeforeTheQuantizeLinearFusesAndTakesItsParameters) {
  // Exported from quantization-aware training: Conv -> Relu -> QuantizeLinear.
  OnnxBuilder b;
  b.input("x", {1, 1, 2, 2});
  b.initializer("s", {}, {0.1f});
  b.initializer_int("z", kInt8, {}, {-128});
  b.initializer("w", {1, 1, 1, 1}, {0.5f});
  b.node("QuantizeLinear", {"x", "s", "z"}, {"xq"}, "x_quant");
  b.node("DequantizeLinear", {"xq", "s", "z"}, {"xd"}, "x_dequant");
  b.node("Conv", {"xd", "w"}, {"conv"}, "conv");
  b.node("Relu", {"conv"}, {"relu"}, "relu");
  b.node("QuantizeLinear", {"relu", "s", "z"}, {"rq"}, "r_quant");
  b.node("DequantizeLinear", {"rq", "s", "z"}, {"y"}, "r_dequant");
  b.output("y");
  const Graph graph = Quantized(b);
  ASSERT_EQ(graph.nodes.size(), 1u);
  EXPECT_EQ(graph.nodes[0].requantization.output_min, -128);
  EXPECT_EQ(graph.tensor("y").quantization.scale, std::vector<float>{0.1f});
}

class QdqOpsets : public ::testing::TestWithParam<int> {};

TEST_P(QdqOpsets, ConvertToo) {
  // Before opset 13 parameters are per tensor only, and the float model converts up to 13.
  OnnxBuilder b(GetParam());
  b.input("x", {1, 1, 2, 2});
  b.initializer("s", {}, {0.1f});
  b.initializer_int("z", kUint8, {}, {0});
  b.initializer_int("wq", kInt8, {2, 1, 1, 1}, {127, -64});
  b.initializer("ws", {}, {0.01f});
  b.initializer_int("wz", kInt8, {}, {0});
  b.node("QuantizeLinear", {"x", "s", "z"}, {"xq"}, "x_quant");
  b.node("DequantizeLinear", {"xq", "s", "z"}, {"xd"}, "x_dequant");
  b.node("DequantizeLinear", {"wq", "ws", "wz"}, {"w"}, "w_dequant");
  b.node("Conv", {"xd", "w"}, {"conv"}, "conv");
  b.node("QuantizeLinear", {"conv", "s", "z"}, {"cq"}, "c_quant");
  b.node("DequantizeLinear", {"cq", "s", "z"}, {"y"}, "c_dequant");
  b.output("y");
  const Graph graph = Quantized(b);
  EXPECT_EQ(graph.tensor("x").quantization.zero_point, std::vector<int32_t>{-128});
  const Tensor& weights = graph.tensor(NodeWithOp(graph, "CONV_2D").inputs[1]);
  EXPECT_EQ(Int8Values(weights), (std::vector<int32_t>{127, -64}));
  EXPECT_EQ(weights.quantization.scale, (std::vector<float>{0.01f, 0.01f}));
}

INSTANTIATE_TEST_SUITE_P(QdqImport, QdqOpsets, ::testing::Values(10, 11, 12));

TEST(QOperatorImport, QLinearOpsBecomeFloatOpsWithTheirParameters) {
  OnnxBuilder b;
  b.import_domain("com.microsoft", 1);
  b.input("x", {1, 2, 2, 2});
  b.initializer("x_scale", {}, {0.05f});
  b.initializer_int("x_zero_point", kInt8, {}, {-10});
  b.initializer_int("w", kInt8, {2, 2, 1, 1}, {127, -3, 9, -127});
  b.initializer("w_scale", {2}, {0.02f, 0.04f});
  b.initializer_int("w_zero_point", kInt8, {2}, {0, 0});
  b.initializer("c_scale", {}, {0.1f});
  b.initializer_int("c_zero_point", kInt8, {}, {-128});
  b.initializer_int("c_bias", kInt32, {2}, {50, -60});
  b.initializer_int("g", kInt8, {3, 2}, {127, 1, -127, 2, 3, 127});
  b.initializer("g_scale", {3}, {0.5f, 0.25f, 0.125f});
  b.initializer_int("g_zero_point", kInt8, {3}, {0, 0, 0});
  b.initializer_int("g_bias", kInt32, {3}, {11, -22, 33});
  b.initializer("y_scale", {}, {0.2f});
  b.initializer_int("y_zero_point", kInt8, {}, {5});
  b.node("QuantizeLinear", {"x", "x_scale", "x_zero_point"}, {"xq"}, "quant");
  b.node("QLinearConv",
         {"xq", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "c_scale",
          "c_zero_point", "c_bias"},
         {"cq"}, "conv");
  OnnxBuilder::set_ints(b.node("MaxPool", {"cq"}, {"pq"}, "pool"), "kernel_shape", {2, 2});
  b.node("Flatten", {"pq"}, {"fq"}, "flatten");
  onnx::NodeProto& gemm = b.node("QGemm",
                                 {"fq", "c_scale", "c_zero_point", "g", "g_scale", "g_zero_point",
                                  "g_bias", "y_scale", "y_zero_point"},
                                 {"gq"}, "gemm");
  gemm.set_domain("com.microsoft");
  OnnxBuilder::set_int(gemm, "transB", 1);
  b.node("DequantizeLinear", {"gq", "y_scale", "y_zero_point"}, {"y"}, "dequant");
  b.output("y");

  Graph imported;
  const Status status = Import(b, &imported);
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<std::string> ops;
  for (const Node& node : imported.nodes) ops.push_back(node.op);
  EXPECT_EQ(ops, (std::vector<std::string>{"Identity", "Conv", "Clip", "MaxPool", "Flatten", "Gemm",
                                           "Clip", "Identity"}));
  EXPECT_EQ(imported.tensor("x").quantization.zero_point, std::vector<int32_t>{-10});
  EXPECT_EQ(imported.tensor("pq").quantization.scale, std::vector<float>{0.1f});
  EXPECT_EQ(imported.tensor("gq").quantization.zero_point, std::vector<int32_t>{5});

  const Graph graph = Quantized(b);
  const Node& conv = NodeWithOp(graph, "CONV_2D");
  EXPECT_EQ(Int8Values(graph.tensor(conv.inputs[1])), (std::vector<int32_t>{127, -3, 9, -127}));
  EXPECT_EQ(graph.tensor(conv.inputs[2]).int32_data, (std::vector<int32_t>{50, -60}));
  const Node& fc = NodeWithOp(graph, "FULLY_CONNECTED");
  const Tensor& fc_weights = graph.tensor(fc.inputs[1]);
  EXPECT_EQ(Int8Values(fc_weights), (std::vector<int32_t>{127, 1, -127, 2, 3, 127}));
  EXPECT_EQ(fc_weights.quantization.scale, (std::vector<float>{0.5f, 0.25f, 0.125f}));
  EXPECT_EQ(graph.tensor(fc.inputs[2]).int32_data, (std::vector<int32_t>{11, -22, 33}));
  EXPECT_EQ(graph.tensor(fc.outputs[0]).quantization.zero_point, std::vector<int32_t>{5});
}

TEST(QOperatorImport, QLinearMatMulWeightsKeepTheirPerColumnGridAsOi) {
  OnnxBuilder b;
  b.input("x", {1, 3});
  b.initializer("s", {}, {0.1f});
  b.initializer_int("z", kUint8, {}, {128});
  b.initializer_int("m", kInt8, {3, 2}, {127, 5, -6, -127, 7, 8});
  b.initializer("m_scale", {2}, {0.5f, 0.25f});
  b.initializer_int("m_zero_point", kInt8, {2}, {0, 0});
  b.node("QuantizeLinear", {"x", "s", "z"}, {"xq"}, "quant");
  b.node("QLinearMatMul", {"xq", "s", "z", "m", "m_scale", "m_zero_point", "s", "z"}, {"yq"},
         "matmul");
  b.node("DequantizeLinear", {"yq", "s", "z"}, {"y"}, "dequant");
  b.output("y");
  const Graph graph = Quantized(b);
  const Tensor& weights = graph.tensor(NodeWithOp(graph, "FULLY_CONNECTED").inputs[1]);
  EXPECT_EQ(Int8Values(weights), (std::vector<int32_t>{127, -6, 7, 5, -127, 8}));
  EXPECT_EQ(weights.quantization.scale, (std::vector<float>{0.5f, 0.25f}));
  EXPECT_EQ(graph.tensor("x").quantization.zero_point, std::vector<int32_t>{0});
}

TEST(QOperatorImport, PoolsAddMulSigmoidAndConcat) {
  OnnxBuilder b;
  b.import_domain("com.microsoft", 1);
  b.input("x", {1, 2, 2, 2});
  b.initializer("s", {}, {0.1f});
  b.initializer_int("z", kUint8, {}, {128});
  b.initializer("t", {}, {0.05f});
  b.initializer_int("u", kUint8, {}, {10});
  b.node("QuantizeLinear", {"x", "s", "z"}, {"xq"}, "quant");
  auto microsoft = [&b](const std::string& op, const std::vector<std::string>& inputs,
                        const std::string& output) -> onnx::NodeProto& {
    onnx::NodeProto& node = b.node(op, inputs, {output}, output);
    node.set_domain("com.microsoft");
    return node;
  };
  OnnxBuilder::set_ints(microsoft("QLinearAveragePool", {"xq", "s", "z", "t", "u"}, "avg"),
                        "kernel_shape", {2, 2});
  microsoft("QLinearGlobalAveragePool", {"xq", "s", "z", "s", "z"}, "mean");
  microsoft("QLinearAdd", {"avg", "t", "u", "mean", "s", "z", "s", "z"}, "sum");
  microsoft("QLinearMul", {"sum", "s", "z", "mean", "s", "z", "t", "u"}, "product");
  microsoft("QLinearSigmoid", {"product", "t", "u", "t", "z"}, "gate");
  OnnxBuilder::set_int(
      microsoft("QLinearConcat", {"s", "z", "gate", "t", "z", "avg", "t", "u"}, "joined"), "axis",
      1);
  b.node("DequantizeLinear", {"joined", "s", "z"}, {"y"}, "dequant");
  b.output("y");

  Graph imported;
  const Status status = Import(b, &imported);
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<std::string> ops;
  for (const Node& node : imported.nodes) ops.push_back(node.op);
  EXPECT_EQ(ops,
            (std::vector<std::string>{"Identity", "AveragePool", "Clip", "GlobalAveragePool", "Add",
                                      "Clip", "Mul", "Clip", "Sigmoid", "Concat", "Identity"}));
  EXPECT_EQ(imported.tensor("avg").quantization.zero_point, std::vector<int32_t>{-118});
  EXPECT_EQ(imported.tensor("gate").quantization.scale, std::vector<float>{0.05f});
  EXPECT_EQ(imported.tensor("joined").quantization.zero_point, std::vector<int32_t>{0});

  const Graph graph = Quantized(b);
  const Node& add = NodeWithOp(graph, "ADD");
  EXPECT_EQ(add.requantization.multiplier, (std::vector<float>{0.5f, 1.0f}));
  EXPECT_EQ(NodeWithOp(graph, "CONCATENATION").requantization.multiplier,
            (std::vector<float>{0.5f, 0.5f}));
}

// A model with an input x, a QuantizeLinear of it to xq and `tail` reading xq.
OnnxBuilder QuantizedInput(const std::vector<float>& scale, int64_t zero_point_count = 1) {
  OnnxBuilder b;
  b.input("x", {1, 2, 2, 2});
  const std::vector<int64_t> dims =
      scale.size() == 1 ? std::vector<int64_t>{} : std::vector<int64_t>{zero_point_count};
  b.initializer("s", dims, scale);
  b.initializer_int("z", kInt8, dims, std::vector<int32_t>(zero_point_count, 0));
  b.node("QuantizeLinear", {"x", "s", "z"}, {"xq"}, "quant");
  return b;
}

TEST(QuantizedImportErrors, PerChannelActivation) {
  OnnxBuilder b = QuantizedInput({0.1f, 0.2f}, 2);
  b.node("DequantizeLinear", {"xq", "s", "z"}, {"y"}, "dequant");
  b.output("y");
  EXPECT_EQ(ImportError(b),
            "node 'quant' (op QuantizeLinear, opset 13) is not supported: 'x' is quantized per "
            "channel (2 scales); qrun quantizes activations per tensor");
}

TEST(QuantizedImportErrors, DequantizeWithOtherParameters) {
  OnnxBuilder b = QuantizedInput({0.02f});
  b.initializer("other", {}, {0.03f});
  b.node("DequantizeLinear", {"xq", "other", "z"}, {"y"}, "dequant");
  b.output("y");
  EXPECT_EQ(ImportError(b),
            "node 'dequant' (op DequantizeLinear, opset 13) is not supported: it reads 'xq' with "
            "scale 0.0299999993 and zero point 0, but 'xq' was quantized with scale 0.0199999996 "
            "and zero point 0");
}

TEST(QuantizedImportErrors, RequantizingATensor) {
  OnnxBuilder b = QuantizedInput({0.02f});
  b.initializer("other", {}, {0.03f});
  b.node("DequantizeLinear", {"xq", "s", "z"}, {"xd"}, "dequant");
  b.node("QuantizeLinear", {"xd", "other", "z"}, {"xq2"}, "requant");
  b.node("DequantizeLinear", {"xq2", "other", "z"}, {"y"}, "dequant2");
  b.output("y");
  EXPECT_EQ(ImportError(b),
            "node 'requant' (op QuantizeLinear, opset 13) is not supported: it gives 'xd' scale "
            "0.0299999993 and zero point 0, where it has scale 0.0199999996 and zero point 0 "
            "already; qrun has no op that requantizes a tensor as it is");
}

TEST(QuantizedImportErrors, FloatOpOnAnIntegerTensorNamesTheNode) {
  OnnxBuilder b = QuantizedInput({0.02f});
  b.node("Relu", {"xq"}, {"y"});
  b.output("y");
  EXPECT_EQ(ImportError(b),
            "node 'Relu_1' (op Relu, opset 13) is not supported: it reads 'xq', an integer "
            "tensor, which only QLinear ops, DequantizeLinear, MaxPool, Flatten and Reshape take");
}

TEST(QuantizedImportErrors, ScaleComputedAtRunTime) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.input("s", {});
  b.node("QuantizeLinear", {"x", "s"}, {"xq"}, "quant");
  b.node("DequantizeLinear", {"xq", "s"}, {"y"}, "dequant");
  b.output("y");
  EXPECT_EQ(ImportError(b),
            "node 'quant' (op QuantizeLinear, opset 13) is not supported: its scale 's' is not a "
            "float constant (scales computed at run time are dynamic quantization)");
}

TEST(QuantizedImportErrors, MissingInputs) {
  OnnxBuilder b = QuantizedInput({0.02f});
  b.node("QLinearConv", {"xq", "s", "z"}, {"yq"}, "conv");
  b.output("yq");
  EXPECT_EQ(ImportError(b),
            "node 'conv' (op QLinearConv): 3 inputs and 1 outputs, where it takes at least 8 "
            "inputs and one output");
}

TEST(QuantizedImportErrors, ZeroPointOutsideItsType) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.initializer("s", {}, {0.1f});
  b.initializer_int("z", kInt8, {}, {300});
  b.node("QuantizeLinear", {"x", "s", "z"}, {"xq"}, "quant");
  b.node("DequantizeLinear", {"xq", "s", "z"}, {"y"}, "dequant");
  b.output("y");
  EXPECT_EQ(ImportError(b),
            "node 'quant' (op QuantizeLinear, opset 13) is not supported: its zero point 'z' holds "
            "300, outside the int8 range");
}

TEST(QuantizedImportErrors, DynamicQuantization) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.node("DynamicQuantizeLinear", {"x"}, {"xq", "s", "z"}, "dynamic");
  b.node("DequantizeLinear", {"xq", "s", "z"}, {"y"}, "dequant");
  b.output("y");
  EXPECT_EQ(ImportError(b),
            "node 'dynamic' (op DynamicQuantizeLinear, opset 13) is not supported: dynamic "
            "quantization (scales computed at run time) cannot be converted; quantize the model "
            "statically (QDQ or QOperator format)");
}

TEST(QuantizedImportErrors, UnknownMicrosoftOp) {
  OnnxBuilder b = QuantizedInput({0.02f});
  b.import_domain("com.microsoft", 1);
  b.node("QLinearLeakyRelu", {"xq", "s", "z", "s", "z"}, {"yq"}, "leaky")
      .set_domain("com.microsoft");
  b.node("DequantizeLinear", {"yq", "s", "z"}, {"y"}, "dequant");
  b.output("y");
  EXPECT_EQ(ImportError(b),
            "node 'leaky' (op com.microsoft.QLinearLeakyRelu, opset 13) is not supported: it "
            "reads 'xq', an integer tensor, which only QLinear ops, DequantizeLinear, MaxPool, "
            "Flatten and Reshape take");
}

TEST(QuantizedImportErrors, AnOutputLeftInFloatIsNamedAndNothingIsWritten) {
  OnnxBuilder b = QuantizedInput({0.02f});
  b.initializer("w", {2, 2, 1, 1}, {1, 2, 3, 4});
  b.node("DequantizeLinear", {"xq", "s", "z"}, {"xd"}, "dequant");
  b.node("Conv", {"xd", "w"}, {"y"}, "conv");
  b.output("y");
  const std::string dir = testing::make_temp_dir("qdq_float_output");
  b.save(dir + "/model.onnx");
  std::ostringstream out, err;
  const int code = RunQconvert({dir + "/model.onnx", "-o", dir + "/model.qfb"}, out, err);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err.str(), dir +
                           "/model.onnx: node 'conv' (op CONV_2D, opset 13) is not supported: "
                           "the model is quantized, but not its output 'y' (no scale and zero "
                           "point for it), and there is no calibration to find them\n");
  EXPECT_FALSE(std::filesystem::exists(dir + "/model.qfb"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace qrun::converter
