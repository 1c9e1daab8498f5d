// The TRANSPOSE before a MatMul's right side folds into BATCH_MATMUL's transpose_b: removed when it
// swapped the last two axes only, reduced to a copy of whole rows when it also moved the leading
// axes (attention's K^T as PyTorch exports it), kept when something else reads it. The fp32 model
// must still compute ONNX's product.
#include <gtest/gtest.h>

#include "converter/onnx_importer.h"
#include "converter/passes.h"
#include "converter/qfb_writer.h"
#include "onnx_builder.h"

namespace qrun::converter {
namespace {

using testing::OnnxBuilder;

Graph Lowered(const OnnxBuilder& model) {
  Graph graph;
  Status status = ImportOnnxModel(model.serialize(), {}, &graph);
  EXPECT_TRUE(status.ok()) << status.message();
  status = RunGraphPasses(graph);
  EXPECT_TRUE(status.ok()) << status.message();
  return graph;
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

// out[b][i][j] = sum_k q[b][i][k] * k[b][j][k], both given as [batch, rows, depth]: Q K^T.
std::vector<float> ProductWithTransposed(const std::vector<float>& q, const std::vector<float>& k,
                                         int batch, int rows, int depth) {
  std::vector<float> out;
  for (int b = 0; b < batch; ++b) {
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < rows; ++j) {
        float sum = 0.0f;
        for (int d = 0; d < depth; ++d) {
          sum += q[(b * rows + i) * depth + d] * k[(b * rows + j) * depth + d];
        }
        out.push_back(sum);
      }
    }
  }
  return out;
}

void ExpectNear(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-5f) << i;
}

TEST(TransposeBFolding, SwapOfTheLastTwoAxesGoesIntoTheProduct) {
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{2, 5, 3}, {5, 3}}) {
    OnnxBuilder b;
    b.input("x", shape);
    OnnxBuilder::set_ints(
        b.node("Transpose", {"x"}, {"xt"}, "k_t"), "perm",
        shape.size() == 3 ? std::vector<int64_t>{0, 2, 1} : std::vector<int64_t>{1, 0});
    b.node("MatMul", {"x", "xt"}, {"y"}, "scores");
    b.output("y");
    const Graph graph = Lowered(b);
    ASSERT_EQ(OpTypes(graph), std::vector<std::string>{"BATCH_MATMUL"});
    EXPECT_EQ(graph.nodes[0].inputs, (std::vector<std::string>{"x", "x"}));
    EXPECT_EQ(graph.nodes[0].attribute_int("transpose_b", 0), 1);
    EXPECT_FALSE(graph.has_tensor("xt"));

    const int batch = shape.size() == 3 ? 2 : 1;
    const std::vector<float> x = testing::random_floats(batch * 15, -1.0f, 1.0f, 3);
    ExpectNear(RunFloat(graph, x), ProductWithTransposed(x, x, batch, 5, 3));
  }
}

// PyTorch's MultiheadAttention export: x [S, H, D] (a projection reshaped into heads); Q is
// Transpose (1, 0, 2) of it, K^T Transpose (1, 2, 0). K^T becomes the copy Q gets, [H, S, D].
TEST(TransposeBFolding, HeadTransposeOfKKeepsOnlyItsRowCopy) {
  OnnxBuilder b;
  b.input("x", {5, 2, 3});
  OnnxBuilder::set_ints(b.node("Transpose", {"x"}, {"q"}, "q_heads"), "perm", {1, 0, 2});
  OnnxBuilder::set_ints(b.node("Transpose", {"x"}, {"k_t"}, "k_heads"), "perm", {1, 2, 0});
  b.node("MatMul", {"q", "k_t"}, {"y"}, "scores");
  b.output("y");
  const Graph graph = Lowered(b);
  ASSERT_EQ(OpTypes(graph), (std::vector<std::string>{"TRANSPOSE", "TRANSPOSE", "BATCH_MATMUL"}));
  const Node& k_heads = graph.nodes[1];
  EXPECT_EQ(k_heads.name, "k_heads");
  EXPECT_EQ(k_heads.attribute_ints("perm"), (std::vector<int64_t>{1, 0, 2}));
  EXPECT_EQ(graph.tensor(k_heads.outputs[0]).shape, (std::vector<int64_t>{2, 5, 3}));
  EXPECT_EQ(graph.nodes[2].inputs[1], k_heads.outputs[0]);
  EXPECT_EQ(graph.nodes[2].attribute_int("transpose_b", 0), 1);

  const std::vector<float> x = testing::random_floats(30, -1.0f, 1.0f, 4);
  std::vector<float> heads;  // x as [H, S, D]
  for (int h = 0; h < 2; ++h) {
    for (int s = 0; s < 5; ++s) {
      for (int d = 0; d < 3; ++d) heads.push_back(x[(s * 2 + h) * 3 + d]);
    }
  }
  ExpectNear(RunFloat(graph, x), ProductWithTransposed(heads, heads, 2, 5, 3));
}

TEST(TransposeBFolding, TransposesThatOtherOpsReadOrThatKeepTheInnermostAxisStay) {
  // xt is also a graph output: it must be computed.
  OnnxBuilder read_twice;
  read_twice.input("x", {2, 5, 3});
  OnnxBuilder::set_ints(read_twice.node("Transpose", {"x"}, {"xt"}, "k_t"), "perm", {0, 2, 1});
  read_twice.node("MatMul", {"x", "xt"}, {"y"}, "scores");
  read_twice.output("y");
  read_twice.output("xt");
  const Graph both = Lowered(read_twice);
  ASSERT_EQ(OpTypes(both), (std::vector<std::string>{"TRANSPOSE", "BATCH_MATMUL"}));
  EXPECT_EQ(both.nodes[1].attribute_int("transpose_b", 0), 0);

  // A transpose of the batch axis only leaves K where it was: nothing to fold.
  OnnxBuilder batch_swap;
  batch_swap.input("x", {4, 4, 4});
  OnnxBuilder::set_ints(batch_swap.node("Transpose", {"x"}, {"xs"}, "swap"), "perm", {1, 0, 2});
  batch_swap.node("MatMul", {"x", "xs"}, {"y"}, "product");
  batch_swap.output("y");
  const Graph kept = Lowered(batch_swap);
  ASSERT_EQ(OpTypes(kept), (std::vector<std::string>{"TRANSPOSE", "BATCH_MATMUL"}));
  EXPECT_EQ(kept.nodes[1].attribute_int("transpose_b", 0), 0);
}

}  // namespace
}  // namespace qrun::converter
