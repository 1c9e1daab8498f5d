// SLICE, GATHER, PAD and TRANSPOSE_CONV_2D in one-op models built here: the valid ones load and
// compute, in int8 keeping the input's parameters, and each hostile option (an index outside the
// input, a padding too large to reflect, an output the geometry does not give) is refused with
// its message before anything runs.
#include <gtest/gtest.h>

#include <algorithm>
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

// A random transposed convolution: its geometry and the paddings the options spell out.
struct RandomTransposeConv {
  kernels::TransposeConv2dGeometry g;
  int pad_bottom = 0, pad_right = 0, output_padding_h = 0, output_padding_w = 0;

  RandomTransposeConv(std::mt19937& rng, int trial) {
    auto pick = [&rng](int low, int high) {
      return low + static_cast<int>(rng() % (high - low + 1));
    };
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
    output_padding_h = pick(0, g.stride_height - 1);
    output_padding_w = pick(0, g.stride_width - 1);
    const int full_h = (g.input_height - 1) * g.stride_height +
                       (g.kernel_height - 1) * g.dilation_height + 1 + output_padding_h;
    const int full_w = (g.input_width - 1) * g.stride_width + g.kernel_width + output_padding_w;
    // Paddings below the kernel size, as models have them, and now and then larger ones.
    const int limit_h =
        trial % 4 == 3 ? (full_h - 1) / 2 : std::min(g.kernel_height - 1, (full_h - 1) / 2);
    const int limit_w =
        trial % 4 == 3 ? (full_w - 1) / 2 : std::min(g.kernel_width - 1, (full_w - 1) / 2);
    g.pad_top = pick(0, limit_h);
    pad_bottom = pick(0, limit_h);
    g.pad_left = pick(0, limit_w);
    pad_right = pick(0, limit_w);
    g.output_height = full_h - g.pad_top - pad_bottom;
    g.output_width = full_w - g.pad_left - pad_right;
  }

  size_t input_count() const {
    return static_cast<size_t>(g.batch) * g.input_height * g.input_width * g.input_channels;
  }
  size_t weight_count() const {
    return static_cast<size_t>(g.output_channels) * g.kernel_height * g.kernel_width *
           g.input_channels_per_group();
  }
  size_t output_count() const {
    return static_cast<size_t>(g.batch) * g.output_height * g.output_width * g.output_channels;
  }

  // The one-op model; int8 when `multipliers` are given (weights scale 0.01, input 0.1 with
  // `zero_point`, output 0.2 with -5), float otherwise.
  template <typename Element, typename Bias>
  testing::TestModel model(const std::vector<Element>& weights, const std::vector<Bias>& bias,
                           const std::vector<float>& multipliers, int zero_point) const {
    const bool int8 = !multipliers.empty();
    const fb::TensorType type = int8 ? fb::TensorType::INT8 : fb::TensorType::FLOAT32;
    auto scale = [int8](float value) {
      return int8 ? std::vector<float>{value} : std::vector<float>{};
    };
    auto zero = [int8](int value) { return int8 ? std::vector<int>{value} : std::vector<int>{}; };
    testing::TestModel m;
    m.add_tensor({"x",
                  type,
                  {g.batch, g.input_height, g.input_width, g.input_channels},
                  scale(0.1f),
                  zero(zero_point),
                  -1,
                  {}});
    m.add_constant<Element>(
        "w", type,
        {g.output_channels, g.kernel_height, g.kernel_width, g.input_channels_per_group()}, weights,
        int8 ? std::vector<float>(g.output_channels, 0.01f) : std::vector<float>{},
        int8 ? std::vector<int>(g.output_channels, 0) : std::vector<int>{}, int8 ? 0 : -1);
    m.add_constant<Bias>("b", int8 ? fb::TensorType::INT32 : fb::TensorType::FLOAT32,
                         {g.output_channels}, bias);
    m.add_tensor({"y",
                  type,
                  {g.batch, g.output_height, g.output_width, g.output_channels},
                  scale(0.2f),
                  zero(-5),
                  -1,
                  {}});
    const RandomTransposeConv c = *this;
    m.add_operator({fb::OperatorType::TRANSPOSE_CONV_2D,
                    {0, 1, 2},
                    {3},
                    [c](flatbuffers::FlatBufferBuilder& b) {
                      const kernels::TransposeConv2dGeometry& k = c.g;
                      return std::make_pair(
                          fb::OperatorOptions::TransposeConv2DOptions,
                          fb::CreateTransposeConv2DOptions(
                              b, k.stride_height, k.stride_width, k.dilation_height,
                              k.dilation_width, k.pad_top, k.pad_left, c.pad_bottom, c.pad_right,
                              c.output_padding_h, c.output_padding_w, k.groups)
                              .Union());
                    },
                    multipliers,
                    -128,
                    127});
    m.set_inputs({0});
    m.set_outputs({3});
    return m;
  }
};

