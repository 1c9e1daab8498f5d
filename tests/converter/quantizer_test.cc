// The quantizer with ranges given by hand, so that each number can be worked out on paper.
#include "converter/quantizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "converter/mixed_precision.h"
#include "converter/onnx_importer.h"
#include "converter/passes.h"
#include "onnx_builder.h"

namespace qrun::converter {
namespace {

using testing::OnnxBuilder;

Graph Quantized(const OnnxBuilder& model, const TensorRanges& ranges) {
  Graph graph;
  Status status = ImportOnnxModel(model.serialize(), {}, &graph);
  EXPECT_TRUE(status.ok()) << status.message();
  status = RunGraphPasses(graph);
  EXPECT_TRUE(status.ok()) << status.message();
  status = QuantizeGraph(ranges, QuantizeOptions(), graph);
  EXPECT_TRUE(status.ok()) << status.message();
  return graph;
}

// Conv(1->2, 1x1, weights {0.5, 0}) followed by Clip(0, 6), i.e. ReLU6.
OnnxBuilder ConvRelu6() {
  OnnxBuilder b;
  b.input("x", {1, 1, 2, 2});
  b.initializer("w", {2, 1, 1, 1}, {0.5f, 0.0f});
  b.initializer("b", {2}, {0.25f, 1.0f});
  b.initializer("lo", {}, {0.0f});
  b.initializer("hi", {}, {6.0f});
  b.node("Conv", {"x", "w", "b"}, {"conv"}, "conv");
  b.node("Clip", {"conv", "lo", "hi"}, {"y"}, "relu6");
  b.output("y");
  return b;
}

TEST(Quantizer, ActivationParametersComeFromTheRangeWidenedToZero) {
  const Graph graph = Quantized(ConvRelu6(), {{"x", {0.5f, 3.0f}}, {"y", {-2.0f, 8.0f}}});
  const Tensor& x = graph.tensor("x");
  EXPECT_EQ(x.type, DataType::kInt8);
  // [0.5, 3] widens to [0, 3]: scale 3/255, and 0 sits at -128.
  EXPECT_EQ(x.quantization.scale, std::vector<float>{float(3.0 / 255.0)});
  EXPECT_EQ(x.quantization.zero_point, std::vector<int32_t>{-128});
  const Tensor& y = graph.tensor("y");
  const float s_y = float(10.0 / 255.0);
  EXPECT_EQ(y.quantization.scale, std::vector<float>{s_y});
  EXPECT_EQ(y.quantization.zero_point,
            std::vector<int32_t>{int32_t(std::nearbyint(-128.0 + 2.0 / double(s_y)))});  // -77
}

TEST(Quantizer, Relu6BecomesTheOutputClamp) {
  const Graph graph = Quantized(ConvRelu6(), {{"x", {-1.0f, 1.0f}}, {"y", {-2.0f, 8.0f}}});
  const Node& conv = graph.nodes[0];
  ASSERT_TRUE(conv.has_requantization);
  const Tensor& y = graph.tensor("y");
  const int32_t zp = y.quantization.zero_point[0];
  ASSERT_EQ(zp, -77);
  EXPECT_EQ(conv.requantization.output_min, zp);  // max(-128, zp)
  EXPECT_EQ(conv.requantization.output_max,
            std::min(127, zp + int32_t(std::nearbyint(6.0 / y.quantization.scale[0]))));  // 76
}

TEST(Quantizer, WeightsArePerChannelSymmetricAndAZeroChannelGetsScaleOne) {
  const Graph graph = Quantized(ConvRelu6(), {{"x", {-1.0f, 1.0f}}, {"y", {0.0f, 6.0f}}});
  const Node& conv = graph.nodes[0];
  const Tensor& w = graph.tensor(conv.inputs[1]);
  EXPECT_EQ(w.type, DataType::kInt8);
  EXPECT_EQ(w.quantization.scale, (std::vector<float>{float(0.5 / 127.0), 1.0f}));
  EXPECT_EQ(w.quantization.zero_point, (std::vector<int32_t>{0, 0}));
  EXPECT_EQ(w.int8_data, (std::vector<int8_t>{127, 0}));
  const double s_x = graph.tensor("x").quantization.scale[0];
  const double s_y = graph.tensor("y").quantization.scale[0];
  const Tensor& b = graph.tensor(conv.inputs[2]);
  EXPECT_EQ(b.type, DataType::kInt32);
  EXPECT_EQ(b.int32_data,
            (std::vector<int32_t>{int32_t(std::nearbyint(0.25 / (s_x * w.quantization.scale[0]))),
                                  int32_t(std::nearbyint(1.0 / s_x))}));
  EXPECT_EQ(conv.requantization.multiplier,
            (std::vector<float>{float(s_x * w.quantization.scale[0] / s_y), float(s_x / s_y)}));
}

TEST(Quantizer, AZeroWeightChannelIsNamedInAWarning) {
  Graph graph;
  ASSERT_TRUE(ImportOnnxModel(ConvRelu6().serialize(), {}, &graph).ok());
  ASSERT_TRUE(RunGraphPasses(graph).ok());
  std::vector<std::string> warnings;
  QuantizeOptions options;
  options.warnings = &warnings;
  ASSERT_TRUE(QuantizeGraph({{"x", {-1.0f, 1.0f}}, {"y", {0.0f, 6.0f}}}, options, graph).ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "node 'conv': 1 of 2 output channels have all-zero (or vanishing) weights (1); they "
            "get scale 1 and output their bias alone");
}

TEST(Quantizer, PerTensorWeightsShareTheLargestChannelsScale) {
  OnnxBuilder b;
  b.input("x", {1, 1, 2, 2});
  b.initializer("w", {2, 1, 1, 1}, {0.5f, -0.02f});
  b.initializer("b", {2}, {0.0f, 0.0f});
  b.node("Conv", {"x", "w", "b"}, {"y"}, "conv");
  b.output("y");
  for (bool per_tensor : {false, true}) {
    Graph graph;
    ASSERT_TRUE(ImportOnnxModel(b.serialize(), {}, &graph).ok());
    ASSERT_TRUE(RunGraphPasses(graph).ok());
    QuantizeOptions options;
    options.per_tensor_weights = per_tensor;
    ASSERT_TRUE(QuantizeGraph({{"x", {-1.0f, 1.0f}}, {"y", {-1.0f, 1.0f}}}, options, graph).ok());
    const Tensor& w = graph.tensor(graph.nodes[0].inputs[1]);
    if (per_tensor) {
      // One scale, 0.5/127, stored per channel: -0.02 becomes -5 of 127 steps.
      EXPECT_EQ(w.quantization.scale, (std::vector<float>{float(0.5 / 127.0), float(0.5 / 127.0)}));
      EXPECT_EQ(w.int8_data, (std::vector<int8_t>{127, -5}));
    } else {
      EXPECT_EQ(w.quantization.scale,
                (std::vector<float>{float(0.5 / 127.0), float(0.02f / 127.0)}));
      EXPECT_EQ(w.int8_data, (std::vector<int8_t>{127, -127}));
    }
  }
}

TEST(Quantizer, AlwaysZeroTensorGetsScaleOne) {
  const Graph graph = Quantized(ConvRelu6(), {{"x", {0.0f, 0.0f}}, {"y", {0.0f, 6.0f}}});
  EXPECT_EQ(graph.tensor("x").quantization.scale, std::vector<float>{1.0f});
  EXPECT_EQ(graph.tensor("x").quantization.zero_point, std::vector<int32_t>{-128});
}

TEST(Quantizer, AddWithAConstantOperandQuantizesItPerTensor) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.initializer("c", {4}, {-1.0f, 0.0f, 1.0f, 3.0f});
  b.node("Add", {"x", "c"}, {"y"}, "add");
  b.output("y");
  const Graph graph = Quantized(b, {{"x", {-2.0f, 2.0f}}, {"y", {-3.0f, 5.0f}}});
  const Node& add = graph.nodes[0];
  const Tensor& c = graph.tensor(add.inputs[1]);
  const float s_c = float(4.0 / 255.0);
  EXPECT_EQ(c.quantization.scale, std::vector<float>{s_c});
  const int32_t zp_c = int32_t(std::nearbyint(-128.0 + 1.0 / s_c));
  EXPECT_EQ(c.quantization.zero_point, std::vector<int32_t>{zp_c});
  EXPECT_EQ(c.int8_data[3], int8_t(std::min(127, int(std::nearbyint(3.0 / s_c)) + zp_c)));
  const double s_x = graph.tensor("x").quantization.scale[0];
  const double s_y = graph.tensor("y").quantization.scale[0];
  EXPECT_EQ(add.requantization.multiplier,
            (std::vector<float>{float(s_x / s_y), float(double(s_c) / s_y)}));
}

TEST(Quantizer, ReshapeAndMaxPoolKeepTheirInputParameters) {
  OnnxBuilder b;
  b.input("x", {1, 2, 4, 4});
  auto& pool = b.node("MaxPool", {"x"}, {"pooled"}, "pool");
  OnnxBuilder::set_ints(pool, "kernel_shape", {2, 2});
  OnnxBuilder::set_ints(pool, "strides", {2, 2});
  b.node("Flatten", {"pooled"}, {"y"}, "flatten");
  b.output("y");
  // The ranges of pooled and y are deliberately different: they must not be used.
  const Graph graph = Quantized(b, {{"x", {-1.0f, 3.0f}},
                                    {"pooled", {0.0f, 1.0f}},
                                    {"pooled/nchw", {0.0f, 1.0f}},
                                    {"y", {0.0f, 1.0f}}});
  for (const char* name : {"pooled", "y"}) {
    EXPECT_EQ(graph.tensor(name).quantization.scale, graph.tensor("x").quantization.scale) << name;
    EXPECT_EQ(graph.tensor(name).quantization.zero_point, graph.tensor("x").quantization.zero_point)
        << name;
  }
}

// Mean and InvStdDev have no int8 form: a LayerNormalization whose Mean is read is refused by the
// quantizer as it is, and is one of the nodes every int8 model keeps in fp32 (the converter adds
// them to --keep-float's), its outputs then quantized after it like any kept node's.
TEST(Quantizer, ALayerNormWhoseMeanIsReadStaysInFloat) {
  OnnxBuilder b(17);
  b.input("x", {2, 4});
  b.initializer("gamma", {4}, {1, 2, 3, 4});
  b.initializer("beta", {4}, {0, 0, 0, 1});
  b.node("LayerNormalization", {"x", "gamma", "beta"}, {"y", "mean", "inv"}, "ln");
  b.output("y");
  b.output("mean");
  Graph graph;
  ASSERT_TRUE(ImportOnnxModel(b.serialize(), {}, &graph).ok());
  ASSERT_TRUE(RunGraphPasses(graph).ok());
  const TensorRanges ranges = {{"x", {-3.0f, 3.0f}},
                               {"y", {-5.0f, 5.0f}},
                               {"y/mean", {-1.0f, 1.0f}},
                               {"y/inv_std_dev", {0.0f, 4.0f}}};
  Graph as_is = graph;
  const Status refused = QuantizeGraph(ranges, QuantizeOptions(), as_is);
  EXPECT_NE(refused.message().find("node 'ln'"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("keep it in fp32"), std::string::npos) << refused.message();

  const std::vector<std::string> kept = NodesWithoutInt8Form(graph);
  ASSERT_EQ(kept, std::vector<std::string>{"ln"});
  ASSERT_TRUE(KeepNodesInFloat(kept, graph).ok());
  const std::set<std::string> float_nodes(kept.begin(), kept.end());
  QuantizeOptions options;
  options.float_nodes = &float_nodes;
  const Status status = QuantizeGraph(ranges, options, graph);
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<std::string> ops;
  for (const Node& node : graph.nodes) ops.push_back(node.op);
  // The InvStdDev nothing reads gets no QUANTIZE.
  EXPECT_EQ(ops, (std::vector<std::string>{"DEQUANTIZE", "LAYER_NORM", "QUANTIZE", "QUANTIZE",
                                           "RESHAPE"}));
  EXPECT_EQ(graph.tensor(graph.nodes[1].outputs[1]).type, DataType::kFloat32);
  EXPECT_EQ(graph.tensor("y").type, DataType::kInt8);
  EXPECT_EQ(graph.tensor("mean").type, DataType::kInt8);
}

}  // namespace
}  // namespace qrun::converter
