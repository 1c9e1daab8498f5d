// BATCH_MATMUL with transpose_b, in models built here: b given as [.., N, K] gives the same bytes
// as a TRANSPOSE of it to [.., K, N] followed by BATCH_MATMUL, in int8 (the reference kernels and
// the best this CPU has) and in fp32, and a b whose shape does not multiply is refused with a
// message that names both shapes.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "qfb_test_model.h"
#include "qrun/qrun.hpp"

namespace qrun {
namespace {

struct Product {
  int batch = 1, m = 1, k = 1, n = 1;
  bool int8 = true;
  int a_zero_point = 0, b_zero_point = 0;
  // TRANSPOSE b to [batch, K, N], then BATCH_MATMUL; otherwise BATCH_MATMUL with transpose_b.
  bool transpose_first = false;
  // b's shape when not [batch, N, K]: one that does not multiply.
  std::vector<int> b_shape;

  // Inputs a [batch, M, K] and b; output y [batch, M, N].
  testing::TestModel Build() const {
    testing::TestModel model;
    auto activation = [&](const std::string& name, std::vector<int> shape, float scale,
                          int zero_point) {
      testing::TestTensor t{name, fb::TensorType::FLOAT32, std::move(shape), {}, {}, -1, {}};
      if (int8) t = {t.name, fb::TensorType::INT8, t.shape, {scale}, {zero_point}, -1, {}};
      return model.add_tensor(std::move(t));
    };
    const int a = activation("a", {batch, m, k}, 0.03f, a_zero_point);
    const int b = activation("b", b_shape.empty() ? std::vector<int>{batch, n, k} : b_shape, 0.02f,
                             b_zero_point);
    const int y = activation("y", {batch, m, n}, 0.25f, -7);
    int right = b;
    if (transpose_first) {
      right = activation("b_transposed", {batch, k, n}, 0.02f, b_zero_point);
      model.add_operator({fb::OperatorType::TRANSPOSE,
                          {b},
                          {right},
                          [](flatbuffers::FlatBufferBuilder& f) {
                            const std::vector<int32_t> perm = {0, 2, 1};
                            return std::make_pair(
                                fb::OperatorOptions::TransposeOptions,
                                fb::CreateTransposeOptionsDirect(f, &perm).Union());
                          },
                          {}});
    }
    const bool transpose_b = !transpose_first;
    model.add_operator({fb::OperatorType::BATCH_MATMUL,
                        {a, right},
                        {y},
                        [transpose_b](flatbuffers::FlatBufferBuilder& f) {
                          return std::make_pair(
                              fb::OperatorOptions::BatchMatMulOptions,
                              fb::CreateBatchMatMulOptions(f, 0, transpose_b).Union());
                        },
                        int8 ? std::vector<float>{0.03f * 0.02f / 0.25f} : std::vector<float>{}});
    model.set_inputs({a, b});
    model.set_outputs({y});
    return model;
  }

  // The output's bytes for inputs a and b (bytes of int8 or float elements), under `isa`.
  std::vector<uint8_t> Run(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b,
                           const std::string& isa) const {
    const std::vector<uint8_t> bytes = Build().serialize();
    Model model;
    EXPECT_TRUE(model.set_isa(isa).ok());
    const Status status = model.load_buffer(bytes.data(), bytes.size());
    EXPECT_TRUE(status.ok()) << status.message();
    EXPECT_TRUE(model.set_input(0, a.data(), a.size()).ok());
    EXPECT_TRUE(model.set_input(1, b.data(), b.size()).ok());
    EXPECT_TRUE(model.run().ok());
    std::vector<uint8_t> y(static_cast<size_t>(batch * m * n) * (int8 ? 1 : sizeof(float)));
    EXPECT_TRUE(model.get_output(0, y.data(), y.size()).ok());
    return y;
  }
};

std::vector<uint8_t> RandomElements(std::mt19937& random, size_t count, bool int8) {
  std::vector<uint8_t> bytes(count * (int8 ? 1 : sizeof(float)));
  if (int8) {
    for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(random() & 0xff);
    return bytes;
  }
  std::uniform_real_distribution<float> value(-2.0f, 2.0f);
  for (size_t i = 0; i < count; ++i) {
    const float x = value(random);
    std::memcpy(bytes.data() + i * sizeof(float), &x, sizeof(float));
  }
  return bytes;
}

TEST(BatchMatMulModel, TransposedBGivesTheBytesOfTransposeThenProduct) {
  std::mt19937 random(5);
  const int zero_points[] = {-128, 127, 0, 9};
  for (int trial = 0; trial < 12; ++trial) {
    Product p;
    p.batch = 1 + static_cast<int>(random() % 4);
    p.m = 1 + static_cast<int>(random() % 20);
    // Past the SIMD kernels' longest panel (512) now and then.
    p.k = 1 + static_cast<int>(random() % (trial % 4 == 0 ? 600 : 90));
    p.n = 1 + static_cast<int>(random() % 150);
    p.int8 = trial % 3 != 2;
    p.a_zero_point = zero_points[random() % 4];
    p.b_zero_point = zero_points[random() % 4];
    const std::vector<uint8_t> a =
        RandomElements(random, static_cast<size_t>(p.batch * p.m * p.k), p.int8);
    const std::vector<uint8_t> b =
        RandomElements(random, static_cast<size_t>(p.batch * p.n * p.k), p.int8);
    for (const std::string isa : {"ref", ""}) {
      Product transposed_first = p;
      transposed_first.transpose_first = true;
      EXPECT_EQ(p.Run(a, b, isa), transposed_first.Run(a, b, isa))
          << "trial " << trial << ", isa '" << isa << "', int8 " << p.int8 << ", batch " << p.batch
          << ", m " << p.m << ", k " << p.k << ", n " << p.n;
    }
  }
}

TEST(BatchMatMulModel, ABThatDoesNotMultiplyIsRefused) {
  Product p;
  p.batch = 2;
  p.m = 3;
  p.k = 4;
  p.n = 5;
  p.b_shape = {2, 4, 5};  // [batch, K, N]: right without transpose_b, wrong with it
  const std::vector<uint8_t> bytes = p.Build().serialize();
  Model model;
  const Status status = model.load_buffer(bytes.data(), bytes.size());
  EXPECT_EQ(status.message(),
            "<buffer>: operator 0 (BATCH_MATMUL 'op'): the inputs do not multiply: a [2,3,4] is "
            "[.., M, K], b [2,4,5] is [.., N, K] (transpose_b)");
}

}  // namespace
}  // namespace qrun
