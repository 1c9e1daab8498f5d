// The XNNPACK backend against qrun's own kernels, op by op, on seeded random shapes and parameters:
// convolutions (dense, grouped, depthwise, strided, dilated, padded unevenly), fully connected
// layers, max pooling and global average pooling give the same bytes; an ADD runs on XNNPACK only
// where its fixed-point add gives qrun's bytes (runtime/src/backends/xnnpack_backend.cc); ops
// XNNPACK lacks run on qrun's kernels and say why. A build without XNNPACK refuses the backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "qfb_test_model.h"
#include "qrun/qrun.hpp"

namespace qrun {
namespace {

#if QRUN_TEST_HAS_XNNPACK

using Options = std::pair<fb::OperatorOptions, flatbuffers::Offset<void>>;

std::vector<int8_t> random_bytes(std::mt19937& rng, size_t count, int low = -128, int high = 127) {
  std::uniform_int_distribution<int> value(low, high);
  std::vector<int8_t> bytes(count);
  for (int8_t& b : bytes) b = static_cast<int8_t>(value(rng));
  return bytes;
}

// Runs a one-input model on `input` with a backend and thread count; returns output 0.
std::vector<int8_t> run_model(const std::vector<uint8_t>& file, const std::vector<int8_t>& input,
                              const char* backend, int threads, size_t output_size,
                              Model* loaded = nullptr) {
  Model local;
  Model& model = loaded != nullptr ? *loaded : local;
  EXPECT_TRUE(model.set_threads(threads).ok());
  const Status chosen = model.set_backend(backend);
  EXPECT_TRUE(chosen.ok()) << chosen.message();
  const Status status = model.load_buffer(file.data(), file.size());
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_TRUE(model.set_input(0, input.data(), input.size()).ok());
  EXPECT_TRUE(model.run().ok());
  std::vector<int8_t> output(output_size);
  EXPECT_TRUE(model.get_output(0, output.data(), output.size()).ok());
  return output;
}

struct ConvCase {
  int height, width, input_channels, output_channels, groups;
  int kernel, stride, dilation, pad_top, pad_left, pad_bottom, pad_right;
  int output_height() const { return extent(height, pad_top + pad_bottom); }
  int output_width() const { return extent(width, pad_left + pad_right); }
  int extent(int size, int pads) const {
    return (size + pads - dilation * (kernel - 1) - 1) / stride + 1;
  }
};

// One CONV_2D with seeded random weights, bias, per-channel multipliers, zero points and range.
testing::TestModel conv_model(const ConvCase& c, std::mt19937& rng) {
  testing::TestModel m;
  std::uniform_int_distribution<int> zero_point(-128, 127);
  std::uniform_real_distribution<float> multiplier(0.0005f, 0.02f);
  const int x = m.add_tensor({"x",
                              fb::TensorType::INT8,
                              {1, c.height, c.width, c.input_channels},
                              {0.05f},
                              {zero_point(rng)},
                              -1,
                              {}});
  const int per_group = c.input_channels / c.groups;
  const std::vector<int8_t> weights = random_bytes(
      rng, static_cast<size_t>(c.output_channels) * c.kernel * c.kernel * per_group, -127, 127);
  std::vector<int32_t> bias(c.output_channels);
  std::uniform_int_distribution<int> bias_value(-20000, 20000);
  for (int32_t& b : bias) b = bias_value(rng);
  std::vector<float> multipliers(c.output_channels);
  for (float& v : multipliers) v = multiplier(rng);
  const int w = m.add_constant<int8_t>(
      "w", fb::TensorType::INT8, {c.output_channels, c.kernel, c.kernel, per_group}, weights,
      std::vector<float>(c.output_channels, 0.01f), std::vector<int>(c.output_channels, 0), 0);
  const int b = m.add_constant<int32_t>("b", fb::TensorType::INT32, {c.output_channels}, bias);
  const int output_zero_point = zero_point(rng);
  const int y = m.add_tensor({"y",
                              fb::TensorType::INT8,
                              {1, c.output_height(), c.output_width(), c.output_channels},
                              {0.1f},
                              {output_zero_point},
                              -1,
                              {}});
  // Half the cases with a fused ReLU: the output range starts at the zero point.
  const int output_min = rng() % 2 == 0 ? -128 : std::min(output_zero_point, 126);
  m.add_operator({fb::OperatorType::CONV_2D,
                  {x, w, b},
                  {y},
                  [c](flatbuffers::FlatBufferBuilder& fbb) -> Options {
                    return {fb::OperatorOptions::Conv2DOptions,
                            fb::CreateConv2DOptions(fbb, c.stride, c.stride, c.dilation, c.dilation,
                                                    c.pad_top, c.pad_left, c.pad_bottom,
                                                    c.pad_right, c.groups)
                                .Union()};
                  },
                  multipliers,
                  output_min,
                  127});
  m.set_inputs({x});
  m.set_outputs({y});
  return m;
}

TEST(XnnpackBackend, ConvolutionsGiveTheBytesOfQrunsKernels) {
  std::mt19937 rng(8);
  std::uniform_int_distribution<int> pick(0, 1 << 20);
  for (int trial = 0; trial < 40; ++trial) {
    ConvCase c{};
    const int kind = trial % 4;  // dense, depthwise, grouped, 1x1
    c.kernel = kind == 3 ? 1 : 1 + 2 * (pick(rng) % 3);
    c.stride = 1 + pick(rng) % 2;
    c.dilation = kind == 3 ? 1 : 1 + pick(rng) % 2;
    c.groups = 1;
    c.input_channels = 1 + pick(rng) % 40;
    c.output_channels = 1 + pick(rng) % 40;
    if (kind == 1) c.groups = c.output_channels = c.input_channels;
    if (kind == 2) {
      c.groups = 2 + pick(rng) % 3;
      c.input_channels = c.groups * (1 + pick(rng) % 6);
      c.output_channels = c.groups * (1 + pick(rng) % 6);
    }
    c.height = c.dilation * (c.kernel - 1) + 1 + pick(rng) % 9;
    c.width = c.dilation * (c.kernel - 1) + 1 + pick(rng) % 9;
    if (c.kernel > 1) {
      c.pad_top = pick(rng) % c.kernel;
      c.pad_left = pick(rng) % c.kernel;
      c.pad_bottom = pick(rng) % c.kernel;
      c.pad_right = pick(rng) % c.kernel;
    }
    std::mt19937 model_rng(static_cast<unsigned>(trial));
    const std::vector<uint8_t> file = conv_model(c, model_rng).serialize();
    const std::vector<int8_t> input =
        random_bytes(model_rng, static_cast<size_t>(c.height) * c.width * c.input_channels);
    const size_t output_size =
        static_cast<size_t>(c.output_height()) * c.output_width() * c.output_channels;
    const std::vector<int8_t> expected = run_model(file, input, "qrun", 1, output_size);
    Model model;
    for (int threads : {1, 2}) {
      EXPECT_EQ(run_model(file, input, "xnnpack", threads, output_size, &model), expected)
          << "trial " << trial << ": " << c.height << "x" << c.width << "x" << c.input_channels
          << " -> " << c.output_channels << ", k" << c.kernel << " s" << c.stride << " d"
          << c.dilation << " g" << c.groups << ", pads " << c.pad_top << c.pad_left << c.pad_bottom
          << c.pad_right << ", " << threads << " threads";
    }
    qrun_operator_info op;
    ASSERT_TRUE(model.operator_info(0, &op).ok());
    EXPECT_STREQ(op.backend, "xnnpack");
    EXPECT_STREQ(op.kernel, "xnnpack_convolution2d_nhwc_qc8");
  }
}

TEST(XnnpackBackend, FullyConnectedGivesTheBytesOfQrunsKernels) {
  std::mt19937 rng(3);
  for (const auto& [rows, inputs, outputs] :
       std::vector<std::tuple<int, int, int>>{{1, 48, 4}, {3, 100, 17}, {7, 9, 64}}) {
    testing::TestModel m;
    const int x = m.add_tensor({"x", fb::TensorType::INT8, {rows, inputs}, {0.05f}, {11}, -1, {}});
    std::vector<int32_t> bias(outputs);
    for (int o = 0; o < outputs; ++o) bias[o] = o * 301 - 4000;
    std::vector<float> multipliers(outputs);
    for (int o = 0; o < outputs; ++o) multipliers[o] = 0.001f + 0.0007f * static_cast<float>(o);
    const int w =
        m.add_constant<int8_t>("w", fb::TensorType::INT8, {outputs, inputs},
                               random_bytes(rng, static_cast<size_t>(outputs) * inputs, -127, 127),
                               std::vector<float>(outputs, 0.01f), std::vector<int>(outputs, 0), 0);
    const int b = m.add_constant<int32_t>("b", fb::TensorType::INT32, {outputs}, bias);
    const int y = m.add_tensor({"y", fb::TensorType::INT8, {rows, outputs}, {0.1f}, {-7}, -1, {}});
    m.add_operator({fb::OperatorType::FULLY_CONNECTED,
                    {x, w, b},
                    {y},
                    testing::fully_connected_options,
                    multipliers,
                    -128,
                    127});
    m.set_inputs({x});
    m.set_outputs({y});
    const std::vector<uint8_t> file = m.serialize();
    const std::vector<int8_t> input = random_bytes(rng, static_cast<size_t>(rows) * inputs);
    const size_t size = static_cast<size_t>(rows) * outputs;
    Model model;
    EXPECT_EQ(run_model(file, input, "xnnpack", 1, size, &model),
              run_model(file, input, "qrun", 1, size))
        << rows << "x" << inputs << " -> " << outputs;
    qrun_operator_info op;
    ASSERT_TRUE(model.operator_info(0, &op).ok());
    EXPECT_STREQ(op.backend, "xnnpack");
  }
}

// ADD of two activations (same shape, or one broadcast along rows) over every pair of int8 values,
// at seeded random scales and zero points: on XNNPACK where its fixed-point add gives qrun's bytes
// for every pair, else on qrun saying why (see lower_add); the bytes are qrun's either way, and
// with these seeds both cases occur.
TEST(XnnpackBackend, AddRunsOnXnnpackWhereItIsExactAndSaysWhyElsewhere) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> scale(0.01f, 0.2f);
  std::uniform_int_distribution<int> zero_point(-128, 127);
  int on_xnnpack = 0, on_qrun = 0;
  for (int trial = 0; trial < 16; ++trial) {
    const bool broadcast = trial % 2 == 1;
    const float a_scale = scale(rng), b_scale = scale(rng), sum_scale = scale(rng) + 0.05f;
    testing::TestModel m;
    const int a = m.add_tensor(
        {"a", fb::TensorType::INT8, {1, 256, 256}, {a_scale}, {zero_point(rng)}, -1, {}});
    const int b = m.add_tensor({"b",
                                fb::TensorType::INT8,
                                {1, broadcast ? 1 : 256, 256},
                                {b_scale},
                                {zero_point(rng)},
                                -1,
                                {}});
    const int sum = m.add_tensor(
        {"sum", fb::TensorType::INT8, {1, 256, 256}, {sum_scale}, {zero_point(rng)}, -1, {}});
    m.add_operator({fb::OperatorType::ADD,
                    {a, b},
                    {sum},
                    [](flatbuffers::FlatBufferBuilder& fbb) -> Options {
                      return {fb::OperatorOptions::AddOptions, fb::CreateAddOptions(fbb).Union()};
                    },
                    {a_scale / sum_scale, b_scale / sum_scale},
                    -128,
                    127});
    m.set_inputs({a, b});
    m.set_outputs({sum});
    const std::vector<uint8_t> file = m.serialize();
    // Every (a, b) pair: a varies along columns, b along rows (or, broadcast, along columns the
    // other way).
    std::vector<int8_t> a_values(256 * 256), b_values(broadcast ? 256 : 256 * 256);
    for (size_t i = 0; i < a_values.size(); ++i) {
      a_values[i] = static_cast<int8_t>(i % 256);
      if (!broadcast) b_values[i] = static_cast<int8_t>(i / 256);
    }
    for (size_t i = 0; broadcast && i < b_values.size(); ++i) {
      b_values[i] = static_cast<int8_t>(255 - i);
    }
    std::vector<std::vector<int8_t>> outputs;
    std::string xnnpack_backend, fallback_reason;  // of the ADD under --backend xnnpack
    for (const char* backend : {"qrun", "xnnpack"}) {
      Model model;
      ASSERT_TRUE(model.set_backend(backend).ok());
      ASSERT_TRUE(model.load_buffer(file.data(), file.size()).ok());
      ASSERT_TRUE(model.set_input(0, a_values.data(), a_values.size()).ok());
      ASSERT_TRUE(model.set_input(1, b_values.data(), b_values.size()).ok());
      ASSERT_TRUE(model.run().ok());
      std::vector<int8_t> output(256 * 256);
      ASSERT_TRUE(model.get_output(0, output.data(), output.size()).ok());
      outputs.push_back(output);
      qrun_operator_info op;
      ASSERT_TRUE(model.operator_info(0, &op).ok());
      xnnpack_backend = op.backend;
      fallback_reason = op.fallback_reason;
    }
    EXPECT_EQ(outputs[0], outputs[1]) << "trial " << trial;
    if (xnnpack_backend == "xnnpack") {
      EXPECT_EQ(fallback_reason, "");
      ++on_xnnpack;
    } else {
      EXPECT_NE(fallback_reason.find("of the 65536 operand pairs"), std::string::npos)
          << fallback_reason;
      ++on_qrun;
    }
  }
  std::printf("ADD: %d of 16 on XNNPACK, %d on qrun\n", on_xnnpack, on_qrun);
  EXPECT_GT(on_xnnpack, 0);
  EXPECT_GT(on_qrun, 0);
}

// MUL as squeeze-and-excitation uses it, an image scaled per channel, at seeded random scales:
// XNNPACK's QS8 multiply requantizes in fp32 as qrun does, so it takes every one, with qrun's
// bytes.
TEST(XnnpackBackend, MulGivesTheBytesOfQrunsKernels) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> scale(0.01f, 0.2f);
  std::uniform_int_distribution<int> zero_point(-128, 127);
  for (int trial = 0; trial < 6; ++trial) {
    const float x_scale = scale(rng), gate_scale = scale(rng) / 20, y_scale = scale(rng);
    testing::TestModel m;
    const int x = m.add_tensor(
        {"x", fb::TensorType::INT8, {1, 5, 7, 24}, {x_scale}, {zero_point(rng)}, -1, {}});
    const int gate =
        m.add_tensor({"gate", fb::TensorType::INT8, {1, 1, 1, 24}, {gate_scale}, {-128}, -1, {}});
    const int y = m.add_tensor(
        {"y", fb::TensorType::INT8, {1, 5, 7, 24}, {y_scale}, {zero_point(rng)}, -1, {}});
    m.add_operator({fb::OperatorType::MUL,
                    {x, gate},
                    {y},
                    [](flatbuffers::FlatBufferBuilder& fbb) -> Options {
                      return {fb::OperatorOptions::MulOptions, fb::CreateMulOptions(fbb).Union()};
                    },
                    {x_scale * gate_scale / y_scale},
                    -128,
                    127});
    m.set_inputs({x, gate});
    m.set_outputs({y});
    const std::vector<uint8_t> file = m.serialize();
    const std::vector<int8_t> x_values = random_bytes(rng, 5 * 7 * 24);
    const std::vector<int8_t> gate_values = random_bytes(rng, 24);
    std::vector<std::vector<int8_t>> outputs;
    for (const char* backend : {"qrun", "xnnpack"}) {
      Model model;
      ASSERT_TRUE(model.set_backend(backend).ok());
      ASSERT_TRUE(model.load_buffer(file.data(), file.size()).ok());
      qrun_operator_info op;
      ASSERT_TRUE(model.operator_info(0, &op).ok());
      EXPECT_STREQ(op.backend, backend) << op.fallback_reason;
      ASSERT_TRUE(model.set_input(0, x_values.data(), x_values.size()).ok());
      ASSERT_TRUE(model.set_input(1, gate_values.data(), gate_values.size()).ok());
      ASSERT_TRUE(model.run().ok());
      std::vector<int8_t> output(x_values.size());
      ASSERT_TRUE(model.get_output(0, output.data(), output.size()).ok());
      outputs.push_back(output);
    }
    EXPECT_EQ(outputs[0], outputs[1]) << "trial " << trial;
  }
}

