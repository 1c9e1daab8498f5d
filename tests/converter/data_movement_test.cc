// Slice, Split, Gather, Pad, Transpose, ConvTranspose and the folded shape ops on small ONNX
// models: the qfb operators and options the lowering writes (axes remapped to NHWC, permutations
// composed with the layout change, pads folded into convolutions) and, through the runtime's fp32
// path, that the result is ONNX's.
#include <gtest/gtest.h>

#include <cmath>

#include "converter/onnx_importer.h"
#include "converter/passes.h"
#include "converter/qfb_writer.h"
#include "onnx_builder.h"
#include "reference_math.h"

namespace qrun::converter {
namespace {

using testing::ConvSpec;
using testing::OnnxBuilder;

Graph Lowered(const OnnxBuilder& model) {
  Graph graph;
  Status status = ImportOnnxModel(model.serialize(), {}, &graph);
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

std::vector<float> RunFloat(const Graph& graph, const std::vector<float>& input) {
  std::vector<uint8_t> file;
  const Status status = SerializeQfb(graph, {}, &file);
  EXPECT_TRUE(status.ok()) << status.message();
  return testing::run_float_model(file, input);
}

// 0, 1, 2, ...: every element tells where it came from.
std::vector<float> Iota(size_t count) {
  std::vector<float> values(count);
  for (size_t i = 0; i < count; ++i) values[i] = static_cast<float>(i);
  return values;
}

TEST(Transpose, OfAnImageComposesThePermutationWithTheLayout) {
  OnnxBuilder b;
  b.input("x", {2, 3, 4, 5});
  OnnxBuilder::set_ints(b.node("Transpose", {"x"}, {"y"}, "t"), "perm", {0, 3, 1, 2});
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"TRANSPOSE"});
  // y is [N, W, C, H], stored NHWC as [N, C, H, W]: the input NHWC [N, H, W, C] as [0, 3, 1, 2].
  EXPECT_EQ(graph.nodes[0].attribute_ints("perm"), (std::vector<int64_t>{0, 3, 1, 2}));
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{2, 3, 4, 5}));

  const std::vector<float> nchw = Iota(120);
  const std::vector<float> actual = RunFloat(graph, testing::nchw_to_nhwc(nchw, 2, 3, 4, 5));
  std::vector<float> y_nchw;  // ONNX's y, [2, 5, 3, 4]
  for (int n = 0; n < 2; ++n)
    for (int w = 0; w < 5; ++w)
      for (int c = 0; c < 3; ++c)
        for (int h = 0; h < 4; ++h) y_nchw.push_back(nchw[((n * 3 + c) * 4 + h) * 5 + w]);
  const std::vector<double> expected =
      testing::nchw_to_nhwc(std::vector<double>(y_nchw.begin(), y_nchw.end()), 2, 5, 3, 4);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_EQ(actual[i], expected[i]) << i;
}

TEST(Slice, OfAnImageTakesBeginAndStepInNhwcOrder) {
  OnnxBuilder b;
  b.input("x", {1, 6, 7, 9});
  b.initializer_int64("starts", {3}, {1, -1, 0});
  b.initializer_int64("ends", {3}, {5, -100, 9});
  b.initializer_int64("axes", {3}, {1, 2, -1});
  b.initializer_int64("steps", {3}, {2, -3, 4});
  b.node("Slice", {"x", "starts", "ends", "axes", "steps"}, {"y"}, "s");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"SLICE"});
  // C: 1, 3; H: 6, 3, 0; W: 0, 4, 8 -> NHWC [1, 3, 3, 2].
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 3, 3, 2}));
  EXPECT_EQ(graph.nodes[0].attribute_ints("begin"), (std::vector<int64_t>{0, 6, 0, 1}));
  EXPECT_EQ(graph.nodes[0].attribute_ints("step"), (std::vector<int64_t>{1, -3, 4, 2}));
}

TEST(Split, BecomesOneSlicePerOutput) {
  OnnxBuilder b;
  b.input("x", {1, 6, 2, 2});
  b.initializer_int64("split", {2}, {4, 2});
  OnnxBuilder::set_int(b.node("Split", {"x", "split"}, {"a", "b"}, "split"), "axis", 1);
  b.output("a");
  b.output("b");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"SLICE", "SLICE"}));
  EXPECT_EQ(graph.nodes[1].attribute_ints("begin"), (std::vector<int64_t>{0, 0, 0, 4}));
  EXPECT_EQ(graph.tensor("b").shape, (std::vector<int64_t>{1, 2, 2, 2}));
}

TEST(Gather, AScalarIndexOfAnImageRunsOnTheNchwOrder) {
  OnnxBuilder b;
  b.input("x", {1, 2, 3, 4});
  b.initializer_int64("index", {}, {-1});
  OnnxBuilder::set_int(b.node("Gather", {"x", "index"}, {"y"}, "g"), "axis", 2);
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"TRANSPOSE", "GATHER"}));
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 2, 4}));
  const Tensor& indices = graph.tensor(graph.nodes[1].inputs[1]);
  EXPECT_EQ(indices.type, DataType::kInt32);
  EXPECT_EQ(indices.int32_data, std::vector<int32_t>{2});
  const std::vector<float> nchw = Iota(24);
  EXPECT_EQ(RunFloat(graph, testing::nchw_to_nhwc(nchw, 1, 2, 3, 4)),
            (std::vector<float>{8, 9, 10, 11, 20, 21, 22, 23}));
}

