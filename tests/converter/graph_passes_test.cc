// The graph passes on small ONNX models: what the lowered graph holds (operators, shapes, weights,
// attributes) and, through the runtime's fp32 path, that it computes what the ONNX model does.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "converter/onnx_importer.h"
#include "converter/passes.h"
#include "converter/qfb_writer.h"
#include "onnx_builder.h"
#include "reference_math.h"

namespace qrun::converter {
namespace {

using testing::ConvSpec;
using testing::OnnxBuilder;

Graph Lowered(const OnnxBuilder& model, const ImportOptions& options = {}) {
  Graph graph;
  Status status = ImportOnnxModel(model.serialize(), options, &graph);
  EXPECT_TRUE(status.ok()) << status.message();
  status = RunGraphPasses(graph);
  EXPECT_TRUE(status.ok()) << status.message();
  return graph;
}

Status LowerStatus(const OnnxBuilder& model) {
  Graph graph;
  QRUN_RETURN_IF_ERROR(ImportOnnxModel(model.serialize(), {}, &graph));
  return RunGraphPasses(graph);
}

std::vector<std::string> OpTypes(const Graph& graph) {
  std::vector<std::string> ops;
  for (const Node& node : graph.nodes) ops.push_back(node.op);
  return ops;
}

std::vector<uint8_t> FloatQfb(const Graph& graph) {
  std::vector<uint8_t> file;
  const Status status = SerializeQfb(graph, {}, &file);
  EXPECT_TRUE(status.ok()) << status.message();
  return file;
}

void ExpectNear(const std::vector<float>& actual, const std::vector<double>& expected,
                double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    ASSERT_NEAR(actual[i], expected[i], tolerance) << "element " << i;
  }
}

// Conv(2->3, 3x3, pad 1) then BatchNormalization, on [1, 2, 5, 5].
struct ConvBnModel {
  ConvSpec spec{1, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::vector<float> weights = testing::random_floats(54, -1, 1, 1);
  std::vector<float> bias = {0.1f, -0.2f, 0.3f};
  std::vector<float> gamma = {1.5f, 0.5f, -1.0f}, beta = {0.2f, 0.0f, -0.3f};
  std::vector<float> mean = {0.3f, -0.1f, 0.05f}, var = {0.8f, 1.7f, 0.2f};

  OnnxBuilder Build(bool conv_output_is_graph_output) const {
    OnnxBuilder b;
    b.input("x", {1, 2, 5, 5});
    b.initializer("w", {3, 2, 3, 3}, weights);
    b.initializer("b", {3}, bias);
    for (auto [name, values] :
         {std::pair{"gamma", gamma}, {"beta", beta}, {"mean", mean}, {"var", var}}) {
      b.initializer(name, {3}, values);
    }
    OnnxBuilder::set_ints(b.node("Conv", {"x", "w", "b"}, {"conv"}, "conv"), "pads", {1, 1, 1, 1});
    OnnxBuilder::set_float(
        b.node("BatchNormalization", {"conv", "gamma", "beta", "mean", "var"}, {"y"}, "bn"),
        "epsilon", 1e-3f);
    b.output("y");
    if (conv_output_is_graph_output) b.output("conv");
    return b;
  }

  std::vector<double> Expected(const std::vector<float>& x) const {
    std::vector<double> y = conv_nchw(spec, x, weights, bias);
    const size_t plane = y.size() / 3;
    for (size_t i = 0; i < y.size(); ++i) {
      const size_t c = i / plane;
      y[i] = (y[i] - mean[c]) / std::sqrt(double(var[c]) + 1e-3) * gamma[c] + beta[c];
    }
    return testing::nchw_to_nhwc(y, 1, 3, 5, 5);
  }
};

TEST(BatchNormFolding, FoldsIntoTheConvWeightsAndBias) {
  const ConvBnModel model;
  const Graph graph = Lowered(model.Build(false));
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"CONV_2D"});
  const Node& conv = graph.nodes[0];
  EXPECT_EQ(conv.outputs[0], "y");
  const Tensor& w = graph.tensor(conv.inputs[1]);
  const Tensor& b = graph.tensor(conv.inputs[2]);
  for (int c = 0; c < 3; ++c) {
    const double k = model.gamma[c] / std::sqrt(double(model.var[c]) + 1e-3);
    // OHWI [3, 3, 3, 2]: output channel c, ky = 1, kx = 2, input channel 1.
    EXPECT_FLOAT_EQ(w.float_data[((c * 3 + 1) * 3 + 2) * 2 + 1],
                    float(model.weights[((c * 2 + 1) * 3 + 1) * 3 + 2] * k));
    EXPECT_FLOAT_EQ(b.float_data[c], float((model.bias[c] - model.mean[c]) * k + model.beta[c]));
  }
}

