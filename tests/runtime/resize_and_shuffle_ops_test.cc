// RESIZE and CHANNEL_SHUFFLE as the runtime loads them: int8 bilinear and tf_crop_and_resize
// resizes worked out by hand, and the damaged options and tensors each op must refuse with a
// message.
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

using Options = std::pair<fb::OperatorOptions, flatbuffers::Offset<void>>;

// x int8 [1, 2, 2, 1] resized to [1, out, out, 1], both with scale 0.5 and zero point 1.
struct ResizeCase {
  fb::ResizeMode mode = fb::ResizeMode::LINEAR;
  fb::ResizeCoordinates coordinates = fb::ResizeCoordinates::ALIGN_CORNERS;
  float scale = 1.5f;
  int out = 3;
  int output_zero_point = 1;
  std::vector<float> multipliers = {1.0f};
  float roi_h[2] = {0.0f, 1.0f};
  float roi_w[2] = {0.0f, 1.0f};
  float extrapolation = 0.0f;

  testing::TestModel build() const {
    testing::TestModel m;
    m.add_tensor({"x", fb::TensorType::INT8, {1, 2, 2, 1}, {0.5f}, {1}, -1, {}});
    m.add_tensor(
        {"y", fb::TensorType::INT8, {1, out, out, 1}, {0.5f}, {output_zero_point}, -1, {}});
    const auto mode_ = mode;
    const auto coordinates_ = coordinates;
    const float scale_ = scale;
    const ResizeCase c = *this;
    m.add_operator({fb::OperatorType::RESIZE,
                    {0},
                    {1},
                    [=](flatbuffers::FlatBufferBuilder& b) -> Options {
                      return {fb::OperatorOptions::ResizeOptions,
                              fb::CreateResizeOptions(b, mode_, coordinates_,
                                                      fb::ResizeNearestRounding::FLOOR, scale_,
                                                      scale_, c.roi_h[0], c.roi_h[1], c.roi_w[0],
                                                      c.roi_w[1], c.extrapolation)
                                  .Union()};
                    },
                    multipliers});
    m.set_inputs({0});
    m.set_outputs({1});
    return m;
  }
};

std::string load_error(const testing::TestModel& m) {
  Model model;
  const std::vector<uint8_t> bytes = m.serialize();
  const Status status = model.load_buffer(bytes.data(), bytes.size());
  return status.ok() ? "" : status.message();
}

TEST(ResizeOp, Int8BilinearAlignCornersIsTheIntegerBlend) {
  Model model;
  const std::vector<uint8_t> bytes = ResizeCase{}.build().serialize();
  ASSERT_TRUE(model.load_buffer(bytes.data(), bytes.size()).ok());
  // q - zp: 0 4 / 8 13. Align corners puts the middle row and column half way between.
  const std::vector<int8_t> x = {1, 5, 9, 14};
  ASSERT_TRUE(model.set_input(0, x.data(), x.size()).ok());
  ASSERT_TRUE(model.run().ok());
  std::vector<int8_t> y(9);
  ASSERT_TRUE(model.get_output(0, y.data(), y.size()).ok());
  // Middle: (0 + 4) / 2 = 2, (8 + 13) / 2 = 10.5 -> 10 (half to even), (0 + 8) / 2 = 4,
  // (4 + 13) / 2 = 8.5 -> 8, centre (0 + 4 + 8 + 13) / 4 = 6.25 -> 6; then + zp 1.
  EXPECT_EQ(y, (std::vector<int8_t>{1, 3, 5, 5, 7, 9, 9, 11, 14}));
}

std::vector<int8_t> run_int8(const ResizeCase& c, const std::vector<int8_t>& x) {
  Model model;
  const std::vector<uint8_t> bytes = c.build().serialize();
  const Status status = model.load_buffer(bytes.data(), bytes.size());
  EXPECT_TRUE(status.ok()) << status.message();
  std::vector<int8_t> y(static_cast<size_t>(c.out * c.out));
  EXPECT_TRUE(model.set_input(0, x.data(), x.size()).ok());
  EXPECT_TRUE(model.run().ok());
  EXPECT_TRUE(model.get_output(0, y.data(), y.size()).ok());
  return y;
}

// Rows at roi [0, 1]: 0, 0.5, 1; columns at roi [-1, 1]: -1 (outside), 0, 1. The extrapolation
// value is quantized with the output's parameters (scale 0.5, zero point 1), half to even and
// saturated: 1.25 -> 2.5 -> 2 -> 3; -0.75 -> -1.5 -> -2 -> -1; 100 -> 127.
TEST(ResizeOp, Int8TfCropAndResizeExtrapolatesOutsideTheInput) {
  const std::vector<int8_t> x = {1, 5, 9, 14};  // q - zp: 0 4 / 8 13
  ResizeCase linear;
  linear.coordinates = fb::ResizeCoordinates::TF_CROP_AND_RESIZE;
  linear.roi_w[0] = -1.0f;
  linear.extrapolation = 1.25f;
  // Middle row: (0 + 8) / 2 = 4, (4 + 13) / 2 = 8.5 -> 8; then + zp 1.
  EXPECT_EQ(run_int8(linear, x), (std::vector<int8_t>{3, 1, 5, 3, 5, 9, 3, 9, 14}));
  linear.extrapolation = -0.75f;
  EXPECT_EQ(run_int8(linear, x), (std::vector<int8_t>{-1, 1, 5, -1, 5, 9, -1, 9, 14}));
  linear.extrapolation = 100.0f;
  EXPECT_EQ(run_int8(linear, x), (std::vector<int8_t>{127, 1, 5, 127, 5, 9, 127, 9, 14}));
  ResizeCase nearest = linear;
  nearest.mode = fb::ResizeMode::NEAREST;
  nearest.extrapolation = 1.25f;
  // FLOOR rounding: rows 0, 0, 1.
  EXPECT_EQ(run_int8(nearest, x), (std::vector<int8_t>{3, 1, 5, 3, 1, 5, 3, 9, 14}));
}

