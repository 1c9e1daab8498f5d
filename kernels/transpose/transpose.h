// Transpose of a tensor of rank <= 6 with elements of any size: output dimension d is input
// dimension perm[d]. The converter uses it for ONNX Transpose and where an NHWC tensor must be
// seen in NCHW order.
#pragma once

#include <cstddef>

namespace qrun::kernels {

constexpr int kMaxTransposeRank = 6;

struct TransposeGeometry {
  int rank = 0;
  size_t input_dims[kMaxTransposeRank] = {1, 1, 1, 1, 1, 1};
  int perm[kMaxTransposeRank] = {0, 1, 2, 3, 4, 5};
  size_t element_size = 1;
};

using TransposeFn = void (*)(const TransposeGeometry&, const void* input, void* output);

void transpose_reference(const TransposeGeometry&, const void* input, void* output);
// One memcpy per output row; only where the innermost axis stays in place (see the registry).
void transpose_rows_portable(const TransposeGeometry&, const void* input, void* output);
// Tiles of the plane of the two innermost axes (input's and output's), where the innermost axis
// moves; elements of 1, 2, 4 or 8 bytes (see the registry).
void transpose_tiles_portable(const TransposeGeometry&, const void* input, void* output);

}  // namespace qrun::kernels