TEST(BatchNormFolding, GivesTheSameFloatOutputAsTheUnfusedGraph) {
  const ConvBnModel model;
  const Graph folded = Lowered(model.Build(false));
  // With the Conv's output also a graph output, BN cannot fold: it becomes a depthwise 1x1 Conv.
  const Graph unfused = Lowered(model.Build(true));
  ASSERT_EQ(OpTypes(folded), std::vector<std::string>{"CONV_2D"});
  ASSERT_EQ(OpTypes(unfused), (std::vector<std::string>{"CONV_2D", "CONV_2D"}));
  const Node& depthwise = unfused.nodes[1];
  EXPECT_EQ(depthwise.attribute_int("groups", 0), 3);
  EXPECT_EQ(unfused.tensor(depthwise.inputs[1]).shape, (std::vector<int64_t>{3, 1, 1, 1}));

  const std::vector<float> x = testing::random_floats(50, -2, 2, 7);
  const std::vector<float> x_nhwc = testing::nchw_to_nhwc(x, 1, 2, 5, 5);
  const std::vector<float> y_folded = testing::run_float_model(FloatQfb(folded), x_nhwc);
  const std::vector<float> y_unfused = testing::run_float_model(FloatQfb(unfused), x_nhwc);
  const std::vector<double> expected = model.Expected(x);
  ExpectNear(y_folded, expected, 1e-4);
  ExpectNear(y_unfused, expected, 1e-4);
  ExpectNear(y_folded, std::vector<double>(y_unfused.begin(), y_unfused.end()), 1e-5);
}

// Conv(1->2, 1x1) followed by `activation`, which the test builds.
Graph ConvFollowedBy(int opset, const std::function<void(OnnxBuilder&)>& activation,
                     bool conv_output_is_graph_output = false) {
  OnnxBuilder b(opset);
  b.input("x", {1, 1, 2, 2});
  b.initializer("w", {2, 1, 1, 1}, {1.0f, -1.0f});
  b.node("Conv", {"x", "w"}, {"conv"}, "conv");
  activation(b);
  b.output("y");
  if (conv_output_is_graph_output) b.output("conv");
  return Lowered(b);
}

TEST(ActivationFusion, ReluBecomesTheConvActivationRange) {
  const Graph graph =
      ConvFollowedBy(13, [](OnnxBuilder& b) { b.node("Relu", {"conv"}, {"y"}, "relu"); });
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"CONV_2D"});
  EXPECT_EQ(graph.nodes[0].outputs[0], "y");
  EXPECT_EQ(graph.nodes[0].activation.min, 0.0f);
  EXPECT_EQ(graph.nodes[0].activation.max, INFINITY);
}

TEST(ActivationFusion, ClipWithInputBoundsIsRelu6) {
  const Graph graph = ConvFollowedBy(13, [](OnnxBuilder& b) {
    b.initializer("lo", {}, {0.0f});
    b.initializer("hi", {}, {6.0f});
    b.node("Clip", {"conv", "lo", "hi"}, {"y"}, "relu6");
  });
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"CONV_2D"});
  EXPECT_EQ(graph.nodes[0].activation.min, 0.0f);
  EXPECT_EQ(graph.nodes[0].activation.max, 6.0f);
}

TEST(ActivationFusion, ClipWithAttributeBoundsFromOpset10) {
  const Graph graph = ConvFollowedBy(10, [](OnnxBuilder& b) {
    auto& clip = b.node("Clip", {"conv"}, {"y"}, "clip");
    OnnxBuilder::set_float(clip, "min", -1.5f);
    OnnxBuilder::set_float(clip, "max", 2.5f);
  });
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"CONV_2D"});
  EXPECT_EQ(graph.nodes[0].activation.min, -1.5f);
  EXPECT_EQ(graph.nodes[0].activation.max, 2.5f);
}

TEST(ActivationFusion, ReluOfATensorWithOtherReadersBecomesAOneByOneMaxPool) {
  const Graph graph = ConvFollowedBy(
      13, [](OnnxBuilder& b) { b.node("Relu", {"conv"}, {"y"}, "relu"); },
      /*conv_output_is_graph_output=*/true);
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"CONV_2D", "MAX_POOL_2D"}));
  EXPECT_EQ(graph.nodes[0].activation.min, -INFINITY);
  const Node& pool = graph.nodes[1];
  EXPECT_EQ(pool.attribute_int("kernel_h", 0), 1);
  EXPECT_EQ(pool.attribute_int("kernel_w", 0), 1);
  EXPECT_EQ(pool.activation.min, 0.0f);

  const std::vector<float> y = testing::run_float_model(FloatQfb(graph), {1, -2, 3, -4});
  EXPECT_EQ(y, (std::vector<float>{1, 0, 0, 2, 3, 0, 0, 4}));  // NHWC [1, 2, 2, 2]
}

