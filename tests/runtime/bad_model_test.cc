// Damaged and hostile models: each is refused with one clear message, and none crashes (the suite
// also runs under AddressSanitizer and UndefinedBehaviorSanitizer).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "qfb_test_model.h"
#include "qrun/qrun.hpp"

namespace qrun {
namespace {

Status load(const std::vector<uint8_t>& bytes, Model* model) {
  return model->load_buffer(bytes.data(), bytes.size());
}

std::string load_error(const testing::TestModel& m) {
  Model model;
  const Status status = load(m.serialize(), &model);
  return status.ok() ? "" : status.message();
}

TEST(BadModel, EveryTruncationIsRefused) {
  const std::vector<uint8_t> bytes = testing::small_int8_model().serialize();
  for (size_t size = 1; size < bytes.size(); ++size) {
    Model model;
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + size);
    const Status status = load(prefix, &model);
    ASSERT_FALSE(status.ok()) << "a model cut to " << size << " bytes loaded";
    EXPECT_EQ(status.message().rfind("<buffer>: ", 0), 0u) << status.message();
  }
}

TEST(BadModel, SingleByteChangesNeverCrash) {
  const std::vector<uint8_t> bytes = testing::small_int8_model().serialize();
  std::mt19937 random(1234);
  int refused = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> damaged = bytes;
    const size_t at = random() % damaged.size();
    damaged[at] = static_cast<uint8_t>(damaged[at] ^ (1 + random() % 255));
    Model model;
    const Status status = load(damaged, &model);
    if (!status.ok()) {
      ++refused;
      EXPECT_FALSE(status.message().empty());
      continue;
    }
    // A change the checks cannot see (a weight value, a scale) still has to run safely.
    qrun_tensor_info info;
    ASSERT_TRUE(model.input_info(0, &info).ok());
    std::vector<uint8_t> input(info.byte_size, 7);
    ASSERT_TRUE(model.set_input(0, input.data(), input.size()).ok());
    EXPECT_TRUE(model.run().ok());
  }
  // Most changes land in the FlatBuffer's structure, and must be noticed.
  EXPECT_GT(refused, 300);
}

TEST(BadModel, NotAModelAtAll) {
  Model model;
  const std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!'};
  EXPECT_EQ(load(text, &model).message(),
            "<buffer>: not a qfb model (file identifier QFB1 missing)");
}

TEST(BadModel, ShapeThatNeedsMoreBytesThanItsBuffer) {
  // The conv weights' buffer holds 40 of the 54 bytes their shape needs.
  const std::vector<int8_t> short_weights(40, 1);
  testing::TestModel rebuilt;
  rebuilt.add_tensor({"input", fb::TensorType::INT8, {1, 4, 4, 2}, {0.05f}, {-3}, -1, {}});
  testing::TestTensor weights{
      "conv.weight", fb::TensorType::INT8, {3, 3, 3, 2}, {0.01f}, {0}, -1, {}};
  weights.data.assign(short_weights.begin(), short_weights.end());
  rebuilt.add_tensor(weights);
  rebuilt.add_constant<int32_t>("conv.bias", fb::TensorType::INT32, {3}, {1, 2, 3});
  rebuilt.add_tensor({"conv", fb::TensorType::INT8, {1, 4, 4, 3}, {0.1f}, {0}, -1, {}});
  rebuilt.add_operator(
      {fb::OperatorType::CONV_2D,
       {0, 1, 2},
       {3},
       [](flatbuffers::FlatBufferBuilder& b) { return testing::conv2d_options(b, 1, 1); },
       {0.01f}});
  rebuilt.set_inputs({0});
  rebuilt.set_outputs({3});
  EXPECT_EQ(load_error(rebuilt),
            "<buffer>: tensor 1 'conv.weight': shape [3,3,3,2] of int8 needs 54 bytes, its buffer "
            "holds 40");
}

// A one-op model whose pieces a test can spoil.
struct ConvCase {
  std::vector<int> weight_shape = {3, 3, 3, 2};
  std::vector<int> output_shape = {1, 4, 4, 3};
  std::vector<float> multipliers = {0.01f};
  std::vector<int> zero_points = {0};
  int groups = 1;
  int stride = 1;
  std::vector<int> inputs = {0, 1, 2};

  testing::TestModel build() const {
    testing::TestModel m;
    m.add_tensor({"input", fb::TensorType::INT8, {1, 4, 4, 2}, {0.05f}, zero_points, -1, {}});
    size_t count = 1;
    for (int d : weight_shape) count *= static_cast<size_t>(d > 0 ? d : 1);
    m.add_constant<int8_t>("w", fb::TensorType::INT8, weight_shape, std::vector<int8_t>(count, 1),
                           {0.01f}, {0});
    m.add_constant<int32_t>("b", fb::TensorType::INT32, {weight_shape[0]},
                            std::vector<int32_t>(weight_shape[0], 0));
    m.add_tensor({"out", fb::TensorType::INT8, output_shape, {0.1f}, {0}, -1, {}});
    const int g = groups, s = stride;
    m.add_operator(
        {fb::OperatorType::CONV_2D,
         inputs,
         {3},
         [g, s](flatbuffers::FlatBufferBuilder& b) { return testing::conv2d_options(b, s, 1, g); },
         multipliers});
    m.set_inputs({0});
    m.set_outputs({3});
    return m;
  }
};

