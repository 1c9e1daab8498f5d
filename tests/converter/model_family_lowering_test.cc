// What the model families of issue 7 brought: ONNX Resize, ShuffleNet's channel shuffle (with and
// without its chunk), googlenet's channel-by-channel transform_input and densenet's Pad of
// nothing: what the lowered graph holds, what the runtime's fp32 path computes from it, and how
// the quantizer passes parameters through them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "converter/onnx_importer.h"
#include "converter/passes.h"
#include "converter/qfb_writer.h"
#include "converter/quantizer.h"
#include "onnx_builder.h"
#include "qrun/qrun.hpp"
#include "reference_math.h"

namespace qrun::converter {
namespace {

using testing::OnnxBuilder;

Status Lower(const OnnxBuilder& model, Graph* graph) {
  QRUN_RETURN_IF_ERROR(ImportOnnxModel(model.serialize(), {}, graph));
  return RunGraphPasses(*graph);
}

Graph Lowered(const OnnxBuilder& model) {
  Graph graph;
  const Status status = Lower(model, &graph);
  EXPECT_TRUE(status.ok()) << status.message();
  return graph;
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

// Resize of x [1, 1, 2, 3] by scales [1, 1, 2, 2] (nn.Upsample(scale_factor=2) as exported).
OnnxBuilder UpsampleModel(const std::string& mode, const std::string& coordinates) {
  OnnxBuilder b;
  b.input("x", {1, 1, 2, 3});
  b.initializer("roi", {0}, {});
  b.initializer("scales", {4}, {1, 1, 2, 2});
  auto& resize = b.node("Resize", {"x", "roi", "scales"}, {"y"}, "up");
  OnnxBuilder::set_string(resize, "mode", mode);
  OnnxBuilder::set_string(resize, "coordinate_transformation_mode", coordinates);
  OnnxBuilder::set_string(resize, "nearest_mode", "floor");
  b.output("y");
  return b;
}

TEST(Resize, NearestUpsampleRepeatsEachPixel) {
  const Graph graph = Lowered(UpsampleModel("nearest", "asymmetric"));
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"RESIZE"});
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 4, 6, 1}));
  EXPECT_EQ(graph.nodes[0].attribute_text("coordinates", ""), "asymmetric");
  EXPECT_EQ(graph.nodes[0].attribute_float("scale_h", 0), 2.0f);
  EXPECT_EQ(graph.nodes[0].inputs, std::vector<std::string>{"x"});
  const std::vector<float> y = testing::run_float_model(FloatQfb(graph), {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(y, (std::vector<float>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3,  //
                                   4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6}));
}

TEST(Resize, BilinearHalfPixelMatchesPyTorch) {
  const Graph graph = Lowered(UpsampleModel("linear", "pytorch_half_pixel"));
  const std::vector<float> y = testing::run_float_model(FloatQfb(graph), {1, 2, 3, 4, 5, 6});
  // torch.nn.functional.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False).
  const std::vector<float> expected = {1.0f,  1.25f, 1.75f, 2.25f, 2.75f, 3.0f,   //
                                       1.75f, 2.0f,  2.5f,  3.0f,  3.5f,  3.75f,  //
                                       3.25f, 3.5f,  4.0f,  4.5f,  5.0f,  5.25f,  //
                                       4.0f,  4.25f, 4.75f, 5.25f, 5.75f, 6.0f};
  ASSERT_EQ(y.size(), expected.size());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_FLOAT_EQ(y[i], expected[i]) << "element " << i;
}

TEST(Resize, SizesWithAlignCornersSetTheOutputShape) {
  OnnxBuilder b;
  b.input("x", {1, 2, 2, 2});
  b.initializer("roi", {0}, {});
  b.initializer("scales", {0}, {});
  b.initializer_int64("sizes", {4}, {1, 2, 3, 3});
  auto& resize = b.node("Resize", {"x", "roi", "scales", "sizes"}, {"y"}, "resize");
  OnnxBuilder::set_string(resize, "mode", "linear");
  OnnxBuilder::set_string(resize, "coordinate_transformation_mode", "align_corners");
  b.output("y");
  const Graph graph = Lowered(b);
  EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 3, 3, 2}));
  // Channel 0 holds 0 1 / 2 3, channel 1 its negation; corners stay, the centre is their mean.
  const std::vector<float> y = testing::run_float_model(
      FloatQfb(graph), testing::nchw_to_nhwc<float>({0, 1, 2, 3, 0, -1, -2, -3}, 1, 2, 2, 2));
  const std::vector<float> channel0 = {0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3};
  for (size_t i = 0; i < 9; ++i) {
    EXPECT_FLOAT_EQ(y[2 * i], channel0[i]);
    EXPECT_FLOAT_EQ(y[2 * i + 1], -channel0[i]);
  }
}