TEST(NhwcLayout, ConvTakesNhwcInputAndOhwiWeights) {
  ConvSpec s{1, 3, 5, 4, 4, 3, 2, 2, 1, 1, 2, 1, 0, 0, 1, 1};
  const std::vector<float> w = testing::random_floats(4 * 3 * 3 * 2, -1, 1, 3);
  const std::vector<float> bias = {0.5f, -0.5f, 0.25f, 0.0f};
  OnnxBuilder b;
  b.input("image", {1, 3, 5, 4});
  b.initializer("w", {4, 3, 3, 2}, w);
  b.initializer("b", {4}, bias);
  auto& conv = b.node("Conv", {"image", "w", "b"}, {"y"}, "conv");
  OnnxBuilder::set_ints(conv, "strides", {2, 1});
  OnnxBuilder::set_ints(conv, "dilations", {1, 2});
  OnnxBuilder::set_ints(conv, "pads", {1, 0, 0, 1});
  b.output("y");
  const Graph graph = Lowered(b);

  EXPECT_EQ(graph.inputs, std::vector<std::string>{"image"});
  EXPECT_EQ(graph.tensor("image").shape, (std::vector<int64_t>{1, 5, 4, 3}));
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, s.out_h(), s.out_w(), 4}));
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"CONV_2D"});
  const Node& node = graph.nodes[0];
  EXPECT_EQ(node.attribute_int("stride_h", 0), 2);
  EXPECT_EQ(node.attribute_int("dilation_w", 0), 2);
  EXPECT_EQ(node.attribute_int("pad_top", -1), 1);
  EXPECT_EQ(node.attribute_int("pad_left", -1), 0);
  EXPECT_EQ(node.attribute_int("pad_bottom", -1), 0);
  EXPECT_EQ(node.attribute_int("pad_right", -1), 1);
  const Tensor& ohwi = graph.tensor(node.inputs[1]);
  ASSERT_EQ(ohwi.shape, (std::vector<int64_t>{4, 3, 2, 3}));
  for (int o = 0; o < 4; ++o)
    for (int i = 0; i < 3; ++i)
      for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 2; ++x) {
          ASSERT_EQ(ohwi.float_data[((o * 3 + y) * 2 + x) * 3 + i],
                    w[((o * 3 + i) * 3 + y) * 2 + x]);
        }

  const std::vector<float> input = testing::random_floats(60, -1, 1, 11);
  const std::vector<float> actual =
      testing::run_float_model(FloatQfb(graph), testing::nchw_to_nhwc(input, 1, 3, 5, 4));
  ExpectNear(actual,
             testing::nchw_to_nhwc(conv_nchw(s, input, w, bias), 1, 4, s.out_h(), s.out_w()), 1e-5);
}

TEST(NhwcLayout, DepthwiseWeightsAreOhwiWithOneInputChannel) {
  // 2x2 with SAME_LOWER: the one padding row and column go at the top and left.
  ConvSpec s{1, 3, 4, 4, 6, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 3};
  const std::vector<float> w = testing::random_floats(6 * 4, -1, 1, 5);
  OnnxBuilder b;
  b.input("x", {1, 3, 4, 4});
  b.initializer("w", {6, 1, 2, 2}, w);
  auto& conv = b.node("Conv", {"x", "w"}, {"y"}, "dw");
  OnnxBuilder::set_int(conv, "group", 3);
  OnnxBuilder::set_string(conv, "auto_pad", "SAME_LOWER");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"CONV_2D"});
  EXPECT_EQ(graph.nodes[0].attribute_int("groups", 0), 3);
  EXPECT_EQ(graph.tensor(graph.nodes[0].inputs[1]).shape, (std::vector<int64_t>{6, 2, 2, 1}));
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 4, 4, 6}));

  const std::vector<float> input = testing::random_floats(48, -1, 1, 13);
  const std::vector<float> actual =
      testing::run_float_model(FloatQfb(graph), testing::nchw_to_nhwc(input, 1, 3, 4, 4));
  ExpectNear(actual, testing::nchw_to_nhwc(conv_nchw(s, input, w, {}), 1, 6, 4, 4), 1e-5);
}

TEST(NhwcLayout, ConcatAxisOfChannelsBecomesTheLastAxis) {
  OnnxBuilder b;
  b.input("x", {1, 2, 3, 3});
  b.initializer("w", {1, 2, 1, 1}, {1.0f, 1.0f});
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  OnnxBuilder::set_int(b.node("Concat", {"x", "c"}, {"y"}, "cat"), "axis", 1);
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"CONV_2D", "CONCATENATION"}));
  EXPECT_EQ(graph.nodes[1].attribute_int("axis", -1), 3);
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 3, 3, 3}));
}