TEST(BadModel, TheValidConvCaseLoads) {
  EXPECT_EQ(load_error(ConvCase{}.build()), "");
}

TEST(BadModel, OutputShapeThatDoesNotFollowFromTheGeometry) {
  ConvCase c;
  c.output_shape = {1, 5, 4, 3};
  EXPECT_EQ(load_error(c.build()),
            "<buffer>: operator 0 (CONV_2D 'op'): tensor 'out' has shape [1,5,4,3], expected "
            "[1,4,4,3]");
}

TEST(BadModel, WeightsThatDoNotFitTheGroups) {
  ConvCase c;
  c.groups = 2;
  EXPECT_NE(load_error(c.build()).find("do not fit 2 input channels in 2 groups"),
            std::string::npos);
}

TEST(BadModel, WrongNumberOfMultipliers) {
  ConvCase c;
  c.multipliers = {0.1f, 0.2f};
  EXPECT_NE(load_error(c.build()).find("has 2 requantization multipliers, expected 3"),
            std::string::npos);
}

TEST(BadModel, NonFiniteMultiplier) {
  ConvCase c;
  c.multipliers = {std::numeric_limits<float>::infinity()};
  EXPECT_NE(load_error(c.build()).find("is not a positive finite number"), std::string::npos);
}

TEST(BadModel, ZeroPointOutsideInt8) {
  ConvCase c;
  c.zero_points = {300};
  EXPECT_EQ(load_error(c.build()), "<buffer>: tensor 0 'input': zero point 300 is outside int8");
}

TEST(BadModel, TensorIndexOutOfRange) {
  ConvCase c;
  c.inputs = {0, 1, 9};
  EXPECT_EQ(load_error(c.build()),
            "<buffer>: operator 0 (CONV_2D) reads tensor 9, which does not exist");
}

TEST(BadModel, TensorReadBeforeItIsWritten) {
  ConvCase c;
  c.inputs = {3, 1, 2};
  EXPECT_EQ(load_error(c.build()),
            "<buffer>: operator 0 (CONV_2D) reads tensor 'out' before any operator writes it");
}

TEST(BadModel, ZeroStride) {
  ConvCase c;
  c.stride = 0;
  EXPECT_NE(load_error(c.build()).find("strides, dilations and groups must be >= 1"),
            std::string::npos);
}

TEST(BadModel, AccumulatorThatCouldOverflow) {
  testing::TestModel m;
  const int k = 70000;
  m.add_tensor({"input", fb::TensorType::INT8, {1, k}, {0.05f}, {0}, -1, {}});
  m.add_constant<int8_t>("w", fb::TensorType::INT8, {1, k}, std::vector<int8_t>(k, 127), {0.01f},
                         {0});
  m.add_constant<int32_t>("b", fb::TensorType::INT32, {1}, {0});
  m.add_tensor({"out", fb::TensorType::INT8, {1, 1}, {0.1f}, {0}, -1, {}});
  m.add_operator({fb::OperatorType::FULLY_CONNECTED,
                  {0, 1, 2},
                  {3},
                  testing::fully_connected_options,
                  {0.01f}});
  m.set_inputs({0});
  m.set_outputs({3});
  EXPECT_NE(load_error(m).find("can overflow the int32 accumulator"), std::string::npos);
}

// A REDUCE over [2, 3, 4] with the given axes, keep_dims and output shape.
testing::TestModel reduce_model(std::vector<int> axes, bool keep_dims, std::vector<int> output) {
  testing::TestModel m;
  m.add_tensor({"x", fb::TensorType::FLOAT32, {2, 3, 4}, {}, {}, -1, {}});
  m.add_tensor({"y", fb::TensorType::FLOAT32, std::move(output), {}, {}, -1, {}});
  m.add_operator(
      {fb::OperatorType::REDUCE,
       {0},
       {1},
       [axes, keep_dims](flatbuffers::FlatBufferBuilder& b) {
         return std::pair{
             fb::OperatorOptions::ReduceOptions,
             fb::CreateReduceOptionsDirect(b, fb::ReduceFunction::SUM, &axes, keep_dims).Union()};
       },
       {}});
  m.set_inputs({0});
  m.set_outputs({1});
  return m;
}

TEST(BadModel, ReduceAxesAndOutputShapeAreChecked) {
  EXPECT_EQ(load_error(reduce_model({1}, false, {2, 4})), "");
  EXPECT_EQ(load_error(reduce_model({1}, true, {2, 1, 4})), "");
  EXPECT_NE(load_error(reduce_model({3}, true, {2, 3, 4})).find("axis 3 is out of range"),
            std::string::npos);
  EXPECT_NE(load_error(reduce_model({0, 0}, true, {1, 3, 4})).find("given twice"),
            std::string::npos);
  EXPECT_NE(load_error(reduce_model({}, true, {2, 3, 4})).find("no axes to reduce"),
            std::string::npos);
  EXPECT_NE(load_error(reduce_model({1}, true, {2, 4})).find("shape"), std::string::npos);
}