TEST(Resize, UpsampleOfOpset9BecomesAResize) {
  OnnxBuilder b(9);
  b.input("x", {1, 1, 1, 2});
  b.initializer("scales", {4}, {1, 1, 2, 2});
  OnnxBuilder::set_string(b.node("Upsample", {"x", "scales"}, {"y"}, "up"), "mode", "nearest");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"RESIZE"});
  EXPECT_EQ(testing::run_float_model(FloatQfb(graph), {3, 7}),
            (std::vector<float>{3, 3, 7, 7, 3, 3, 7, 7}));
}

TEST(Resize, CubicIsRejectedByName) {
  Graph graph;
  EXPECT_EQ(Lower(UpsampleModel("cubic", "half_pixel"), &graph).message(),
            "node 'up' (op Resize, opset 13) is not supported: mode 'cubic' (nearest and linear "
            "are)");
}

// x [1, 2, 4, 5] (channel 0 holds (5 h + w) / 10, channel 1 its negation) cropped to sizes
// [1, 2, 3, 4] with roi H [0.2, 1.3] and W [-0.25, 0.75], which reach outside the input: input
// rows 0.6, 2.25 and 3.9 (outside), columns -1 (outside), 1/3, 5/3 and 3.
OnnxBuilder CropAndResizeModel(const std::string& mode, const std::vector<float>& roi) {
  OnnxBuilder b;
  b.input("x", {1, 2, 4, 5});
  b.initializer("roi", {static_cast<int64_t>(roi.size())}, roi);
  b.initializer("scales", {0}, {});
  b.initializer_int64("sizes", {4}, {1, 2, 3, 4});
  auto& resize = b.node("Resize", {"x", "roi", "scales", "sizes"}, {"y"}, "crop");
  OnnxBuilder::set_string(resize, "mode", mode);
  OnnxBuilder::set_string(resize, "coordinate_transformation_mode", "tf_crop_and_resize");
  OnnxBuilder::set_string(resize, "nearest_mode", "round_prefer_ceil");
  OnnxBuilder::set_float(resize, "extrapolation_value", 0.5f);
  b.output("y");
  return b;
}

const std::vector<float> kCropRoi = {0, 0, 0.2f, -0.25f, 1, 1, 1.3f, 0.75f};

std::vector<float> CropInput() {
  std::vector<float> x;
  for (int c = 0; c < 2; ++c) {
    for (int i = 0; i < 20; ++i) x.push_back((c == 0 ? 1.0f : -1.0f) * static_cast<float>(i) / 10);
  }
  return testing::nchw_to_nhwc(x, 1, 2, 4, 5);
}

// ONNX Runtime's output for the model (ONNX's reference agrees within 1.2e-7), NCHW.
std::vector<float> CropExpected(const std::string& mode) {
  if (mode == "linear") {
    return testing::nchw_to_nhwc<float>({0.5f, 0.33333337f,  0.4666667f,  0.6f,     //
                                         0.5f, 1.1583333f,   1.2916667f,  1.425f,   //
                                         0.5f, 0.5f,         0.5f,        0.5f,     //
                                         0.5f, -0.33333337f, -0.4666667f, -0.6f,    //
                                         0.5f, -1.1583333f,  -1.2916667f, -1.425f,  //
                                         0.5f, 0.5f,         0.5f,        0.5f},
                                        1, 2, 3, 4);
  }
  return testing::nchw_to_nhwc<float>({0.5f, 0.5f,  0.7f,  0.8f,   //
                                       0.5f, 1.0f,  1.2f,  1.3f,   //
                                       0.5f, 0.5f,  0.5f,  0.5f,   //
                                       0.5f, -0.5f, -0.7f, -0.8f,  //
                                       0.5f, -1.0f, -1.2f, -1.3f,  //
                                       0.5f, 0.5f,  0.5f,  0.5f},
                                      1, 2, 3, 4);
}

// fp32 within float rounding of ONNX Runtime; int8 (x and y in [-2, 2]) within one step of it.
TEST(Resize, TfCropAndResizeMatchesOnnxRuntimeInFloatAndInt8) {
  for (const std::string mode : {"linear", "nearest"}) {
    SCOPED_TRACE(mode);
    Graph graph = Lowered(CropAndResizeModel(mode, kCropRoi));
    ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"RESIZE"});
    EXPECT_EQ(graph.tensor("y").shape, (std::vector<int64_t>{1, 3, 4, 2}));
    const std::vector<float> expected = CropExpected(mode);
    const std::vector<float> y = testing::run_float_model(FloatQfb(graph), CropInput());
    ASSERT_EQ(y.size(), expected.size());
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], expected[i], 1e-6) << "element " << i;

    const Status status =
        QuantizeGraph({{"x", {-2.0f, 2.0f}}, {"y", {-2.0f, 2.0f}}}, QuantizeOptions(), graph);
    ASSERT_TRUE(status.ok()) << status.message();
    std::vector<uint8_t> file;
    ASSERT_TRUE(SerializeQfb(graph, {}, &file).ok());
    Model model;
    ASSERT_TRUE(model.load_buffer(file.data(), file.size()).ok());
    ASSERT_TRUE(model.set_input_float(0, CropInput()).ok());
    ASSERT_TRUE(model.run().ok());
    std::vector<float> y8(expected.size());
    ASSERT_TRUE(model.get_output_float(0, &y8).ok());
    const float step = graph.tensor("y").quantization.scale[0];
    for (size_t i = 0; i < y8.size(); ++i) {
      EXPECT_LE(std::fabs(y8[i] - expected[i]), step) << "element " << i;
    }
  }
}