// x [1, 2, 3, 4] -> Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])): a flatten written
// the way exporters write x.view(x.size(0), -1).
OnnxBuilder ShapeChainModel() {
  OnnxBuilder b;
  b.input("x", {1, 2, 3, 4});
  b.initializer_int64("zero", {}, {0});
  b.initializer_int64("axes", {1}, {0});
  b.initializer_int64("minus_one", {1}, {-1});
  b.node("Shape", {"x"}, {"shape"}, "shape");
  b.node("Gather", {"shape", "zero"}, {"batch"}, "gather");
  b.node("Unsqueeze", {"batch", "axes"}, {"batch_1d"}, "unsqueeze");
  OnnxBuilder::set_int(b.node("Concat", {"batch_1d", "minus_one"}, {"target"}, "concat"), "axis",
                       0);
  b.node("Reshape", {"x", "target"}, {"y"}, "reshape");
  b.output("y");
  return b;
}

TEST(ConstantFolding, ShapeGatherUnsqueezeConcatFoldsIntoTheReshape) {
  const Graph graph = Lowered(ShapeChainModel());
  // NHWC x flattens in NCHW order: a TRANSPOSE back to NCHW comes first.
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"TRANSPOSE", "RESHAPE"}));
  EXPECT_EQ(graph.nodes[0].attribute_ints("perm"), (std::vector<int64_t>{0, 3, 1, 2}));
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 24}));
  for (const auto& entry : graph.tensors) EXPECT_NE(entry.second.type, DataType::kInt64);

  std::vector<float> x(24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i);
  const std::vector<float> y =
      testing::run_float_model(FloatQfb(graph), testing::nchw_to_nhwc(x, 1, 2, 3, 4));
  EXPECT_EQ(y, x);
}

TEST(NhwcLayout, FlattenAfterGlobalPoolingNeedsNoTranspose) {
  OnnxBuilder b;
  b.input("x", {1, 3, 4, 4});
  b.initializer("w", {2, 3}, {1, 0, 0, 0, 1, 0});
  b.node("GlobalAveragePool", {"x"}, {"pooled"}, "gap");
  b.node("Flatten", {"pooled"}, {"flat"}, "flatten");
  OnnxBuilder::set_int(b.node("Gemm", {"flat", "w"}, {"y"}, "fc"), "transB", 1);
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"MEAN", "RESHAPE", "FULLY_CONNECTED"}));
  EXPECT_EQ(graph.tensor("pooled").shape, (std::vector<int64_t>{1, 1, 1, 3}));
}

TEST(FullyConnected, MatMulOfARank3InputRunsOnRows) {
  OnnxBuilder b;
  b.input("x", {1, 2, 3});
  b.initializer("w", {3, 2}, {1, 2, 3, 4, 5, 6});  // [in, out]
  b.initializer("c", {2}, {0.5f, -0.5f});
  b.node("MatMul", {"x", "w"}, {"m"}, "matmul");
  b.node("Add", {"m", "c"}, {"y"}, "bias");
  b.output("y");
  const Graph graph = Lowered(b);
  // The bias Add folds into the FULLY_CONNECTED.
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"RESHAPE", "FULLY_CONNECTED", "RESHAPE"}));
  EXPECT_EQ(graph.tensor(graph.nodes[1].inputs[1]).float_data,
            (std::vector<float>{1, 3, 5, 2, 4, 6}));  // OI
  EXPECT_EQ(graph.tensor(graph.nodes[1].inputs[2]).float_data, (std::vector<float>{0.5f, -0.5f}));
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 2, 2}));
  // Rows [1, 0, 2] and [0, 1, -1]: [1 + 10, 2 + 12] and [3 - 5, 4 - 6], plus the bias.
  EXPECT_EQ(testing::run_float_model(FloatQfb(graph), {1, 0, 2, 0, 1, -1}),
            (std::vector<float>{11.5f, 13.5f, -1.5f, -2.5f}));
}

TEST(Import, SymbolicBatchIsOneUnlessAnInputShapeIsGiven) {
  OnnxBuilder b;
  b.input("x", {-1, 3, 4, 4});
  b.node("GlobalAveragePool", {"x"}, {"y"}, "gap");
  b.output("y");
  EXPECT_EQ(Lowered(b).tensor("x").shape, (std::vector<int64_t>{1, 4, 4, 3}));
  ImportOptions options;
  options.input_shapes["x"] = {2, 3, 8, 6};
  EXPECT_EQ(Lowered(b, options).tensor("x").shape, (std::vector<int64_t>{2, 8, 6, 3}));

  Graph graph;
  options.input_shapes = {{"image", {1, 3, 4, 4}}};
  const Status status = ImportOnnxModel(b.serialize(), options, &graph);
  EXPECT_EQ(status.message(), "--input-shape names 'image', which is not an input of the model");
}

