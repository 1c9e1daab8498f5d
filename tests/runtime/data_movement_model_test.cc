// SLICE, GATHER, PAD and TRANSPOSE_CONV_2D in one-op models built here: the valid ones load and
// compute, in int8 keeping the input's parameters, and each hostile option (an index outside the
// input, a padding too large to reflect, an output the geometry does not give) is refused with
// its message before anything runs.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "qfb_test_model.h"
#include "qrun/qrun.hpp"
#include "transpose_conv2d/transpose_conv2d.h"

namespace qrun {
namespace {

using Options = std::function<std::pair<fb::OperatorOptions, flatbuffers::Offset<void>>(
    flatbuffers::FlatBufferBuilder&)>;

// Input [2, 3] int8 (values 0..5 with zero point 0), one op, output of `output_shape`.
testing::TestModel OneOp(fb::OperatorType type, const std::vector<int>& output_shape,
                         Options options, const std::vector<int>& extra_inputs = {},
                         float output_scale = 0.5f) {
  testing::TestModel m;
  m.add_tensor({"x", fb::TensorType::INT8, {2, 3}, {0.5f}, {0}, -1, {}});
  m.add_tensor({"y", fb::TensorType::INT8, output_shape, {output_scale}, {0}, -1, {}});
  std::vector<int> inputs = {0};
  inputs.insert(inputs.end(), extra_inputs.begin(), extra_inputs.end());
  m.add_operator({type, inputs, {1}, std::move(options), {}});
  m.set_inputs({0});
  m.set_outputs({1});
  return m;
}

Options SliceOptions(std::vector<int> begin, std::vector<int> step) {
  return [begin, step](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::OperatorOptions::SliceOptions,
                          fb::CreateSliceOptionsDirect(b, &begin, &step).Union());
  };
}

Options PadOptions(std::vector<int> before, std::vector<int> after, fb::PadMode mode) {
  return [before, after, mode](flatbuffers::FlatBufferBuilder& b) {
    return std::make_pair(fb::OperatorOptions::PadOptions,
                          fb::CreatePadOptionsDirect(b, &before, &after, mode).Union());
  };
}

std::string LoadError(const testing::TestModel& m) {
  const std::vector<uint8_t> bytes = m.serialize();
  Model model;
  const Status status = model.load_buffer(bytes.data(), bytes.size());
  return status.ok() ? "" : status.message();
}

// Output 0 of a model that ran, as float.
std::vector<float> Output(Model& model) {
  qrun_tensor_info info{};
  EXPECT_TRUE(model.output_info(0, &info).ok());
  size_t count = 1;
  for (int d = 0; d < info.rank; ++d) count *= static_cast<size_t>(info.shape[d]);
  std::vector<float> y(count);
  EXPECT_TRUE(model.get_output_float(0, &y).ok());
  return y;
}

// Runs the model on x = 0..5 and returns output 0 as float.
std::vector<float> RunInt8(const testing::TestModel& m) {
  const std::vector<uint8_t> bytes = m.serialize();
  Model model;
  Status status = model.load_buffer(bytes.data(), bytes.size());
  EXPECT_TRUE(status.ok()) << status.message();
  const std::vector<int8_t> x = {0, 1, 2, 3, 4, 5};
  EXPECT_TRUE(model.set_input(0, x.data(), x.size()).ok());
  EXPECT_TRUE(model.run().ok());
  return Output(model);
}

TEST(SliceModel, ReversedColumnsRun) {
  EXPECT_EQ(RunInt8(OneOp(fb::OperatorType::SLICE, {2, 2}, SliceOptions({0, 2}, {1, -2}))),
            (std::vector<float>{1.0f, 0.0f, 2.5f, 1.5f}));
}

TEST(SliceModel, AnIndexOutsideTheInputIsRefused) {
  EXPECT_EQ(LoadError(OneOp(fb::OperatorType::SLICE, {2, 2}, SliceOptions({0, 1}, {1, 2}))),
            "<buffer>: operator 0 (SLICE 'op'): axis 1: 2 elements from 1 in steps of 2 do not lie "
            "in the input's 3");
  EXPECT_NE(LoadError(OneOp(fb::OperatorType::SLICE, {2, 2}, SliceOptions({0, 1}, {1, 0}))), "");
}

TEST(SliceModel, AnOutputWithOtherParametersIsRefused) {
  EXPECT_EQ(
      LoadError(OneOp(fb::OperatorType::SLICE, {2, 3}, SliceOptions({0, 0}, {1, 1}), {}, 0.25f)),
      "<buffer>: operator 0 (SLICE 'op'): tensors 'x' and 'y' must have the same "
      "quantization");
}

TEST(GatherModel, ConstantIndicesRunAndOutOfRangeOnesAreRefused) {
  auto with_indices = [](std::vector<int32_t> indices) {
    testing::TestModel m = OneOp(fb::OperatorType::GATHER, {2, static_cast<int>(indices.size())},
                                 [](flatbuffers::FlatBufferBuilder& b) {
                                   return std::make_pair(fb::OperatorOptions::GatherOptions,
                                                         fb::CreateGatherOptions(b, 1).Union());
                                 },
                                 {2});
    m.add_constant<int32_t>("indices", fb::TensorType::INT32, {static_cast<int>(indices.size())},
                            indices);
    return m;
  };
  EXPECT_EQ(RunInt8(with_indices({2, 0})), (std::vector<float>{1.0f, 0.0f, 2.5f, 1.5f}));
  EXPECT_EQ(LoadError(with_indices({3})),
            "<buffer>: operator 0 (GATHER 'op'): index 3 is outside [0, 3)");
}

TEST(PadModel, ConstantPaddingTakesItsValueFromInputTwo) {
  testing::TestModel m =
      OneOp(fb::OperatorType::PAD, {3, 4}, PadOptions({1, 0}, {0, 1}, fb::PadMode::CONSTANT), {2});
  m.add_constant<int8_t>("value", fb::TensorType::INT8, {1}, {-2}, {0.5f}, {0});
  EXPECT_EQ(RunInt8(m), (std::vector<float>{-1, -1, -1, -1, 0, 0.5f, 1, -1, 1.5f, 2, 2.5f, -1}));
}

TEST(PadModel, ReflectingAsFarAsTheDimensionIsRefused) {
  EXPECT_EQ(RunInt8(OneOp(fb::OperatorType::PAD, {2, 5},
                          PadOptions({0, 2}, {0, 0}, fb::PadMode::REFLECT))),
            (std::vector<float>{1, 0.5f, 0, 0.5f, 1, 2.5f, 2, 1.5f, 2, 2.5f}));
  EXPECT_EQ(LoadError(OneOp(fb::OperatorType::PAD, {2, 6},
                            PadOptions({0, 3}, {0, 0}, fb::PadMode::REFLECT))),
            "<buffer>: operator 0 (PAD 'op'): axis 1: paddings 3 and 0 are negative or too large "
            "for dimension 3");
}

// x [1, 2, 2, 1] -> TRANSPOSE_CONV_2D 2x2, stride 2 -> [1, 4, 4, 1].
testing::TestModel TransposeConv(std::vector<int> output_shape) {
  testing::TestModel m;
  m.add_tensor({"x", fb::TensorType::FLOAT32, {1, 2, 2, 1}, {}, {}, -1, {}});
  m.add_constant<float>("w", fb::TensorType::FLOAT32, {1, 2, 2, 1}, {1, 10, 100, 1000});
  m.add_constant<float>("b", fb::TensorType::FLOAT32, {1}, {0.5f});
  m.add_tensor({"y", fb::TensorType::FLOAT32, std::move(output_shape), {}, {}, -1, {}});
  m.add_operator({fb::OperatorType::TRANSPOSE_CONV_2D,
                  {0, 1, 2},
                  {3},
                  [](flatbuffers::FlatBufferBuilder& b) {
                    return std::make_pair(fb::OperatorOptions::TransposeConv2DOptions,
                                          fb::CreateTransposeConv2DOptions(b, 2, 2).Union());
                  },
                  {}});
  m.set_inputs({0});
  m.set_outputs({3});
  return m;
}

TEST(TransposeConvModel, EachInputPixelStampsTheKernel) {
  const std::vector<uint8_t> bytes = TransposeConv({1, 4, 4, 1}).serialize();
  Model model;
  ASSERT_TRUE(model.load_buffer(bytes.data(), bytes.size()).ok());
  ASSERT_TRUE(model.set_input_float(0, {1, 2, 3, 4}).ok());
  ASSERT_TRUE(model.run().ok());
  EXPECT_EQ(Output(model),
            (std::vector<float>{1.5f, 10.5f, 2.5f, 20.5f, 100.5f, 1000.5f, 200.5f, 2000.5f, 3.5f,
                                30.5f, 4.5f, 40.5f, 300.5f, 3000.5f, 400.5f, 4000.5f}));
}

TEST(TransposeConvModel, AnOutputTheGeometryDoesNotGiveIsRefused) {
  EXPECT_EQ(LoadError(TransposeConv({1, 5, 4, 1})),
            "<buffer>: operator 0 (TRANSPOSE_CONV_2D 'op'): tensor 'y' has shape [1,5,4,1], "
            "expected [1,4,4,1]");
}

// The int8 operator (stride phases on the convolution kernels where it can, the reference where
// it cannot), on every ISA this CPU has and on 1 and 2 threads, gives the reference kernel's bytes.
TEST(TransposeConvModel, Int8OperatorGivesTheReferenceBytes) {
  std::mt19937 rng(23);
  auto pick = [&rng](int low, int high) {
    return low + static_cast<int>(rng() % (high - low + 1));
  };
  int phased = 0;
  for (int trial = 0; trial < 24; ++trial) {
    kernels::TransposeConv2dGeometry g;
    g.batch = pick(1, 2);
    g.groups = trial % 5 == 0 ? 2 : 1;
    g.input_channels = g.groups * pick(1, 20);
    g.output_channels = g.groups * pick(1, 20);
    g.input_height = pick(1, 6);
    g.input_width = pick(1, 6);
    g.kernel_height = pick(1, 4);
    g.kernel_width = pick(1, 4);
    g.stride_height = pick(1, 3);
    g.stride_width = pick(1, 3);
    g.dilation_height = trial % 7 == 0 ? 2 : 1;
    const int padding_h = pick(0, g.stride_height - 1), padding_w = pick(0, g.stride_width - 1);
    const int full_h = (g.input_height - 1) * g.stride_height +
                       (g.kernel_height - 1) * g.dilation_height + 1 + padding_h;
    const int full_w = (g.input_width - 1) * g.stride_width + g.kernel_width + padding_w;
    g.pad_top = pick(0, (full_h - 1) / 2);
    const int pad_bottom = pick(0, (full_h - 1) / 2);
    g.pad_left = pick(0, (full_w - 1) / 2);
    const int pad_right = pick(0, (full_w - 1) / 2);
    g.output_height = full_h - g.pad_top - pad_bottom;
    g.output_width = full_w - g.pad_left - pad_right;
    phased += g.dilation_height == 1;

    const int group_in = g.input_channels_per_group();
    std::vector<int8_t> weights(static_cast<size_t>(g.output_channels) * g.kernel_height *
                                g.kernel_width * group_in);
    for (int8_t& w : weights) w = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    std::vector<int32_t> bias(g.output_channels);
    std::vector<float> multipliers(g.output_channels);
    for (int oc = 0; oc < g.output_channels; ++oc) {
      bias[oc] = static_cast<int32_t>(rng() % 4001) - 2000;
      multipliers[oc] = 0.0005f * static_cast<float>(1 + rng() % 16);
    }
    std::vector<int8_t> x(static_cast<size_t>(g.batch) * g.input_height * g.input_width *
                          g.input_channels);
    for (int8_t& v : x) v = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
    const int zero_point = trial % 2 ? -128 : 17;

    testing::TestModel m;
    m.add_tensor({"x",
                  fb::TensorType::INT8,
                  {g.batch, g.input_height, g.input_width, g.input_channels},
                  {0.1f},
                  {zero_point},
                  -1,
                  {}});
    std::vector<float> weight_scales(g.output_channels, 0.01f);
    m.add_constant<int8_t>("w", fb::TensorType::INT8,
                           {g.output_channels, g.kernel_height, g.kernel_width, group_in}, weights,
                           weight_scales, std::vector<int>(g.output_channels, 0), 0);
    m.add_constant<int32_t>("b", fb::TensorType::INT32, {g.output_channels}, bias);
    m.add_tensor({"y",
                  fb::TensorType::INT8,
                  {g.batch, g.output_height, g.output_width, g.output_channels},
                  {0.2f},
                  {-5},
                  -1,
                  {}});
    const kernels::TransposeConv2dGeometry geometry = g;
    m.add_operator({fb::OperatorType::TRANSPOSE_CONV_2D,
                    {0, 1, 2},
                    {3},
                    [geometry, pad_bottom, pad_right, padding_h,
                     padding_w](flatbuffers::FlatBufferBuilder& b) {
                      return std::make_pair(fb::OperatorOptions::TransposeConv2DOptions,
                                            fb::CreateTransposeConv2DOptions(
                                                b, geometry.stride_height, geometry.stride_width,
                                                geometry.dilation_height, geometry.dilation_width,
                                                geometry.pad_top, geometry.pad_left, pad_bottom,
                                                pad_right, padding_h, padding_w, geometry.groups)
                                                .Union());
                    },
                    multipliers,
                    -128,
                    127});
    m.set_inputs({0});
    m.set_outputs({3});

    kernels::TransposeConv2dQs8Params params;
    params.input_zero_point = zero_point;
    params.multipliers = multipliers.data();
    params.output = {-5, -128, 127};
    std::vector<int8_t> expected(static_cast<size_t>(g.batch) * g.output_height * g.output_width *
                                 g.output_channels);
    kernels::transpose_conv2d_qs8_reference(g, params, weights.data(), bias.data(), x.data(),
                                            expected.data(), 0, g.output_rows());
    const std::vector<uint8_t> bytes = m.serialize();
    for (const char* isa : {"", "ref"}) {
      for (int threads : {1, 2}) {
        Model model;
        ASSERT_TRUE(model.set_threads(threads).ok());
        if (*isa) {
          ASSERT_TRUE(model.set_isa(isa).ok());
        }
        const Status loaded = model.load_buffer(bytes.data(), bytes.size());
        ASSERT_TRUE(loaded.ok()) << loaded.message();
        ASSERT_TRUE(model.set_input(0, x.data(), x.size()).ok());
        ASSERT_TRUE(model.run().ok());
        std::vector<int8_t> y(expected.size());
        ASSERT_TRUE(model.get_output(0, y.data(), y.size()).ok());
        ASSERT_EQ(y, expected) << "trial " << trial << " isa '" << isa << "' threads " << threads;
      }
    }
  }
  EXPECT_GT(phased, 16);
}

TEST(DataMovementModel, LoadsAndRunsAndSingleByteChangesNeverCrash) {
  const std::vector<uint8_t> bytes = testing::data_movement_int8_model().serialize();
  {
    Model model;
    ASSERT_TRUE(model.load_buffer(bytes.data(), bytes.size()).ok());
    const std::vector<int8_t> x(32, 9);
    ASSERT_TRUE(model.set_input(0, x.data(), x.size()).ok());
    ASSERT_TRUE(model.run().ok());
  }
  std::mt19937 random(4321);
  int refused = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> damaged = bytes;
    const size_t at = random() % damaged.size();
    damaged[at] = static_cast<uint8_t>(damaged[at] ^ (1 + random() % 255));
    Model model;
    const Status status = model.load_buffer(damaged.data(), damaged.size());
    if (!status.ok()) {
      ++refused;
      EXPECT_FALSE(status.message().empty());
      continue;
    }
    qrun_tensor_info info;
    ASSERT_TRUE(model.input_info(0, &info).ok());
    std::vector<uint8_t> input(info.byte_size, 7);
    ASSERT_TRUE(model.set_input(0, input.data(), input.size()).ok());
    EXPECT_TRUE(model.run().ok());
  }
  EXPECT_GT(refused, 300);
}

}  // namespace
}  // namespace qrun