TEST(Gather, IndicesOutOfRangeAreNamed) {
  OnnxBuilder b;
  b.input("x", {3, 4});
  b.initializer_int64("index", {1}, {4});
  OnnxBuilder::set_int(b.node("Gather", {"x", "index"}, {"y"}, "g"), "axis", 1);
  b.output("y");
  EXPECT_EQ(LowerStatus(b).message(), "node 'g' (op Gather): index 4 is out of range for 4");
}

OnnxBuilder PadThen(const std::string& mode, const std::string& reader) {
  OnnxBuilder b;
  b.input("x", {1, 2, 4, 4});
  b.initializer_int64("pads", {8}, {0, 0, 1, 2, 0, 0, 0, 1});
  b.initializer("w", {3, 2, 3, 3}, testing::random_floats(54, -1, 1, 5));
  OnnxBuilder::set_string(b.node("Pad", {"x", "pads"}, {"p"}, "pad"), "mode", mode);
  if (reader == "Conv") {
    OnnxBuilder::set_ints(b.node("Conv", {"p", "w"}, {"y"}, "conv"), "pads", {1, 0, 0, 1});
  } else {
    OnnxBuilder::set_ints(b.node(reader, {"p"}, {"y"}, "pool"), "kernel_shape", {2, 2});
  }
  b.output("y");
  return b;
}

TEST(PadFolding, AZeroPadBeforeAConvBecomesItsPadding) {
  const OnnxBuilder b = PadThen("constant", "Conv");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"CONV_2D"});
  const Node& conv = graph.nodes[0];
  EXPECT_EQ(conv.attribute_int("pad_top", -1), 2);
  EXPECT_EQ(conv.attribute_int("pad_left", -1), 2);
  EXPECT_EQ(conv.attribute_int("pad_bottom", -1), 0);
  EXPECT_EQ(conv.attribute_int("pad_right", -1), 2);

  ConvSpec s{1, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 2, 2, 0, 2, 1};
  const std::vector<float> x = testing::random_floats(32, -1, 1, 9);
  const std::vector<double> expected =
      testing::nchw_to_nhwc(testing::conv_nchw(s, x, testing::random_floats(54, -1, 1, 5), {}), 1,
                            3, s.out_h(), s.out_w());
  const std::vector<float> actual = RunFloat(graph, testing::nchw_to_nhwc(x, 1, 2, 4, 4));
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-5) << i;
}

TEST(PadFolding, PaddingThatIsNotZeroOrFeedsAMaxPoolStaysAPad) {
  EXPECT_EQ(OpTypes(Lowered(PadThen("reflect", "Conv"))),
            (std::vector<std::string>{"PAD", "CONV_2D"}));
  EXPECT_EQ(OpTypes(Lowered(PadThen("constant", "MaxPool"))),
            (std::vector<std::string>{"PAD", "MAX_POOL_2D"}));
}

TEST(ConvTranspose, WeightsBecomeOhwiPerGroup) {
  OnnxBuilder b;
  b.input("x", {1, 4, 3, 3});
  const std::vector<float> w = Iota(4 * 3 * 2 * 2);  // [C_in 4, C_out / group 3, 2, 2], 2 groups
  b.initializer("w", {4, 3, 2, 2}, w);
  auto& node = b.node("ConvTranspose", {"x", "w"}, {"y"}, "up");
  OnnxBuilder::set_int(node, "group", 2);
  OnnxBuilder::set_ints(node, "strides", {2, 2});
  OnnxBuilder::set_ints(node, "output_padding", {1, 0});
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"TRANSPOSE_CONV_2D"});
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 7, 6, 6}));
  const Tensor& ohwi = graph.tensor(graph.nodes[0].inputs[1]);
  ASSERT_EQ(ohwi.shape, (std::vector<int64_t>{6, 2, 2, 2}));
  for (int oc = 0; oc < 6; ++oc)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x)
        for (int ic = 0; ic < 2; ++ic) {
          const int source_in = (oc / 3) * 2 + ic;
          EXPECT_EQ(ohwi.float_data[((oc * 2 + y) * 2 + x) * 2 + ic],
                    w[((source_in * 3 + oc % 3) * 2 + y) * 2 + x]);
        }
}