TEST(Pooling, CeilModeMaxPoolPadsTheEnd) {
  OnnxBuilder b;
  b.input("x", {1, 1, 5, 5});
  auto& pool = b.node("MaxPool", {"x"}, {"y"}, "pool");
  OnnxBuilder::set_ints(pool, "kernel_shape", {2, 2});
  OnnxBuilder::set_ints(pool, "strides", {2, 2});
  OnnxBuilder::set_int(pool, "ceil_mode", 1);
  b.output("y");
  const Graph graph = Lowered(b);
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 3, 3, 1}));
  EXPECT_EQ(graph.nodes[0].attribute_int("pad_bottom", 0), 1);
  EXPECT_EQ(graph.nodes[0].attribute_int("pad_right", 0), 1);
  std::vector<float> x(25);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i);
  EXPECT_EQ(testing::run_float_model(FloatQfb(graph), x),
            (std::vector<float>{6, 8, 9, 16, 18, 19, 21, 23, 24}));
}

TEST(Errors, AnOpOnlyFoldingKnowsIsRejectedOnActivations) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  OnnxBuilder::set_int(b.node("Cast", {"x"}, {"y"}, "cast"), "to", 1);
  b.output("y");
  EXPECT_EQ(LowerStatus(b).message(),
            "node 'cast' (op Cast, opset 13) is not supported: only on constant inputs");
}

TEST(ElementwiseBinary, DivisionOfTwoActivationsIsOneOperator) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.node("Div", {"x", "x"}, {"y"}, "ratio");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"ELEMENTWISE_BINARY"});
  EXPECT_EQ(graph.nodes[0].attribute_text("function", ""), "Div");
}

TEST(ElementwiseBinary, MaxOfThreeIsAChainOfPairsWithTheReluOnTheLast) {
  OnnxBuilder b;
  b.input("x", {1, 2, 3, 3});
  b.input("z", {1, 2, 3, 3});
  b.initializer("c", {1, 2, 1, 1}, {0.5f, -0.5f});
  b.node("Max", {"x", "z", "c"}, {"m"}, "max");
  b.node("Relu", {"m"}, {"y"}, "relu");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"ELEMENTWISE_BINARY", "ELEMENTWISE_BINARY"}));
  EXPECT_EQ(graph.nodes[1].inputs[0], graph.nodes[0].outputs[0]);
  EXPECT_EQ(graph.nodes[1].activation.min, 0.0f);
  EXPECT_EQ(graph.nodes[0].activation.min, -INFINITY);
  // The constant meets NHWC activations: [1, 1, 1, 2].
  EXPECT_EQ(graph.tensor(graph.nodes[1].inputs[1]).shape, (std::vector<int64_t>{1, 1, 1, 2}));
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 3, 3, 2}));
}

TEST(ActivationFusion, AReluThatCannotFuseOnATwoDimensionalTensorIsAClip) {
  OnnxBuilder b;
  b.input("x", {2, 5});
  b.node("Relu", {"x"}, {"y"}, "relu");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"ELEMENTWISE_UNARY"});
  EXPECT_EQ(graph.nodes[0].attribute_text("function", ""), "Clip");
  EXPECT_EQ(graph.nodes[0].attribute_float("alpha", 1.0f), 0.0f);
  EXPECT_EQ(graph.nodes[0].attribute_float("beta", 0.0f), INFINITY);
}

TEST(PRelu, APerChannelSlopeIsPermutedLikeTheActivation) {
  OnnxBuilder b;
  b.input("x", {1, 3, 2, 2});
  b.initializer("slope", {3, 1, 1}, {0.1f, 0.2f, 0.3f});
  b.node("PRelu", {"x", "slope"}, {"y"}, "prelu");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"PRELU"});
  const Tensor& slope = graph.tensor(graph.nodes[0].inputs[1]);
  EXPECT_EQ(slope.shape, (std::vector<int64_t>{1, 1, 1, 3}));
  EXPECT_EQ(slope.float_data, (std::vector<float>{0.1f, 0.2f, 0.3f}));
}

