// Slice of a tensor of rank <= 6 with elements of any size: output index i of axis d reads input
// index begin[d] + i * step[d]. Steps may be negative (a reversed axis); the caller has checked
// that every index read lies inside the input.
#pragma once

#include <cstddef>

namespace qrun::kernels {

constexpr int kMaxSliceRank = 6;

struct SliceGeometry {
  int rank = 0;
  size_t input_dims[kMaxSliceRank] = {};
  size_t output_dims[kMaxSliceRank] = {};
  ptrdiff_t begin[kMaxSliceRank] = {};
  ptrdiff_t step[kMaxSliceRank] = {};
  size_t element_size = 1;
};

using SliceFn = void (*)(const SliceGeometry&, const void* input, void* output);

void slice_reference(const SliceGeometry&, const void* input, void* output);
// One memcpy per output row; only where the innermost axis has step 1 (see the registry).
void slice_rows_portable(const SliceGeometry&, const void* input, void* output);

}  // namespace qrun::kernels