TEST(ConvTranspose, BatchNormAndReluFoldIntoIt) {
  OnnxBuilder b;
  b.input("x", {1, 4, 2, 2});
  const std::vector<float> w = testing::random_floats(4 * 3 * 2 * 2, -1, 1, 7);
  b.initializer("w", {4, 3, 2, 2}, w);  // 2 groups of 2 inputs -> 3 outputs each
  b.initializer("gamma", {6}, {1, 2, 3, 4, 5, 6});
  b.initializer("beta", {6}, {0, 0, 0, 1, 1, 1});
  b.initializer("mean", {6}, {0, 0, 0, 0, 0, 0});
  b.initializer("var", {6}, {1, 1, 1, 1, 1, 1});
  OnnxBuilder::set_int(b.node("ConvTranspose", {"x", "w"}, {"t"}, "up"), "group", 2);
  b.node("BatchNormalization", {"t", "gamma", "beta", "mean", "var"}, {"n"}, "bn");
  b.node("Relu", {"n"}, {"y"}, "relu");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"TRANSPOSE_CONV_2D"});
  EXPECT_EQ(graph.nodes[0].activation.min, 0.0f);
  // OHWI weight of output channel oc: ONNX w[g * 2 + ic][oc % 3] times gamma[oc] / sqrt(1 + eps).
  const Tensor& ohwi = graph.tensor(graph.nodes[0].inputs[1]);
  const Tensor& bias = graph.tensor(graph.nodes[0].inputs[2]);
  const double k = 1.0 / std::sqrt(1.0 + 1e-5);
  for (int oc = 0; oc < 6; ++oc) {
    EXPECT_NEAR(bias.float_data[oc], oc < 3 ? 0.0 : 1.0, 1e-6);
    for (int tap = 0; tap < 4; ++tap) {
      for (int ic = 0; ic < 2; ++ic) {
        const float source = w[(((oc / 3) * 2 + ic) * 3 + oc % 3) * 4 + tap];
        EXPECT_NEAR(ohwi.float_data[(oc * 4 + tap) * 2 + ic], source * (oc + 1) * k, 1e-5);
      }
    }
  }
}

TEST(ConstantFolding, ConstantOfShapeAndRangeFold) {
  OnnxBuilder b;
  b.input("x", {2, 3});
  b.initializer_int64("start", {}, {2});
  b.initializer_int64("limit", {}, {-1});
  b.initializer_int64("delta", {}, {-1});
  b.node("Range", {"start", "limit", "delta"}, {"indices"});
  OnnxBuilder::set_int(b.node("Gather", {"x", "indices"}, {"g"}), "axis", 1);
  b.node("Shape", {"g"}, {"shape"});
  b.node("ConstantOfShape", {"shape"}, {"zeros"});
  b.node("Add", {"g", "zeros"}, {"y"});
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"GATHER", "ADD"}));
  EXPECT_EQ(graph.tensor(graph.nodes[0].inputs[1]).int32_data, (std::vector<int32_t>{2, 1, 0}));
  EXPECT_EQ(RunFloat(graph, {1, 2, 3, 4, 5, 6}), (std::vector<float>{3, 2, 1, 6, 5, 4}));
}

TEST(ConstantFolding, SplitAndPadOfConstantsFold) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.initializer("c", {1, 5}, {1, 2, 3, 4, 5});
  b.initializer_int64("sizes", {2}, {2, 3});
  OnnxBuilder::set_int(b.node("Split", {"c", "sizes"}, {"head", "tail"}), "axis", 1);
  b.initializer_int64("pads", {4}, {0, 1, 0, 1});
  OnnxBuilder::set_string(b.node("Pad", {"head", "pads"}, {"mirrored"}), "mode", "reflect");
  b.node("Add", {"x", "mirrored"}, {"y"});
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"ADD"});
  EXPECT_EQ(RunFloat(graph, {10, 20, 30, 40}), (std::vector<float>{12, 21, 32, 41}));
}

TEST(Errors, DataMovementVariantsWeCannotRunAreNamed) {
  OnnxBuilder slice;
  slice.input("x", {1, 4});
  slice.initializer_int64("starts", {1}, {5});
  slice.initializer_int64("ends", {1}, {9});
  slice.initializer_int64("axes", {1}, {1});
  slice.node("Slice", {"x", "starts", "ends", "axes"}, {"y"}, "s");
  slice.output("y");
  EXPECT_EQ(LowerStatus(slice).message(),
            "node 's' (op Slice, opset 13) is not supported: an empty result");

  OnnxBuilder pad;
  pad.input("x", {1, 4});
  pad.initializer_int64("pads", {4}, {0, 1, 0, 1});
  OnnxBuilder::set_string(pad.node("Pad", {"x", "pads"}, {"y"}, "p"), "mode", "wrap");
  pad.output("y");
  EXPECT_EQ(LowerStatus(pad).message(),
            "node 'p' (op Pad, opset 13) is not supported: mode 'wrap'");

  OnnxBuilder up;
  up.input("x", {1, 2, 5});
  up.initializer("w", {2, 1, 3}, testing::random_floats(6, -1, 1, 2));
  up.node("ConvTranspose", {"x", "w"}, {"y"}, "up");
  up.output("y");
  EXPECT_EQ(LowerStatus(up).message(),
            "node 'up' (op ConvTranspose, opset 13) is not supported: only 2-D (a 4-D input)");
}

}  // namespace
}  // namespace qrun::converter