TEST(Reduce, OverTheWidthOfAnImageWithoutKeepdimsPutsTheKeptAxesBackInOnnxOrder) {
  OnnxBuilder b;
  b.input("x", {1, 3, 4, 5});
  onnx::NodeProto& reduce = b.node("ReduceMax", {"x"}, {"y"}, "max");
  OnnxBuilder::set_ints(reduce, "axes", {3});
  OnnxBuilder::set_int(reduce, "keepdims", 0);
  b.output("y");
  const Graph graph = Lowered(b);
  // NHWC [1, 4, 5, 3] reduced over W (axis 2) is [1, 4, 1, 3]; ONNX's [1, 3, 4] needs C first.
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"REDUCE", "TRANSPOSE", "RESHAPE"}));
  EXPECT_EQ(graph.nodes[0].attribute_ints("axes"), std::vector<int64_t>{2});
  EXPECT_EQ(graph.nodes[0].attribute_text("function", ""), "Max");
  EXPECT_EQ(graph.tensor(graph.nodes[0].outputs[0]).shape, (std::vector<int64_t>{1, 4, 1, 3}));
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 3, 4}));
}

TEST(Reduce, AMeanOverHeightAndWidthStaysAMean) {
  OnnxBuilder b;
  b.input("x", {1, 3, 4, 5});
  OnnxBuilder::set_ints(b.node("ReduceMean", {"x"}, {"y"}, "mean"), "axes", {-1, -2});
  b.output("y");
  EXPECT_EQ(OpTypes(Lowered(b)), std::vector<std::string>{"MEAN"});
}

TEST(HardSwish, MulOfTheInputAndItsHardSigmoidIsOneHardSwish) {
  OnnxBuilder b;
  b.input("x", {1, 4, 2, 2});
  onnx::NodeProto& gate = b.node("HardSigmoid", {"x"}, {"gate"}, "gate");
  OnnxBuilder::set_float(gate, "alpha", 1.0f / 6);
  OnnxBuilder::set_float(gate, "beta", 0.5f);
  b.node("Mul", {"x", "gate"}, {"y"}, "swish");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"ELEMENTWISE_UNARY"});
  EXPECT_EQ(graph.nodes[0].attribute_text("function", ""), "HardSwish");
  EXPECT_EQ(graph.nodes[0].inputs, std::vector<std::string>{"x"});
}

TEST(GatedActivations, MulOfTheInputAndItsSigmoidIsOneSilu) {
  OnnxBuilder b;
  b.input("x", {1, 3});
  b.node("Sigmoid", {"x"}, {"gate"}, "gate");
  b.node("Mul", {"gate", "x"}, {"y"}, "swish");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"ELEMENTWISE_UNARY"});
  EXPECT_EQ(graph.nodes[0].attribute_text("function", ""), "Silu");
}

TEST(HardSwish, AGateOfAnotherTensorStaysAGateAndAMul) {
  // Squeeze-and-excitation: x times a gate computed from something else.
  OnnxBuilder b;
  b.input("x", {1, 4, 2, 2});
  b.input("s", {1, 4, 1, 1});
  OnnxBuilder::set_float(b.node("HardSigmoid", {"s"}, {"gate"}, "gate"), "alpha", 1.0f / 6);
  b.node("Mul", {"x", "gate"}, {"y"}, "scale");
  b.output("y");
  EXPECT_EQ(OpTypes(Lowered(b)), (std::vector<std::string>{"ELEMENTWISE_UNARY", "MUL"}));
}

TEST(Softmax, OverTheChannelsOfAnImageIsOverTheLastAxisInNhwc) {
  OnnxBuilder b;
  b.input("x", {1, 4, 2, 2});
  OnnxBuilder::set_int(b.node("Softmax", {"x"}, {"y"}, "sm"), "axis", 1);
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"SOFTMAX"});
  EXPECT_EQ(graph.nodes[0].attribute_int("axis", 0), 3);
}

TEST(Softmax, BeforeOpset13ItsAxisCoercesToTwoDimensions) {
  OnnxBuilder b(11);
  b.input("x", {2, 3, 4});
  OnnxBuilder::set_int(b.node("Softmax", {"x"}, {"y"}, "sm"), "axis", 1);
  b.output("y");
  const Graph graph = Lowered(b);
  // Flatten to [2, 12], softmax over the 12, reshape back.
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"RESHAPE", "SOFTMAX", "RESHAPE"}));
  EXPECT_EQ(graph.tensor(graph.nodes[1].inputs[0]).shape, (std::vector<int64_t>{2, 12}));
  EXPECT_EQ(graph.nodes[1].attribute_int("axis", 0), 1);
}