TEST(Resize, TfCropAndResizeRefusesRoisItCannotRun) {
  Graph graph;
  EXPECT_EQ(Lower(UpsampleModel("nearest", "tf_crop_and_resize"), &graph).message(),
            "node 'up' (op Resize, opset 13) is not supported: tf_crop_and_resize needs a roi of "
            "8 values (starts, then ends of N, C, H, W)");
  graph = Graph();
  EXPECT_EQ(Lower(CropAndResizeModel("linear", {0, 0.5f, 0, 0, 1, 1, 1, 1}), &graph).message(),
            "node 'crop' (op Resize, opset 13) is not supported: a roi that crops N or C (only H "
            "and W)");
}

TEST(Resize, Int8KeepsTheInputParameters) {
  Graph graph = Lowered(UpsampleModel("linear", "half_pixel"));
  const Status status =
      QuantizeGraph({{"x", {-1.0f, 3.0f}}, {"y", {-5.0f, 5.0f}}}, QuantizeOptions(), graph);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(graph.tensor("y").quantization.scale, graph.tensor("x").quantization.scale);
  EXPECT_EQ(graph.tensor("y").quantization.zero_point, graph.tensor("x").quantization.zero_point);
  EXPECT_EQ(graph.nodes[0].requantization.multiplier, std::vector<float>{1.0f});
}

// Reshape [1, 6, 1, 2] -> [1, 2, 3, 1, 2], Transpose (0, 2, 1, 3, 4), Reshape back, as
// torchvision's shufflenet writes channel_shuffle(x, 2); optionally chunk(2, dim=1) after it.
OnnxBuilder ShuffleModel(bool chunk) {
  OnnxBuilder b;
  b.input("x", {1, 6, 1, 2});
  b.initializer_int64("grouped_shape", {5}, {1, 2, 3, 1, 2});
  b.initializer_int64("flat_shape", {4}, {1, 6, 1, 2});
  b.node("Reshape", {"x", "grouped_shape"}, {"grouped"}, "split_groups");
  OnnxBuilder::set_ints(b.node("Transpose", {"grouped"}, {"swapped"}, "swap"), "perm",
                        {0, 2, 1, 3, 4});
  b.node("Reshape", {"swapped", "flat_shape"}, {"y"}, "merge_groups");
  if (!chunk) {
    b.output("y");
    return b;
  }
  b.initializer_int64("axes", {1}, {1});
  b.initializer_int64("zero", {1}, {0});
  b.initializer_int64("half", {1}, {3});
  b.initializer_int64("all", {1}, {6});
  b.node("Slice", {"y", "half", "all", "axes"}, {"second"}, "chunk_1");
  b.node("Slice", {"y", "zero", "half", "axes"}, {"first"}, "chunk_0");
  b.output("first");
  b.output("second");
  return b;
}

// x's channel c holds 10 c and 10 c + 1 at its two pixels.
std::vector<float> ShuffleInput() {
  std::vector<float> x;
  for (int c = 0; c < 6; ++c) x.insert(x.end(), {10.0f * c, 10.0f * c + 1});
  return testing::nchw_to_nhwc(x, 1, 6, 1, 2);
}

TEST(ChannelShuffle, ReshapeTransposeReshapeIsOneShuffle) {
  const Graph graph = Lowered(ShuffleModel(false));
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"CHANNEL_SHUFFLE"});
  EXPECT_EQ(graph.nodes[0].attribute_int("groups", 0), 2);
  // Channels 0 3 1 4 2 5 at each pixel (NHWC).
  EXPECT_EQ(testing::run_float_model(FloatQfb(graph), ShuffleInput()),
            (std::vector<float>{0, 30, 10, 40, 20, 50, 1, 31, 11, 41, 21, 51}));
}

