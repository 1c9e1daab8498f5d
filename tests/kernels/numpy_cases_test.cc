// Reference kernels against expectations computed independently in NumPy
// (tests/kernels/numpy_cases/make_cases.py, from the ops' ONNX / PyTorch definitions and the
// arithmetic the kernel headers state). Each case folder holds .npy files and a params.txt of
// `key value` lines; the kernel must reproduce expected.npy bit for bit. A disagreement means the
// kernel or the NumPy side is wrong by the op's definition: find which, never bend either to fit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "add/add.h"
#include "conv2d/conv2d.h"
#include "fully_connected/fully_connected.h"
#include "npy.h"
#include "pooling/pool2d.h"
#include "softmax/softmax.h"

#ifndef QRUN_NUMPY_CASES_DIR
#error "QRUN_NUMPY_CASES_DIR must name the folder tests/kernels/numpy_cases"
#endif

namespace qrun::kernels {
namespace {

namespace fs = std::filesystem;
using tools::NpyArray;
using tools::NpyType;

const char* const kCasesDir = QRUN_NUMPY_CASES_DIR;

// Every op make_cases.py writes cases for; each must have at least one.
const std::set<std::string> kOps = {
    "conv2d_qs8", "fully_connected_qs8", "average_pool2d_qs8", "max_pool2d_s8",
    "add_qs8",    "softmax_qs8"};

// The case folders (those holding a params.txt), sorted; empty if the folder is missing.
std::vector<std::string> case_names() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(kCasesDir, error)) {
    if (entry.is_directory() && fs::exists(entry.path() / "params.txt")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A failure to read a case is thrown and reported by GoogleTest as the test's failure.
[[noreturn]] void fail(const std::string& message) {
  throw std::runtime_error(message);
}

class Case {
 public:
  explicit Case(const std::string& name) : dir_(fs::path(kCasesDir) / name) {
    const fs::path path = dir_ / "params.txt";
    std::ifstream file(path);
    if (!file) fail(path.string() + ": cannot open");
    std::string line;
    while (std::getline(file, line)) {
      std::istringstream fields(line);
      std::string key, value;
      if (!(fields >> key) || key[0] == '#') continue;
      if (!(fields >> value)) fail(path.string() + ": key '" + key + "' has no value");
      params_[key] = value;
    }
  }

  const std::string& text(const std::string& key) const {
    const auto it = params_.find(key);
    if (it == params_.end()) fail((dir_ / "params.txt").string() + ": no key '" + key + "'");
    return it->second;
  }

  int integer(const std::string& key) const {
    const std::string& value = text(key);
    char* end = nullptr;
    const long long parsed = std::strtoll(value.c_str(), &end, 10);
    if (*end != '\0' || parsed < INT32_MIN || parsed > INT32_MAX) {
      fail((dir_ / "params.txt").string() + ": '" + key + "' is not an int32: " + value);
    }
    return static_cast<int>(parsed);
  }

  // Written by make_cases.py as the exact decimal of a float32, so strtof gives it back.
  float real(const std::string& key) const {
    const std::string& value = text(key);
    char* end = nullptr;
    const float parsed = std::strtof(value.c_str(), &end);
    if (*end != '\0') fail((dir_ / "params.txt").string() + ": '" + key + "' is not a number");
    return parsed;
  }

  // The elements of `<name>.npy`, which must hold exactly T; its shape into *shape.
  template <typename T>
  std::vector<T> array(const std::string& name, std::vector<int64_t>* shape = nullptr) const {
    const std::string path = (dir_ / (name + ".npy")).string();
    NpyArray npy;
    const Status status = tools::read_npy(path, &npy);
    if (!status.ok()) fail(status.message());
    if (npy.type != npy_type<T>()) fail(path + ": unexpected element type");
    std::vector<T> elements(npy.element_count());
    if (npy.data.size() != elements.size() * sizeof(T)) fail(path + ": size mismatch");
    if (!elements.empty()) std::memcpy(elements.data(), npy.data.data(), npy.data.size());
    if (shape != nullptr) *shape = npy.shape;
    return elements;
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  template <typename T>
  static NpyType npy_type() {
    static_assert(std::is_same_v<T, int8_t> || std::is_same_v<T, int32_t> ||
                  std::is_same_v<T, float>);
    if constexpr (std::is_same_v<T, int8_t>) {
      return NpyType::kInt8;
    } else if constexpr (std::is_same_v<T, int32_t>) {
      return NpyType::kInt32;
    } else {
      return NpyType::kFloat32;
    }
  }

  fs::path dir_;
  std::map<std::string, std::string> params_;
};

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

void expect_shape(const std::vector<int64_t>& actual, const std::vector<int64_t>& expected,
                  const std::string& what) {
  if (actual != expected) {
    fail(what + " has shape " + shape_text(actual) + ", params.txt implies " +
         shape_text(expected));
  }
}

// The multi-index of a flat C-order index, for messages.
std::string index_text(size_t flat, const std::vector<int64_t>& shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = static_cast<int64_t>(flat % static_cast<size_t>(shape[d]));
    flat /= static_cast<size_t>(shape[d]);
  }
  return shape_text(index);
}

// EXPECT_EQ per element; the first few mismatches are reported with their index, then a count.
void expect_bit_identical(const std::vector<int8_t>& actual, const std::vector<int8_t>& expected,
                          const std::vector<int64_t>& shape, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  size_t mismatches = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (actual[i] == expected[i]) continue;
    if (++mismatches <= 5) {
      EXPECT_EQ(static_cast<int>(actual[i]), static_cast<int>(expected[i]))
          << what << ": " << (mismatches == 1 ? "first " : "") << "mismatch at flat index " << i
          << ", index " << index_text(i, shape) << " of " << shape_text(shape)
          << " (kernel, then NumPy)";
    }
  }
  EXPECT_EQ(mismatches, 0u) << what << ": " << mismatches << " of " << actual.size()
                            << " elements differ from expected.npy";
}

Qs8Output output_params(const Case& c) {
  return {c.integer("output_zero_point"), c.integer("output_min"), c.integer("output_max")};
}

void run_conv2d(const Case& c) {
  Conv2dGeometry g;
  g.batch = c.integer("batch");
  g.input_height = c.integer("input_height");
  g.input_width = c.integer("input_width");
  g.input_channels = c.integer("input_channels");
  g.output_height = c.integer("output_height");
  g.output_width = c.integer("output_width");
  g.output_channels = c.integer("output_channels");
  g.kernel_height = c.integer("kernel_height");
  g.kernel_width = c.integer("kernel_width");
  g.stride_height = c.integer("stride_height");
  g.stride_width = c.integer("stride_width");
  g.dilation_height = c.integer("dilation_height");
  g.dilation_width = c.integer("dilation_width");
  g.pad_top = c.integer("pad_top");
  g.pad_left = c.integer("pad_left");
  g.groups = c.integer("groups");

  std::vector<int64_t> input_shape, weights_shape, bias_shape, multipliers_shape, expected_shape;
  const auto input = c.array<int8_t>("input", &input_shape);
  const auto weights = c.array<int8_t>("weights", &weights_shape);
  const auto bias = c.array<int32_t>("bias", &bias_shape);
  const auto multipliers = c.array<float>("multipliers", &multipliers_shape);
  const auto expected = c.array<int8_t>("expected", &expected_shape);
  expect_shape(input_shape, {g.batch, g.input_height, g.input_width, g.input_channels}, "input");
  expect_shape(weights_shape,
               {g.output_channels, g.kernel_height, g.kernel_width, g.input_channels_per_group()},
               "weights (OHWI)");
  expect_shape(bias_shape, {g.output_channels}, "bias");
  expect_shape(multipliers_shape, {g.output_channels}, "multipliers");
  expect_shape(expected_shape, {g.batch, g.output_height, g.output_width, g.output_channels},
               "expected");

  const Conv2dQs8Params params{c.integer("input_zero_point"), multipliers.data(), output_params(c)};
  const Conv2dQs8Weights w{weights.data(), bias.data(), nullptr};
  std::vector<int8_t> output(expected.size(), int8_t{0x55});
  const size_t channels = static_cast<size_t>(g.output_channels);
  conv2d_qs8_reference(g, params, w, input.data(), output.data(),
                       {0, g.output_rows(), 0, channels});
  expect_bit_identical(output, expected, expected_shape, "conv2d_qs8_reference, all rows");

  // The same rows handed out one at a time, last first, as threads may: same bits.
  std::vector<int8_t> by_rows(expected.size(), int8_t{-0x56});
  for (size_t row = g.output_rows(); row-- > 0;) {
    conv2d_qs8_reference(g, params, w, input.data(), by_rows.data(), {row, row + 1, 0, channels});
  }
  expect_bit_identical(by_rows, expected, expected_shape, "conv2d_qs8_reference, row by row");
}

void run_fully_connected(const Case& c) {
  FullyConnectedGeometry g;
  g.batch = c.integer("batch");
  g.input_channels = c.integer("input_channels");
  g.output_channels = c.integer("output_channels");
  std::vector<int64_t> input_shape, weights_shape, bias_shape, multipliers_shape, expected_shape;
  const auto input = c.array<int8_t>("input", &input_shape);
  const auto weights = c.array<int8_t>("weights", &weights_shape);
  const auto bias = c.array<int32_t>("bias", &bias_shape);
  const auto multipliers = c.array<float>("multipliers", &multipliers_shape);
  const auto expected = c.array<int8_t>("expected", &expected_shape);
  expect_shape(input_shape, {g.batch, g.input_channels}, "input");
  expect_shape(weights_shape, {g.output_channels, g.input_channels}, "weights (OI)");
  expect_shape(bias_shape, {g.output_channels}, "bias");
  expect_shape(multipliers_shape, {g.output_channels}, "multipliers");
  expect_shape(expected_shape, {g.batch, g.output_channels}, "expected");

  const FullyConnectedQs8Params params{c.integer("input_zero_point"), multipliers.data(),
                                       output_params(c)};
  const FullyConnectedQs8Weights w{weights.data(), bias.data(), nullptr};
  std::vector<int8_t> output(expected.size(), int8_t{0x55});
  fully_connected_qs8_reference(g, params, w, input.data(), output.data(), 0,
                                static_cast<size_t>(g.output_channels));
  expect_bit_identical(output, expected, expected_shape,
                       "fully_connected_qs8_reference, all channels");

  std::vector<int8_t> by_channels(expected.size(), int8_t{-0x56});
  for (size_t channel = static_cast<size_t>(g.output_channels); channel-- > 0;) {
    fully_connected_qs8_reference(g, params, w, input.data(), by_channels.data(), channel,
                                  channel + 1);
  }
  expect_bit_identical(by_channels, expected, expected_shape,
                       "fully_connected_qs8_reference, channel by channel");
}

Pool2dGeometry pool_geometry(const Case& c) {
  Pool2dGeometry g;
  g.batch = c.integer("batch");
  g.input_height = c.integer("input_height");
  g.input_width = c.integer("input_width");
  g.channels = c.integer("channels");
  g.output_height = c.integer("output_height");
  g.output_width = c.integer("output_width");
  g.kernel_height = c.integer("kernel_height");
  g.kernel_width = c.integer("kernel_width");
  g.stride_height = c.integer("stride_height");
  g.stride_width = c.integer("stride_width");
  g.pad_top = c.integer("pad_top");
  g.pad_left = c.integer("pad_left");
  return g;
}

void run_average_pool(const Case& c) {
  Pool2dGeometry g = pool_geometry(c);
  g.count_include_pad = c.integer("count_include_pad") != 0;
  std::vector<int64_t> input_shape, expected_shape;
  const auto input = c.array<int8_t>("input", &input_shape);
  const auto expected = c.array<int8_t>("expected", &expected_shape);
  expect_shape(input_shape, {g.batch, g.input_height, g.input_width, g.channels}, "input");
  expect_shape(expected_shape, {g.batch, g.output_height, g.output_width, g.channels}, "expected");
  const AveragePoolQs8Params params{c.integer("input_zero_point"), c.real("multiplier"),
                                    output_params(c)};
  std::vector<int8_t> output(expected.size(), int8_t{0x55});
  average_pool2d_qs8_reference(g, params, input.data(), output.data());
  expect_bit_identical(output, expected, expected_shape, "average_pool2d_qs8_reference");
}

void run_max_pool(const Case& c) {
  const Pool2dGeometry g = pool_geometry(c);
  std::vector<int64_t> input_shape, expected_shape;
  const auto input = c.array<int8_t>("input", &input_shape);
  const auto expected = c.array<int8_t>("expected", &expected_shape);
  expect_shape(input_shape, {g.batch, g.input_height, g.input_width, g.channels}, "input");
  expect_shape(expected_shape, {g.batch, g.output_height, g.output_width, g.channels}, "expected");
  std::vector<int8_t> output(expected.size(), int8_t{0x55});
  max_pool2d_s8_reference(g, c.integer("output_min"), c.integer("output_max"), input.data(),
                          output.data());
  expect_bit_identical(output, expected, expected_shape, "max_pool2d_s8_reference");
}

// NumPy broadcasting of a and b (shapes from their files), padded on the left to rank 4.
BroadcastGeometry broadcast_geometry(std::vector<int64_t> a, std::vector<int64_t> b,
                                     const std::vector<int64_t>& expected) {
  if (a.size() > kMaxBroadcastRank || b.size() > kMaxBroadcastRank) fail("rank above 4");
  a.insert(a.begin(), kMaxBroadcastRank - a.size(), 1);
  b.insert(b.begin(), kMaxBroadcastRank - b.size(), 1);
  BroadcastGeometry g;
  std::vector<int64_t> out(kMaxBroadcastRank);
  size_t a_stride = 1, b_stride = 1;
  for (int d = kMaxBroadcastRank - 1; d >= 0; --d) {
    if (a[d] != b[d] && a[d] != 1 && b[d] != 1) {
      fail("a " + shape_text(a) + " and b " + shape_text(b) + " do not broadcast");
    }
    out[d] = std::max(a[d], b[d]);
    g.output_dims[d] = static_cast<size_t>(out[d]);
    g.a_strides[d] = a[d] == 1 ? 0 : a_stride;
    g.b_strides[d] = b[d] == 1 ? 0 : b_stride;
    a_stride *= static_cast<size_t>(a[d]);
    b_stride *= static_cast<size_t>(b[d]);
  }
  std::vector<int64_t> padded_expected = expected;
  padded_expected.insert(padded_expected.begin(), kMaxBroadcastRank - expected.size(), 1);
  expect_shape(padded_expected, out, "expected (padded to rank 4)");
  return g;
}

void run_add(const Case& c) {
  std::vector<int64_t> a_shape, b_shape, expected_shape;
  const auto a = c.array<int8_t>("a", &a_shape);
  const auto b = c.array<int8_t>("b", &b_shape);
  const auto expected = c.array<int8_t>("expected", &expected_shape);
  const BroadcastGeometry g = broadcast_geometry(a_shape, b_shape, expected_shape);
  const AddQs8Params params{c.integer("a_zero_point"), c.integer("b_zero_point"),
                            c.real("a_multiplier"), c.real("b_multiplier"), output_params(c)};
  std::vector<int8_t> output(expected.size(), int8_t{0x55});
  add_qs8_reference(g, params, a.data(), b.data(), output.data());
  expect_bit_identical(output, expected, expected_shape, "add_qs8_reference");
}

void run_softmax(const Case& c) {
  const int rows = c.integer("rows");
  const int length = c.integer("length");
  std::vector<int64_t> input_shape, table_shape, expected_shape;
  const auto input = c.array<int8_t>("input", &input_shape);
  const auto table = c.array<int32_t>("exp_table", &table_shape);
  const auto expected = c.array<int8_t>("expected", &expected_shape);
  expect_shape(input_shape, {rows, length}, "input");
  expect_shape(table_shape, {kSoftmaxTableSize}, "exp_table");
  expect_shape(expected_shape, {rows, length}, "expected");
  std::vector<int8_t> output(expected.size(), int8_t{0x55});
  softmax_qs8_reference(static_cast<size_t>(rows), static_cast<size_t>(length), table.data(),
                        input.data(), output.data());
  expect_bit_identical(output, expected, expected_shape, "softmax_qs8_reference");
}

TEST(NumpyCases, FolderHoldsCasesForEveryOp) {
  const std::vector<std::string> names = case_names();
  ASSERT_FALSE(names.empty()) << "no case folders in " << kCasesDir
                              << " (run tests/kernels/numpy_cases/make_cases.py)";
  std::set<std::string> ops;
  for (const std::string& name : names) ops.insert(Case(name).text("op"));
  for (const std::string& op : kOps) EXPECT_EQ(ops.count(op), 1u) << "no case for " << op;
  for (const std::string& op : ops) EXPECT_EQ(kOps.count(op), 1u) << "unknown op " << op;
}

class NumpyCase : public ::testing::TestWithParam<std::string> {};

TEST_P(NumpyCase, ReferenceKernelIsBitIdentical) {
  const Case c(GetParam());
  const std::string& op = c.text("op");
  SCOPED_TRACE("case " + c.path("") + " (" + op + ")");
  if (op == "conv2d_qs8") {
    run_conv2d(c);
  } else if (op == "fully_connected_qs8") {
    run_fully_connected(c);
  } else if (op == "average_pool2d_qs8") {
    run_average_pool(c);
  } else if (op == "max_pool2d_s8") {
    run_max_pool(c);
  } else if (op == "add_qs8") {
    run_add(c);
  } else if (op == "softmax_qs8") {
    run_softmax(c);
  } else {
    FAIL() << "unknown op '" << op << "'";
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, NumpyCase, ::testing::ValuesIn(case_names()), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NumpyCase);  // FolderHoldsCasesForEveryOp fails

}  // namespace
}  // namespace qrun::kernels
