// A TRANSPOSE read only by a BATCH_MATMUL, as its right side b, that puts its input's innermost
// axis at b's reduction axis (the second last) folds into the product, which then reads b as
// [.., N, K] (transpose_b): attention's K^T. A TRANSPOSE that swapped the last two axes and nothing
// else goes; any other keeps the rest of its permutation, with the innermost axis now in place,
// which moves whole rows where it moved single bytes (PyTorch's export writes K^T as one
// Transpose (1, 2, 0) of [S, H, D]: it becomes (1, 0, 2), the copy that Q and V get too).
// BATCH_MATMUL takes b only at rank 2 or 3, so the permutation is never one the NHWC lowering
// composed with the layout change.
#include <algorithm>

#include "converter/passes.h"

namespace qrun::converter {

Status FoldTransposesIntoBatchMatMuls(Graph& graph) {
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (graph.nodes[i].op != "BATCH_MATMUL" ||
        graph.nodes[i].attribute_int("transpose_b", 0) != 0) {
      continue;
    }
    const std::string b = graph.nodes[i].inputs[1];
    const int producer = graph.producer_index(b);
    if (producer < 0 || graph.nodes[producer].op != "TRANSPOSE" || graph.consumer_count(b) != 1 ||
        graph.is_graph_output(b)) {
      continue;
    }
    std::vector<int64_t> perm = graph.nodes[producer].attribute_ints("perm");
    const size_t rank = perm.size();
    const int64_t innermost = static_cast<int64_t>(rank) - 1;
    if (rank < 2 || rank != graph.tensor(b).shape.size() || perm[rank - 2] != innermost) continue;
    std::swap(perm[rank - 2], perm[rank - 1]);
    graph.nodes[i].set_attribute_int("transpose_b", 1);
    bool identity = true;
    for (size_t d = 0; d < rank; ++d) identity = identity && perm[d] == static_cast<int64_t>(d);
    if (identity) {
      graph.nodes[i].inputs[1] = graph.nodes[producer].inputs[0];
      graph.nodes.erase(graph.nodes.begin() + producer);
      --i;
    } else {
      graph.nodes[producer].set_attribute_ints("perm", perm);
      std::vector<int64_t>& shape = graph.tensor(b).shape;
      std::swap(shape[rank - 2], shape[rank - 1]);
    }
  }
  graph.remove_unused_tensors();
  return Status::Ok();
}

}  // namespace qrun::converter