// Attention's query scaling: MatMul + bias, the heads split by Reshape and Transpose, then / 4.
OnnxBuilder ScaledQueryModel(bool scaled_is_read_twice) {
  OnnxBuilder b;
  b.input("x", {1, 3, 4});
  b.initializer("w", {4, 4}, testing::random_floats(16, -1, 1, 3));
  b.initializer("c", {4}, {0.5f, -0.25f, 1.0f, 2.0f});
  b.initializer("four", {}, {4.0f});
  b.initializer_int64("heads", {4}, {1, 3, 2, 2});
  b.initializer_int64("rows", {3}, {1, 3, 4});
  b.node("MatMul", {"x", "w"}, {"m"}, "matmul");
  b.node("Add", {"c", "m"}, {"q"}, "bias");
  b.node("Reshape", {"q", "heads"}, {"split"}, "split");
  OnnxBuilder::set_ints(b.node("Transpose", {"split"}, {"t"}, "heads_first"), "perm", {0, 2, 1, 3});
  b.node("Div", {"t", "four"}, {"scaled"}, "scale");
  OnnxBuilder::set_ints(b.node("Transpose", {"scaled"}, {"back"}, "rows_first"), "perm",
                        {0, 2, 1, 3});
  b.node("Reshape", {"back", "rows"}, {"y"}, "merge");
  b.output("y");
  if (scaled_is_read_twice) b.output("t");
  return b;
}

TEST(ScaleFolding, ADivisionOfAProjectionThroughDataMovementFoldsIntoItsWeights) {
  const Graph folded = Lowered(ScaledQueryModel(false));
  for (const Node& node : folded.nodes) {
    EXPECT_NE(node.op, "MUL") << "the scale should have folded";
  }
  // With the transposed heads also a graph output, the scale cannot fold and stays a MUL.
  const Graph unfolded = Lowered(ScaledQueryModel(true));
  int muls = 0;
  for (const Node& node : unfolded.nodes) muls += node.op == "MUL";
  EXPECT_EQ(muls, 1);
  const std::vector<float> x = testing::random_floats(12, -2, 2, 5);
  const std::vector<float> y_folded = testing::run_float_model(FloatQfb(folded), x);
  const std::vector<float> y_unfolded = testing::run_float_model(FloatQfb(unfolded), x);
  ExpectNear(y_folded, std::vector<double>(y_unfolded.begin(), y_unfolded.end()), 1e-6);
}

// LayerNormalization (opset 17) of `shape` over axes [axis, rank), with Mean and InvStdDev graph
// outputs when `statistics`.
OnnxBuilder LayerNormModel(const std::vector<int64_t>& shape, int64_t axis, bool statistics) {
  OnnxBuilder b(17);
  b.input("x", shape);
  const size_t from =
      static_cast<size_t>(axis < 0 ? axis + static_cast<int64_t>(shape.size()) : axis);
  const std::vector<int64_t> normalized(shape.begin() + from, shape.end());
  size_t columns = 1;
  for (int64_t dim : normalized) columns *= static_cast<size_t>(dim);
  b.initializer("gamma", normalized, testing::random_floats(columns, -2, 2, 11));
  b.initializer("beta", normalized, testing::random_floats(columns, -1, 1, 12));
  const std::vector<std::string> outputs =
      statistics ? std::vector<std::string>{"y", "mean", "inv"} : std::vector<std::string>{"y"};
  onnx::NodeProto& node = b.node("LayerNormalization", {"x", "gamma", "beta"}, outputs, "ln");
  OnnxBuilder::set_int(node, "axis", axis);
  for (const std::string& output : outputs) b.output(output);
  return b;
}

// ONNX's LayerNormalization in double on NCHW-ordered data: {y, mean, inv_std_dev}.
std::vector<std::vector<double>> ReferenceLayerNorm(const std::vector<float>& x,
                                                    const std::vector<float>& gamma,
                                                    const std::vector<float>& beta,
                                                    size_t columns) {
  const size_t rows = x.size() / columns;
  std::vector<std::vector<double>> out = {std::vector<double>(x.size()), {}, {}};
  for (size_t r = 0; r < rows; ++r) {
    double sum = 0, squares = 0;
    for (size_t c = 0; c < columns; ++c) sum += x[r * columns + c];
    const double mean = sum / static_cast<double>(columns);
    for (size_t c = 0; c < columns; ++c) {
      squares += (x[r * columns + c] - mean) * (x[r * columns + c] - mean);
    }
    const double inverse = 1.0 / std::sqrt(squares / static_cast<double>(columns) + 1e-5);
    for (size_t c = 0; c < columns; ++c) {
      out[0][r * columns + c] = (x[r * columns + c] - mean) * inverse * gamma[c] + beta[c];
    }
    out[1].push_back(mean);
    out[2].push_back(inverse);
  }
  return out;
}

// A 4-D NCHW-ordered vector in NHWC order, as the runtime holds it; others as they are.
std::vector<double> AsRuntimeHoldsIt(const std::vector<double>& values,
                                     const std::vector<int64_t>& shape) {
  if (shape.size() != 4) return values;
  return testing::nchw_to_nhwc(values, shape[0], shape[1], shape[2], shape[3]);
}