// Max pooling and global average pooling (MEAN) go to XNNPACK with the same bytes; average
// pooling, which XNNPACK (2022) has only for uint8, stays on qrun's kernel and says so.
TEST(XnnpackBackend, PoolingGivesTheBytesOfQrunsKernelsOrSaysWhyNot) {
  testing::TestModel m;
  const int x = m.add_tensor({"x", fb::TensorType::INT8, {2, 13, 11, 21}, {0.04f}, {-3}, -1, {}});
  const int pooled =
      m.add_tensor({"pooled", fb::TensorType::INT8, {2, 7, 6, 21}, {0.04f}, {-3}, -1, {}});
  const int averaged =
      m.add_tensor({"averaged", fb::TensorType::INT8, {2, 4, 3, 21}, {0.03f}, {5}, -1, {}});
  const int mean =
      m.add_tensor({"mean", fb::TensorType::INT8, {2, 1, 1, 21}, {0.011f}, {-9}, -1, {}});
  const auto pool_options = [](int kernel, int stride, int pad, bool include_pad) {
    return [=](flatbuffers::FlatBufferBuilder& fbb) -> Options {
      return {fb::OperatorOptions::Pool2DOptions,
              fb::CreatePool2DOptions(fbb, kernel, kernel, stride, stride, pad, pad, pad, pad,
                                      include_pad)
                  .Union()};
    };
  };
  m.add_operator(
      {fb::OperatorType::MAX_POOL_2D, {x}, {pooled}, pool_options(3, 2, 1, false), {}, -128, 127});
  m.add_operator({fb::OperatorType::AVERAGE_POOL_2D,
                  {pooled},
                  {averaged},
                  pool_options(3, 2, 1, true),
                  {0.04f / 0.03f},
                  -128,
                  127});
  m.add_operator({fb::OperatorType::MEAN,
                  {averaged},
                  {mean},
                  [](flatbuffers::FlatBufferBuilder& fbb) -> Options {
                    return {fb::OperatorOptions::MeanOptions, fb::CreateMeanOptions(fbb).Union()};
                  },
                  {0.03f / 0.011f},
                  -128,
                  127});
  m.set_inputs({x});
  m.set_outputs({mean});
  const std::vector<uint8_t> file = m.serialize();
  std::mt19937 rng(5);
  const std::vector<int8_t> input = random_bytes(rng, 2 * 13 * 11 * 21);
  Model model;
  EXPECT_EQ(run_model(file, input, "xnnpack", 2, 2 * 21, &model),
            run_model(file, input, "qrun", 1, 2 * 21));
  const char* expected_backends[] = {"xnnpack", "qrun", "xnnpack"};
  for (int i = 0; i < 3; ++i) {
    qrun_operator_info op;
    ASSERT_TRUE(model.operator_info(i, &op).ok());
    EXPECT_STREQ(op.backend, expected_backends[i]) << op.type;
    EXPECT_EQ(*op.fallback_reason == '\0', i != 1) << op.type << ": " << op.fallback_reason;
  }
  qrun_operator_info average;
  ASSERT_TRUE(model.operator_info(1, &average).ok());
  EXPECT_NE(std::string(average.fallback_reason).find("average pooling"), std::string::npos);
  EXPECT_EQ(model.backend(), "xnnpack");
}

#else

TEST(XnnpackBackend, ABuildWithoutXnnpackRefusesTheBackendSayingWhy) {
  Model model;
  const Status status = model.set_backend("xnnpack");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("built without XNNPACK"), std::string::npos) << status.message();
}

#endif

TEST(XnnpackBackend, AnUnknownBackendIsAnError) {
  Model model;
  const Status status = model.set_backend("tflite");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("unknown backend 'tflite'"), std::string::npos)
      << status.message();
  EXPECT_TRUE(model.set_backend("qrun").ok());
}

}  // namespace
}  // namespace qrun