// Runs `m` on `x` with the given ISA ("" for the best) and threads; returns output 0's bytes and
// sets `kernel` to the name of the kernel operator 0 runs.
template <typename Element>
std::vector<Element> RunRaw(const testing::TestModel& m, const std::vector<Element>& x,
                            size_t output_count, const char* isa, int threads,
                            std::string* kernel = nullptr) {
  const std::vector<uint8_t> bytes = m.serialize();
  Model model;
  EXPECT_TRUE(model.set_threads(threads).ok());
  if (*isa) {
    EXPECT_TRUE(model.set_isa(isa).ok());
  }
  const Status loaded = model.load_buffer(bytes.data(), bytes.size());
  EXPECT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_TRUE(model.set_input(0, x.data(), x.size() * sizeof(Element)).ok());
  EXPECT_TRUE(model.run().ok());
  qrun_operator_info info{};
  EXPECT_TRUE(model.operator_info(0, &info).ok());
  if (kernel != nullptr) *kernel = info.kernel;
  std::vector<Element> y(output_count);
  EXPECT_TRUE(model.get_output(0, y.data(), y.size() * sizeof(Element)).ok());
  return y;
}

// The int8 operator (stride phases on the convolution kernels where it can, the reference where
// it cannot), on every ISA this CPU has and on 1 and 2 threads, gives the reference kernel's bytes.
TEST(TransposeConvModel, Int8OperatorGivesTheReferenceBytes) {
  std::mt19937 rng(23);
  int by_phases = 0;
  for (int trial = 0; trial < 24; ++trial) {
    const RandomTransposeConv c(rng, trial);
    std::vector<int8_t> weights(c.weight_count());
    for (int8_t& w : weights) w = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    std::vector<int32_t> bias(c.g.output_channels);
    std::vector<float> multipliers(c.g.output_channels);
    for (int oc = 0; oc < c.g.output_channels; ++oc) {
      bias[oc] = static_cast<int32_t>(rng() % 4001) - 2000;
      multipliers[oc] = 0.0005f * static_cast<float>(1 + rng() % 16);
    }
    std::vector<int8_t> x(c.input_count());
    for (int8_t& v : x) v = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
    const int zero_point = trial % 2 ? -128 : 17;
    kernels::TransposeConv2dQs8Params params;
    params.input_zero_point = zero_point;
    params.multipliers = multipliers.data();
    params.output = {-5, -128, 127};
    std::vector<int8_t> expected(c.output_count());
    kernels::transpose_conv2d_qs8_reference(c.g, params, weights.data(), bias.data(), x.data(),
                                            expected.data(), 0, c.g.output_rows());
    const testing::TestModel m = c.model(weights, bias, multipliers, zero_point);
    for (const char* isa : {"", "ref"}) {
      for (int threads : {1, 2}) {
        std::string kernel;
        ASSERT_EQ(RunRaw(m, x, expected.size(), isa, threads, &kernel), expected)
            << "trial " << trial << " isa '" << isa << "' threads " << threads;
        by_phases += kernel != "transpose_conv2d_qs8_reference";
      }
    }
  }
  // Dilation, and paddings that start a phase past its first tap, take the reference; the phases
  // must have served a good share of the rest.
  EXPECT_GE(by_phases, 4 * 8);
}

TEST(TransposeConvModel, FloatOperatorFollowsTheReference) {
  std::mt19937 rng(29);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (int trial = 0; trial < 24; ++trial) {
    const RandomTransposeConv c(rng, trial);
    std::vector<float> weights(c.weight_count()), bias(c.g.output_channels), x(c.input_count());
    for (float& v : weights) v = uniform(rng);
    for (float& v : bias) v = uniform(rng);
    for (float& v : x) v = uniform(rng);
    std::vector<float> expected(c.output_count());
    kernels::transpose_conv2d_f32_reference(c.g, kernels::F32Range{}, weights.data(), bias.data(),
                                            x.data(), expected.data(), 0, c.g.output_rows());
    const std::vector<float> y = RunRaw(c.model(weights, bias, {}, 0), x, expected.size(), "", 2);
    for (size_t i = 0; i < y.size(); ++i) {
      ASSERT_NEAR(y[i], expected[i], 1e-4) << "trial " << trial << " element " << i;
    }
  }
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
