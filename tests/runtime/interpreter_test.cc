// The interpreter end to end on a small model built in memory: it loads, plans an arena, runs the
// chosen kernels and gives the same int8 output as the reference kernels called by hand, for any
// thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "conv2d/conv2d.h"
#include "fully_connected/fully_connected.h"
#include "qfb_test_model.h"
#include "qrun/qrun.hpp"

namespace qrun {
namespace {

std::vector<int8_t> test_input() {
  std::vector<int8_t> input(32);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<int8_t>(i * 13 % 256 - 128);
  return input;
}

// The small model's computation, spelled out with the reference kernels.
std::vector<int8_t> expected_output(const std::vector<int8_t>& input) {
  std::vector<int8_t> conv_weights(54);
  for (size_t i = 0; i < conv_weights.size(); ++i)
    conv_weights[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  const std::vector<int32_t> conv_bias = {100, -50, 7};
  const std::vector<float> conv_multipliers = {0.005f, 0.01f, 0.015f};
  kernels::Conv2dGeometry g;
  g.input_height = g.input_width = g.output_height = g.output_width = 4;
  g.input_channels = 2;
  g.output_channels = 3;
  g.kernel_height = g.kernel_width = 3;
  g.pad_top = g.pad_left = 1;
  std::vector<int8_t> conv(48);
  kernels::conv2d_qs8_reference(g, {-3, conv_multipliers.data(), {-128, -128, 127}},
                                {conv_weights.data(), conv_bias.data(), nullptr}, input.data(),
                                conv.data(), {0, 4, 0, 3});
  std::vector<int8_t> fc_weights(4 * 48);
  for (size_t i = 0; i < fc_weights.size(); ++i)
    fc_weights[i] = static_cast<int8_t>((i * 11) % 200 - 100);
  const std::vector<int32_t> fc_bias = {0, 10, -10, 5};
  const std::vector<float> fc_multipliers(4, 0.01f);
  std::vector<int8_t> logits(4);
  kernels::fully_connected_qs8_reference({1, 48, 4}, {-128, fc_multipliers.data(), {0, -128, 127}},
                                         {fc_weights.data(), fc_bias.data(), nullptr}, conv.data(),
                                         logits.data(), 0, 4);
  return logits;
}

// Every thread count, with the reference kernels and with the best this CPU has.
class InterpreterThreads : public ::testing::TestWithParam<std::tuple<int, const char*>> {};

TEST_P(InterpreterThreads, RunsTheSmallModelBitExactly) {
  const std::vector<uint8_t> bytes = testing::small_int8_model().serialize();
  Model model;
  ASSERT_TRUE(model.set_threads(std::get<0>(GetParam())).ok());
  ASSERT_TRUE(model.set_isa(std::get<1>(GetParam())).ok());
  const Status loaded = model.load_buffer(bytes.data(), bytes.size());
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  const std::vector<int8_t> input = test_input();
  ASSERT_TRUE(model.set_input(0, input.data(), input.size()).ok());
  ASSERT_TRUE(model.run().ok());
  std::vector<int8_t> output(4);
  ASSERT_TRUE(model.get_output(0, output.data(), output.size()).ok());
  EXPECT_EQ(output, expected_output(input));
}

INSTANTIATE_TEST_SUITE_P(Threads, InterpreterThreads,
                         ::testing::Combine(::testing::Values(1, 2, 3),
                                            ::testing::Values("ref", "")));

// A residual block: x -> Conv2D 3x3 -> y -> Conv2D 1x1 -> z, then Add(z, x) with a ReLU. The Add
// right behind the convolution that feeds it may run inside that convolution's kernel; fused or
// not, with any kernel family and thread count, the bytes are the same.
testing::TestModel residual_block_model() {
  testing::TestModel m;
  const int channels = 40;
  const int x =
      m.add_tensor({"x", fb::TensorType::INT8, {1, 6, 7, channels}, {0.05f}, {-5}, -1, {}});
  std::vector<int8_t> w3(channels * 9 * channels), w1(channels * channels);
  for (size_t i = 0; i < w3.size(); ++i) w3[i] = static_cast<int8_t>(i * 37 % 255 - 127);
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = static_cast<int8_t>(i * 91 % 251 - 125);
  std::vector<int32_t> bias(channels);
  for (int c = 0; c < channels; ++c) bias[c] = c * 97 - 1500;
  const std::vector<float> scales(channels, 0.01f);
  const int w3_tensor =
      m.add_constant<int8_t>("w3", fb::TensorType::INT8, {channels, 3, 3, channels}, w3, scales,
                             std::vector<int>(channels, 0), 0);
  const int w1_tensor =
      m.add_constant<int8_t>("w1", fb::TensorType::INT8, {channels, 1, 1, channels}, w1, scales,
                             std::vector<int>(channels, 0), 0);
  const int b3 = m.add_constant<int32_t>("b3", fb::TensorType::INT32, {channels}, bias);
  const int b1 = m.add_constant<int32_t>("b1", fb::TensorType::INT32, {channels}, bias);
  const int y = m.add_tensor({"y", fb::TensorType::INT8, {1, 6, 7, channels}, {0.3f}, {3}, -1, {}});
  const int z =
      m.add_tensor({"z", fb::TensorType::INT8, {1, 6, 7, channels}, {0.2f}, {-9}, -1, {}});
  const int sum =
      m.add_tensor({"sum", fb::TensorType::INT8, {1, 6, 7, channels}, {0.25f}, {-128}, -1, {}});
  m.add_operator(
      {fb::OperatorType::CONV_2D,
       {x, w3_tensor, b3},
       {y},
       [](flatbuffers::FlatBufferBuilder& b) { return testing::conv2d_options(b, 1, 1); },
       std::vector<float>(channels, 0.05f * 0.01f / 0.3f),
       -128,
       127});
  m.add_operator(
      {fb::OperatorType::CONV_2D,
       {y, w1_tensor, b1},
       {z},
       [](flatbuffers::FlatBufferBuilder& b) { return testing::conv2d_options(b, 1, 0); },
       std::vector<float>(channels, 0.3f * 0.01f / 0.2f),
       -128,
       127});
  m.add_operator({fb::OperatorType::ADD,
                  {z, x},
                  {sum},
                  [](flatbuffers::FlatBufferBuilder& fbb) {
                    return std::make_pair(fb::OperatorOptions::AddOptions,
                                          fb::CreateAddOptions(fbb).Union());
                  },
                  {0.2f / 0.25f, 0.05f / 0.25f},
                  -128,
                  127});
  m.set_inputs({x});
  m.set_outputs({sum});
  return m;
}

// Runs the model with the reference kernels and with this CPU's best, fusion on and off, on 1 to
// 3 threads: the output bytes are the same every time. The model has `count` operators unfused;
// fused (where this CPU has a kernel for it, never with the reference kernels alone)
// `fused_count`, the last of them of type `fused_type`.
void expect_fusion_keeps_bytes(const std::vector<uint8_t>& bytes,
                               const std::vector<std::vector<int8_t>>& inputs, size_t output_size,
                               int count, int fused_count, const char* fused_type) {
  std::vector<int8_t> first;
  for (const char* isa : {"ref", ""}) {
    for (bool fusion : {true, false}) {
      for (int threads : {1, 2, 3}) {
        Model model;
        ASSERT_TRUE(model.set_threads(threads).ok());
        ASSERT_TRUE(model.set_isa(isa).ok());
        ASSERT_TRUE(model.set_fusion(fusion).ok());
        const Status loaded = model.load_buffer(bytes.data(), bytes.size());
        ASSERT_TRUE(loaded.ok()) << loaded.message();
        if (!fusion || std::string(isa) == "ref") {
          EXPECT_EQ(model.operator_count(), count);
        } else if (model.operator_count() == fused_count) {
          qrun_operator_info last;
          ASSERT_TRUE(model.operator_info(model.operator_count() - 1, &last).ok());
          EXPECT_STREQ(last.type, fused_type);
        }
        for (size_t i = 0; i < inputs.size(); ++i) {
          ASSERT_TRUE(
              model.set_input(static_cast<int>(i), inputs[i].data(), inputs[i].size()).ok());
        }
        ASSERT_TRUE(model.run().ok());
        std::vector<int8_t> output(output_size);
        ASSERT_TRUE(model.get_output(0, output.data(), output.size()).ok());
        if (first.empty()) first = output;
        EXPECT_EQ(output, first) << "isa '" << isa << "', fusion " << fusion << ", " << threads
                                 << " threads";
      }
    }
  }
}

TEST(Interpreter, FusedConvolutionAndAddGiveTheBytesOfTheTwoOps) {
  std::vector<int8_t> input(6 * 7 * 40);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<int8_t>(i * 53 % 256 - 128);
  expect_fusion_keeps_bytes(residual_block_model().serialize(), {input}, input.size(), 3, 2,
                            "CONV_2D+ADD");
}

// A transformer's residual: x [20, 52] -> FullyConnected -> y [20, 40] -> RESHAPE [20, 1, 40] ->
// TRANSPOSE (1, 0, 2) [1, 20, 40], which moves only a unit axis, then Add with r [1, 20, 40]. The
// Add reads the FullyConnected's bytes through two views, and may run inside its kernel; fused or
// not, with any kernel family and thread count, the bytes are the same.
testing::TestModel projection_residual_model() {
  testing::TestModel m;
  const int rows = 20, inputs = 52, outputs = 40;
  const int x = m.add_tensor({"x", fb::TensorType::INT8, {rows, inputs}, {0.04f}, {6}, -1, {}});
  const int r =
      m.add_tensor({"r", fb::TensorType::INT8, {1, rows, outputs}, {0.07f}, {-11}, -1, {}});
  std::vector<int8_t> w(outputs * inputs);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(i * 59 % 253 - 126);
  std::vector<int32_t> bias(outputs);
  std::vector<float> scales(outputs), multipliers(outputs);
  for (int o = 0; o < outputs; ++o) {
    bias[o] = o * 131 - 2600;
    scales[o] = 0.004f + 0.0003f * static_cast<float>(o);
    multipliers[o] = 0.04f * scales[o] / 0.2f;
  }
  const int weights = m.add_constant<int8_t>("w", fb::TensorType::INT8, {outputs, inputs}, w,
                                             scales, std::vector<int>(outputs, 0), 0);
  const int b = m.add_constant<int32_t>("b", fb::TensorType::INT32, {outputs}, bias);
  const auto activation = [&](const char* name, std::vector<int> shape) {
    return m.add_tensor({name, fb::TensorType::INT8, std::move(shape), {0.2f}, {4}, -1, {}});
  };
  const int y = activation("y", {rows, outputs});
  const int y3 = activation("y3", {rows, 1, outputs});
  const int yt = activation("yt", {1, rows, outputs});
  const int sum =
      m.add_tensor({"sum", fb::TensorType::INT8, {1, rows, outputs}, {0.15f}, {2}, -1, {}});
  m.add_operator({fb::OperatorType::FULLY_CONNECTED,
                  {x, weights, b},
                  {y},
                  testing::fully_connected_options,
                  multipliers,
                  -128,
                  127});
  m.add_operator({fb::OperatorType::RESHAPE,
                  {y},
                  {y3},
                  [](flatbuffers::FlatBufferBuilder& f) {
                    return std::make_pair(fb::OperatorOptions::ReshapeOptions,
                                          fb::CreateReshapeOptions(f).Union());
                  },
                  {}});
  m.add_operator({fb::OperatorType::TRANSPOSE,
                  {y3},
                  {yt},
                  [](flatbuffers::FlatBufferBuilder& f) {
                    const std::vector<int32_t> perm = {1, 0, 2};
                    return std::make_pair(fb::OperatorOptions::TransposeOptions,
                                          fb::CreateTransposeOptionsDirect(f, &perm).Union());
                  },
                  {}});
  m.add_operator({fb::OperatorType::ADD,
                  {r, yt},
                  {sum},
                  [](flatbuffers::FlatBufferBuilder& f) {
                    return std::make_pair(fb::OperatorOptions::AddOptions,
                                          fb::CreateAddOptions(f).Union());
                  },
                  {0.07f / 0.15f, 0.2f / 0.15f},
                  -128,
                  127});
  m.set_inputs({x, r});
  m.set_outputs({sum});
  return m;
}

TEST(Interpreter, FusedProjectionAndAddThroughViewsGiveTheBytesOfTheOps) {
  std::vector<int8_t> x(20 * 52), r(20 * 40);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>(i * 71 % 256 - 128);
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<int8_t>(i * 29 % 256 - 128);
  // Fused, the views and the Add go into the projection: one operator.
  expect_fusion_keeps_bytes(projection_residual_model().serialize(), {x, r}, r.size(), 4, 1,
                            "FULLY_CONNECTED+ADD");
}

// An int8 Add broadcasting a constant row over an image, the work shared among threads: every
// thread count and kernel family gives the same bytes.
TEST(Interpreter, BroadcastAddIsTheSameForEveryThreadCountAndKernel) {
  testing::TestModel m;
  const int a = m.add_tensor({"a", fb::TensorType::INT8, {1, 5, 7, 19}, {0.03f}, {-7}, -1, {}});
  std::vector<int8_t> row(19);
  for (size_t i = 0; i < row.size(); ++i) row[i] = static_cast<int8_t>(i * 29 % 256 - 128);
  const int b = m.add_constant<int8_t>("b", fb::TensorType::INT8, {19}, row, {0.05f}, {3});
  const int sum = m.add_tensor({"sum", fb::TensorType::INT8, {1, 5, 7, 19}, {0.07f}, {-2}, -1, {}});
  m.add_operator({fb::OperatorType::ADD,
                  {a, b},
                  {sum},
                  [](flatbuffers::FlatBufferBuilder& fbb) {
                    return std::make_pair(fb::OperatorOptions::AddOptions,
                                          fb::CreateAddOptions(fbb).Union());
                  },
                  {0.03f / 0.07f, 0.05f / 0.07f},
                  -2,
                  127});
  m.set_inputs({a});
  m.set_outputs({sum});
  const std::vector<uint8_t> bytes = m.serialize();
  std::vector<int8_t> input(5 * 7 * 19);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<int8_t>(i * 53 % 256 - 128);
  std::vector<int8_t> first;
  for (const char* isa : {"ref", ""}) {
    for (int threads : {1, 2, 3}) {
      Model model;
      ASSERT_TRUE(model.set_threads(threads).ok());
      ASSERT_TRUE(model.set_isa(isa).ok());
      ASSERT_TRUE(model.load_buffer(bytes.data(), bytes.size()).ok());
      ASSERT_TRUE(model.set_input(0, input.data(), input.size()).ok());
      ASSERT_TRUE(model.run().ok());
      std::vector<int8_t> output(input.size());
      ASSERT_TRUE(model.get_output(0, output.data(), output.size()).ok());
      if (first.empty()) first = output;
      EXPECT_EQ(output, first) << "isa '" << isa << "', " << threads << " threads";
    }
  }
  EXPECT_NE(std::count(first.begin(), first.end(), first[0]), static_cast<long>(first.size()));
}

// Max and average pooling, padded and strided over an odd image of two, split into bands of rows
// among the threads: every thread count and kernel family gives the bytes of one thread.
TEST(Interpreter, PoolingIsTheSameForEveryThreadCountAndKernel) {
  testing::TestModel m;
  const int x = m.add_tensor({"x", fb::TensorType::INT8, {2, 13, 11, 21}, {0.04f}, {-3}, -1, {}});
  const int pooled =
      m.add_tensor({"pooled", fb::TensorType::INT8, {2, 7, 6, 21}, {0.04f}, {-3}, -1, {}});
  const int averaged =
      m.add_tensor({"averaged", fb::TensorType::INT8, {2, 4, 3, 21}, {0.03f}, {5}, -1, {}});
  const auto pool_options = [](int kernel, int stride, int pad, bool include_pad) {
    return [=](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(fb::OperatorOptions::Pool2DOptions,
                            fb::CreatePool2DOptions(fbb, kernel, kernel, stride, stride, pad, pad,
                                                    pad, pad, include_pad)
                                .Union());
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
  m.set_inputs({x});
  m.set_outputs({averaged});
  const std::vector<uint8_t> bytes = m.serialize();
  std::vector<int8_t> input(2 * 13 * 11 * 21);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<int8_t>(i * 71 % 256 - 128);
  std::vector<int8_t> first;
  for (const char* isa : {"ref", ""}) {
    for (int threads : {1, 2, 3}) {
      Model model;
      ASSERT_TRUE(model.set_threads(threads).ok());
      ASSERT_TRUE(model.set_isa(isa).ok());
      const Status loaded = model.load_buffer(bytes.data(), bytes.size());
      ASSERT_TRUE(loaded.ok()) << loaded.message();
      ASSERT_TRUE(model.set_input(0, input.data(), input.size()).ok());
      ASSERT_TRUE(model.run().ok());
      std::vector<int8_t> output(2 * 4 * 3 * 21);
      ASSERT_TRUE(model.get_output(0, output.data(), output.size()).ok());
      if (first.empty()) first = output;
      EXPECT_EQ(output, first) << "isa '" << isa << "', " << threads << " threads";
    }
  }
}

TEST(Interpreter, AnUnknownOrMissingInstructionSetIsAnError) {
  const std::vector<uint8_t> bytes = testing::small_int8_model().serialize();
  Model model;
  ASSERT_TRUE(model.set_isa("sse9").ok());
  EXPECT_EQ(model.load_buffer(bytes.data(), bytes.size()).message(),
            "unknown instruction set 'sse9' (ref, avx2, avxvnni, avx512vnni, neon, neondot, i8mm, "
            "armv7neon)");
#if defined(__x86_64__)
  ASSERT_TRUE(model.set_isa("i8mm").ok());
#else
  ASSERT_TRUE(model.set_isa("avx2").ok());
#endif
  EXPECT_NE(model.load_buffer(bytes.data(), bytes.size()).message().find("is not available"),
            std::string::npos);
}

TEST(Interpreter, DescribesTensorsOperatorsAndMemory) {
  const std::vector<uint8_t> bytes = testing::small_int8_model().serialize();
  Model model;
  ASSERT_TRUE(model.set_isa("ref").ok());
  ASSERT_TRUE(model.load_buffer(bytes.data(), bytes.size()).ok());
  qrun_tensor_info input;
  ASSERT_TRUE(model.input_info(0, &input).ok());
  EXPECT_EQ(input.type, QRUN_INT8);
  EXPECT_EQ(input.rank, 4);
  EXPECT_EQ(input.byte_size, 32u);
  EXPECT_FLOAT_EQ(input.scale, 0.05f);
  EXPECT_EQ(input.zero_point, -3);
  ASSERT_EQ(model.operator_count(), 3);
  qrun_operator_info op;
  ASSERT_TRUE(model.operator_info(0, &op).ok());
  EXPECT_STREQ(op.type, "CONV_2D");
  EXPECT_STREQ(op.kernel, "conv2d_qs8_reference");
  qrun_memory_info memory;
  ASSERT_TRUE(model.memory_info(&memory).ok());
  EXPECT_EQ(memory.weight_bytes, 54u + 12u + 192u + 16u);
  // input (32) and conv (48) are alive together, then conv and flat, then flat and logits: two
  // 64-byte slots suffice.
  EXPECT_EQ(memory.arena_bytes, 128u);
}

TEST(Interpreter, ObserverSeesTheInputAndEveryOutput) {
  const std::vector<uint8_t> bytes = testing::small_int8_model().serialize();
  Model model;
  ASSERT_TRUE(model.load_buffer(bytes.data(), bytes.size()).ok());
  std::vector<int> seen;
  ASSERT_TRUE(model
                  .set_observer(
                      [](void* user, int tensor, const qrun_tensor_info*, const void*) {
                        static_cast<std::vector<int>*>(user)->push_back(tensor);
                      },
                      &seen)
                  .ok());
  ASSERT_TRUE(model.run().ok());
  EXPECT_EQ(seen, (std::vector<int>{0, 3, 4, 7}));
}

TEST(Interpreter, FloatInputIsQuantizedWithTheInputsParameters) {
  const std::vector<uint8_t> bytes = testing::small_int8_model().serialize();
  Model a, b;
  ASSERT_TRUE(a.load_buffer(bytes.data(), bytes.size()).ok());
  ASSERT_TRUE(b.load_buffer(bytes.data(), bytes.size()).ok());
  const std::vector<int8_t> input = test_input();
  std::vector<float> real(input.size());
  for (size_t i = 0; i < input.size(); ++i) real[i] = 0.05f * static_cast<float>(input[i] + 3);
  ASSERT_TRUE(a.set_input(0, input.data(), input.size()).ok());
  ASSERT_TRUE(b.set_input_float(0, real).ok());
  ASSERT_TRUE(a.run().ok());
  ASSERT_TRUE(b.run().ok());
  std::vector<float> out_a(4), out_b(4);
  ASSERT_TRUE(a.get_output_float(0, &out_a).ok());
  ASSERT_TRUE(b.get_output_float(0, &out_b).ok());
  EXPECT_EQ(out_a, out_b);
}

TEST(Interpreter, WrongInputSizeIsAnErrorThatSaysWhatWasExpected) {
  const std::vector<uint8_t> bytes = testing::small_int8_model().serialize();
  Model model;
  ASSERT_TRUE(model.load_buffer(bytes.data(), bytes.size()).ok());
  std::vector<int8_t> input(31);
  const Status status = model.set_input(0, input.data(), input.size());
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "input 'input' [1,4,4,2] of int8 takes 32 bytes, got 31");
  EXPECT_FALSE(model.set_input(1, input.data(), 32).ok());
}

TEST(Interpreter, CallsBeforeLoadingFailCleanly) {
  Model model;
  EXPECT_FALSE(model.run().ok());
  EXPECT_EQ(model.input_count(), 0);
  EXPECT_EQ(model.run().message(), "no model is loaded");
  qrun_load_times times;
  EXPECT_EQ(model.load_times(&times).message(), "no model is loaded");
  EXPECT_EQ(model.isa(), "");
}

TEST(Interpreter, NamesTheInstructionSetAndTimesTheLoad) {
  const std::vector<uint8_t> bytes = testing::small_int8_model().serialize();
  Model model;
  ASSERT_TRUE(model.set_isa("ref").ok());
  ASSERT_TRUE(model.load_buffer(bytes.data(), bytes.size()).ok());
  EXPECT_EQ(model.isa(), "ref");
  qrun_load_times times{-1, -1, -1};
  ASSERT_TRUE(model.load_times(&times).ok());
  EXPECT_GE(times.map_ms, 0);
  EXPECT_GE(times.verify_ms, 0);
  EXPECT_GE(times.prepare_ms, 0);
  // The CPU's own best: the conv kernel's name ends with it (but on AVX-512 without VNNI, where
  // convolutions run the AVX2 GEMM).
  Model best;
  ASSERT_TRUE(best.load_buffer(bytes.data(), bytes.size()).ok());
  qrun_operator_info conv;
  ASSERT_TRUE(best.operator_info(0, &conv).ok());
  const std::string kernel = conv.kernel;
  const std::string isa = best.isa() == "ref" ? "reference" : best.isa();
  if (isa != "avx512") {
    EXPECT_EQ(kernel.substr(kernel.size() - isa.size()), isa) << kernel;
  }
}

}  // namespace
}  // namespace qrun