TEST(ChannelShuffle, TheChunkAfterItBecomesItsOutputsInChannelOrder) {
  const Graph graph = Lowered(ShuffleModel(true));
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"CHANNEL_SHUFFLE"});
  EXPECT_EQ(graph.nodes[0].outputs, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(graph.tensor("second").shape, (std::vector<int64_t>{1, 1, 2, 3}));
  const std::vector<uint8_t> file = FloatQfb(graph);
  EXPECT_EQ(testing::run_float_model(file, ShuffleInput(), 0),
            (std::vector<float>{0, 30, 10, 1, 31, 11}));
  EXPECT_EQ(testing::run_float_model(file, ShuffleInput(), 1),
            (std::vector<float>{40, 20, 50, 41, 21, 51}));
}

TEST(ChannelShuffle, OtherTransposesOfFiveDimensionsAreNotShuffles) {
  OnnxBuilder b = ShuffleModel(false);
  OnnxBuilder other;
  other.input("x", {1, 6, 1, 2});
  other.initializer_int64("grouped_shape", {5}, {1, 2, 3, 1, 2});
  other.initializer_int64("flat_shape", {4}, {1, 6, 2, 1});
  other.node("Reshape", {"x", "grouped_shape"}, {"grouped"}, "split_groups");
  OnnxBuilder::set_ints(other.node("Transpose", {"grouped"}, {"swapped"}, "swap"), "perm",
                        {0, 2, 1, 4, 3});
  other.node("Reshape", {"swapped", "flat_shape"}, {"y"}, "merge_groups");
  other.output("y");
  // Not a shuffle: it stays a general TRANSPOSE between the reshapes.
  Graph graph;
  ASSERT_TRUE(Lower(other, &graph).ok());
  const std::vector<std::string> ops = OpTypes(graph);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "CHANNEL_SHUFFLE"), 0);
  EXPECT_GE(std::count(ops.begin(), ops.end(), "TRANSPOSE"), 1);
}

TEST(Pad, APadOfNothingIsDropped) {
  // densenet's transitions: AvgPool2d's count_include_pad exported as an explicit Pad of zeros.
  OnnxBuilder b;
  b.input("x", {1, 2, 3, 3});
  b.initializer_int64("pads", {8}, {0, 0, 0, 0, 0, 0, 0, 0});
  b.node("Pad", {"x", "pads"}, {"padded"}, "pad");
  b.node("GlobalAveragePool", {"padded"}, {"y"}, "gap");
  b.output("y");
  EXPECT_EQ(OpTypes(Lowered(b)), std::vector<std::string>{"MEAN"});
}

// transform_input of googlenet: x[:, c] * a_c + b_c for c = 0, 1, 2, concatenated.
OnnxBuilder TransformInputModel(const std::vector<int64_t>& channels) {
  OnnxBuilder b;
  b.input("x", {1, 3, 1, 2});
  b.initializer_int64("axes", {1}, {1});
  std::vector<std::string> terms;
  for (size_t i = 0; i < channels.size(); ++i) {
    const std::string c = std::to_string(i);
    b.initializer_int64("index" + c, {}, {channels[i]});
    b.initializer("a" + c, {}, {float(i + 2)});
    b.initializer("b" + c, {}, {-float(i)});
    OnnxBuilder::set_int(b.node("Gather", {"x", "index" + c}, {"picked" + c}, "pick" + c), "axis",
                         1);
    b.node("Unsqueeze", {"picked" + c, "axes"}, {"channel" + c}, "unsqueeze" + c);
    b.node("Mul", {"channel" + c, "a" + c}, {"scaled" + c}, "scale" + c);
    b.node("Add", {"b" + c, "scaled" + c}, {"term" + c}, "shift" + c);
    terms.push_back("term" + c);
  }
  OnnxBuilder::set_int(b.node("Concat", terms, {"y"}, "transform_input"), "axis", 1);
  b.output("y");
  return b;
}

TEST(ChannelwiseAffine, TransformInputIsOneDepthwiseConv) {
  const Graph graph = Lowered(TransformInputModel({0, 1, 2}));
  ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"CONV_2D"});
  EXPECT_EQ(graph.nodes[0].attribute_int("groups", 0), 3);
  // Channel c of each pixel times c + 2, minus c.
  EXPECT_EQ(testing::run_float_model(FloatQfb(graph), {1, 10, 100, 2, 20, 200}),
            (std::vector<float>{2, 29, 398, 4, 59, 798}));
}

TEST(ChannelwiseAffine, ChannelsOutOfOrderAreNoAffine) {
  Graph graph;
  ASSERT_TRUE(ImportOnnxModel(TransformInputModel({0, 2, 1}).serialize(), {}, &graph).ok());
  ASSERT_TRUE(FoldConstants(graph).ok());
  const size_t nodes = graph.nodes.size();
  ASSERT_TRUE(FuseChannelwiseAffines(graph).ok());
  EXPECT_EQ(graph.nodes.size(), nodes);
  EXPECT_EQ(graph.nodes.back().op, "Concat");
}

}  // namespace
}  // namespace qrun::converter