TEST(ResizeOp, DamagedOptionsAreRefused) {
  ResizeCase nan_scale;
  nan_scale.coordinates = fb::ResizeCoordinates::ASYMMETRIC;
  nan_scale.scale = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(load_error(nan_scale.build()).find("scales must be positive finite numbers"),
            std::string::npos)
      << load_error(nan_scale.build());
  ResizeCase unknown_coordinates;
  unknown_coordinates.coordinates = static_cast<fb::ResizeCoordinates>(9);
  EXPECT_NE(load_error(unknown_coordinates.build()).find("unknown coordinate transformation 9"),
            std::string::npos);
  ResizeCase infinite_roi;
  infinite_roi.coordinates = fb::ResizeCoordinates::TF_CROP_AND_RESIZE;
  infinite_roi.roi_w[1] = std::numeric_limits<float>::infinity();
  EXPECT_NE(load_error(infinite_roi.build()).find("roi bounds must be finite numbers"),
            std::string::npos);
  ResizeCase unknown_mode;
  unknown_mode.mode = static_cast<fb::ResizeMode>(7);
  EXPECT_NE(load_error(unknown_mode.build()).find("unknown mode 7"), std::string::npos);
  ResizeCase no_multiplier;
  no_multiplier.multipliers = {};
  EXPECT_NE(load_error(no_multiplier.build()).find("no requantization multipliers"),
            std::string::npos);
  // Nearest copies values: the output must keep the input's parameters.
  ResizeCase nearest_requantizing;
  nearest_requantizing.mode = fb::ResizeMode::NEAREST;
  nearest_requantizing.output_zero_point = 3;
  EXPECT_FALSE(load_error(nearest_requantizing.build()).empty());
}

testing::TestModel ShuffleModel(int groups, int channels, int parts, int zero_point) {
  testing::TestModel m;
  m.add_tensor({"x", fb::TensorType::INT8, {1, 2, 2, channels}, {0.5f}, {0}, -1, {}});
  std::vector<int> outputs;
  for (int p = 0; p < parts; ++p) {
    outputs.push_back(m.add_tensor({"part" + std::to_string(p),
                                    fb::TensorType::INT8,
                                    {1, 2, 2, channels / parts},
                                    {0.5f},
                                    {zero_point},
                                    -1,
                                    {}}));
  }
  m.add_operator({fb::OperatorType::CHANNEL_SHUFFLE,
                  {0},
                  outputs,
                  [groups](flatbuffers::FlatBufferBuilder& b) -> Options {
                    return {fb::OperatorOptions::ChannelShuffleOptions,
                            fb::CreateChannelShuffleOptions(b, groups).Union()};
                  },
                  {}});
  m.set_inputs({0});
  m.set_outputs(outputs);
  return m;
}

TEST(ChannelShuffleOp, LoadsValidAndRefusesDamagedModels) {
  EXPECT_EQ(load_error(ShuffleModel(2, 6, 2, 0)), "");
  EXPECT_NE(load_error(ShuffleModel(4, 6, 1, 0)).find("do not split into 4 groups"),
            std::string::npos);
  EXPECT_NE(load_error(ShuffleModel(0, 6, 1, 0)).find("do not split into 0 groups"),
            std::string::npos);
  EXPECT_FALSE(load_error(ShuffleModel(2, 6, 2, 5)).empty());  // parameters changed
}

// The fuzzer's seed of these ops: it loads, runs, and no single changed byte crashes its loading.
TEST(ResizeShuffleModel, SingleByteChangesNeverCrash) {
  const std::vector<uint8_t> bytes = testing::resize_shuffle_int8_model().serialize();
  {
    Model model;
    ASSERT_TRUE(model.load_buffer(bytes.data(), bytes.size()).ok());
    const std::vector<int8_t> x(16, 5);
    ASSERT_TRUE(model.set_input(0, x.data(), x.size()).ok());
    ASSERT_TRUE(model.run().ok());
    std::vector<int8_t> second(18);
    ASSERT_TRUE(model.get_output(1, second.data(), second.size()).ok());
    EXPECT_EQ(second, std::vector<int8_t>(18, 5));  // a constant image stays constant
  }
  std::mt19937 random(99);
  for (int trial = 0; trial < 1000; ++trial) {
    std::vector<uint8_t> damaged = bytes;
    const size_t at = random() % damaged.size();
    damaged[at] = static_cast<uint8_t>(damaged[at] ^ (1 + random() % 255));
    Model model;
    if (!model.load_buffer(damaged.data(), damaged.size()).ok()) continue;
    qrun_tensor_info info;
    ASSERT_TRUE(model.input_info(0, &info).ok());
    std::vector<uint8_t> input(info.byte_size, 7);
    ASSERT_TRUE(model.set_input(0, input.data(), input.size()).ok());
    EXPECT_TRUE(model.run().ok());
  }
}

}  // namespace
}  // namespace qrun
