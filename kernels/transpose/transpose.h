// Transpose of a tensor of rank <= 4 with elements of any size: output dimension d is input
// dimension perm[d]. The converter uses it where an NHWC tensor must be seen in NCHW order.
#pragma once

#include <cstddef>

namespace qrun::kernels {

constexpr int kMaxTransposeRank = 4;

struct TransposeGeometry {
  int rank = 0;
  size_t input_dims[kMaxTransposeRank] = {1, 1, 1, 1};
  int perm[kMaxTransposeRank] = {0, 1, 2, 3};
  size_t element_size = 1;
};

using TransposeFn = void (*)(const TransposeGeometry&, const void* input, void* output);

void transpose_reference(const TransposeGeometry&, const void* input, void* output);
// Plain C++ for any CPU: size-1 dimensions dropped and in-order neighbours merged first, then
// contiguous runs copied whole where the innermost dimension stays innermost.
void transpose_runs_portable(const TransposeGeometry&, const void* input, void* output);

}  // namespace qrun::kernels