TEST(BadModel, Int8PReluNegativeSideMustBeFiniteFloats) {
  const auto prelu = [](const std::vector<float>& negative_side) {
    testing::TestModel m;
    m.add_tensor({"x", fb::TensorType::INT8, {1, 2, 2, 3}, {0.05f}, {0}, -1, {}});
    m.add_constant<float>("slope", fb::TensorType::FLOAT32, {3}, negative_side);
    m.add_tensor({"y", fb::TensorType::INT8, {1, 2, 2, 3}, {0.05f}, {0}, -1, {}});
    m.add_operator(
        {fb::OperatorType::PRELU,
         {0, 1},
         {2},
         [](flatbuffers::FlatBufferBuilder& b) {
           return std::pair{fb::OperatorOptions::PReluOptions, fb::CreatePReluOptions(b).Union()};
         },
         {1.0f}});
    m.set_inputs({0});
    m.set_outputs({2});
    return load_error(m);
  };
  EXPECT_EQ(prelu({0.1f, -0.2f, 0.3f}), "");
  EXPECT_NE(prelu({0.1f, NAN, 0.3f}).find("not a finite number"), std::string::npos);
}

TEST(BadModel, SoftmaxAxisOutOfRange) {
  testing::TestModel m;
  m.add_tensor({"x", fb::TensorType::FLOAT32, {2, 3}, {}, {}, -1, {}});
  m.add_tensor({"y", fb::TensorType::FLOAT32, {2, 3}, {}, {}, -1, {}});
  m.add_operator({fb::OperatorType::SOFTMAX,
                  {0},
                  {1},
                  [](flatbuffers::FlatBufferBuilder& b) {
                    return std::pair{fb::OperatorOptions::SoftmaxOptions,
                                     fb::CreateSoftmaxOptions(b, 2).Union()};
                  },
                  {}});
  m.set_inputs({0});
  m.set_outputs({1});
  EXPECT_NE(load_error(m).find("axis 2 is out of range"), std::string::npos) << load_error(m);
}

// A float LAYER_NORM of [2, 3] with `outputs` ([2] mean and inverse deviation after y).
std::string layer_norm_error(fb::TensorType type, const std::vector<std::vector<int>>& outputs) {
  testing::TestModel m;
  const bool int8 = type == fb::TensorType::INT8;
  const std::vector<float> scales = int8 ? std::vector<float>{0.1f} : std::vector<float>{};
  const std::vector<int> zero_points = int8 ? std::vector<int>{0} : std::vector<int>{};
  m.add_tensor({"x", type, {2, 3}, scales, zero_points, -1, {}});
  m.add_constant<float>("gamma", fb::TensorType::FLOAT32, {3}, {1, 1, 1});
  m.add_constant<float>("beta", fb::TensorType::FLOAT32, {3}, {0, 0, 0});
  std::vector<int> indices;
  for (size_t i = 0; i < outputs.size(); ++i) {
    indices.push_back(
        m.add_tensor({"out" + std::to_string(i), type, outputs[i], scales, zero_points, -1, {}}));
  }
  m.add_operator({fb::OperatorType::LAYER_NORM,
                  {0, 1, 2},
                  indices,
                  [](flatbuffers::FlatBufferBuilder& b) {
                    return std::pair{fb::OperatorOptions::LayerNormOptions,
                                     fb::CreateLayerNormOptions(b).Union()};
                  },
                  {}});
  m.set_inputs({0});
  m.set_outputs(indices);
  return load_error(m);
}

TEST(BadModel, LayerNormMeanAndInverseDeviationAreCheckedOutputs) {
  const auto f32 = fb::TensorType::FLOAT32;
  EXPECT_EQ(layer_norm_error(f32, {{2, 3}}), "");
  EXPECT_EQ(layer_norm_error(f32, {{2, 3}, {2}, {2}}), "");
  EXPECT_NE(layer_norm_error(f32, {{2, 3}, {2}}).find("1 or 3 outputs"), std::string::npos);
  EXPECT_NE(layer_norm_error(f32, {{2, 3}, {2}, {3}}).find("expected [2]"), std::string::npos)
      << layer_norm_error(f32, {{2, 3}, {2}, {3}});
  EXPECT_NE(layer_norm_error(fb::TensorType::INT8, {{2, 3}, {2}, {2}}).find("int8"),
            std::string::npos);
}

TEST(BadModel, MissingFile) {
  Model model;
  const Status status = model.load_file("/nonexistent/model.qfb");
  EXPECT_EQ(status.message(),
            "/nonexistent/model.qfb: cannot open model file (No such file or directory)");
}

}  // namespace
}  // namespace qrun