TEST(LayerNorm, OverTheLastAxisOfARank3TensorIsOneOperator) {
  const Graph graph = Lowered(LayerNormModel({2, 3, 4}, -1, false));
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"LAYER_NORM"});
  EXPECT_EQ(graph.nodes[0].inputs, (std::vector<std::string>{"x", "gamma", "beta"}));
}

TEST(LayerNorm, FromTheChannelsOfAnImageRunsOnNhwcRowsWithThePermutedScale) {
  const Graph graph = Lowered(LayerNormModel({2, 3, 2, 2}, 1, false));
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"RESHAPE", "LAYER_NORM", "RESHAPE"}));
  EXPECT_EQ(graph.tensor(graph.nodes[1].inputs[0]).shape, (std::vector<int64_t>{2, 12}));
  // gamma [C, H, W] in H, W, C order, flat.
  const std::vector<float> gamma = testing::random_floats(12, -2, 2, 11);
  const Tensor& scale = graph.tensor(graph.nodes[1].inputs[1]);
  EXPECT_EQ(scale.shape, std::vector<int64_t>{12});
  EXPECT_EQ(scale.float_data, testing::nchw_to_nhwc(gamma, 1, 3, 2, 2));
}

TEST(LayerNorm, FromTheHeightOfAnImageRunsInNchwOrderBetweenTransposes) {
  const Graph graph = Lowered(LayerNormModel({2, 3, 2, 2}, 2, true));
  ASSERT_EQ(OpTypes(graph),
            (std::vector<std::string>{"TRANSPOSE", "RESHAPE", "LAYER_NORM", "RESHAPE", "TRANSPOSE",
                                      "RESHAPE", "RESHAPE"}));
  EXPECT_EQ(graph.nodes[2].outputs.size(), 3u);
  EXPECT_EQ(graph.tensor(graph.nodes[2].outputs[1]).shape, std::vector<int64_t>{6});
}

// Every axis of 2-D, 3-D and 4-D inputs, with Mean and InvStdDev, through the fp32 runtime.
TEST(LayerNorm, EveryAxisGivesOnnxsOutputsAndStatistics) {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> cases = {
      {{3, 4}, {0, 1, -1}}, {{2, 3, 5}, {0, 1, 2, -2}}, {{2, 3, 4, 5}, {0, 1, 2, 3, -3}}};
  for (const auto& [shape, axes] : cases) {
    for (int64_t axis : axes) {
      SCOPED_TRACE(ShapeToString(shape) + " axis " + std::to_string(axis));
      const size_t rank = shape.size();
      const size_t from = static_cast<size_t>(axis < 0 ? axis + static_cast<int64_t>(rank) : axis);
      size_t columns = 1, count = 1;
      for (size_t d = 0; d < rank; ++d) {
        count *= static_cast<size_t>(shape[d]);
        if (d >= from) columns *= static_cast<size_t>(shape[d]);
      }
      const std::vector<float> x = testing::random_floats(count, -3, 3, 13);
      const std::vector<std::vector<double>> expected =
          ReferenceLayerNorm(x, testing::random_floats(columns, -2, 2, 11),
                             testing::random_floats(columns, -1, 1, 12), columns);
      std::vector<int64_t> reduced = shape;
      for (size_t d = from; d < rank; ++d) reduced[d] = 1;
      std::vector<float> input(x);
      if (rank == 4) input = testing::nchw_to_nhwc(x, shape[0], shape[1], shape[2], shape[3]);
      const std::vector<uint8_t> qfb = FloatQfb(Lowered(LayerNormModel(shape, axis, true)));
      ExpectNear(testing::run_float_model(qfb, input, 0), AsRuntimeHoldsIt(expected[0], shape),
                 1e-5);
      ExpectNear(testing::run_float_model(qfb, input, 1), AsRuntimeHoldsIt(expected[1], reduced),
                 1e-6);
      ExpectNear(testing::run_float_model(qfb, input, 2), AsRuntimeHoldsIt(expected[2], reduced),
                 1e-5);
    }
  }
}

TEST(LayerNorm, AnOmittedBiasIsZero) {
  OnnxBuilder b(17);
  b.input("x", {2, 4});
  b.initializer("gamma", {4}, {1, 2, 3, 4});
  b.node("LayerNormalization", {"x", "gamma"}, {"y"}, "ln");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"LAYER_NORM"});
  EXPECT_EQ(graph.tensor(graph.nodes[0].inputs[2]).float_data, std::vector<float>(4, 0.0f));
}

}  // namespace
}  // namespace qrun::converter
