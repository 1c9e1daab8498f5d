// Padding of a tensor of rank <= 6 with elements of any size: axis d grows by before[d] elements
// in front and after[d] behind. kConstant writes `value` (one element) there, kReflect mirrors the
// input around its first and last element without repeating them (numpy's "reflect"; the caller
// has checked before[d], after[d] < dim), kEdge repeats the first and last element.
#pragma once

#include <cstddef>

namespace qrun::kernels {

constexpr int kMaxPadRank = 6;

enum class PadMode { kConstant, kReflect, kEdge };

struct PadGeometry {
  int rank = 0;
  size_t input_dims[kMaxPadRank] = {};
  size_t before[kMaxPadRank] = {};
  size_t after[kMaxPadRank] = {};
  PadMode mode = PadMode::kConstant;
  size_t element_size = 1;
};

// The input index that output index `at` of an axis of length `dim` reads; -1 for the constant.
// Plain C++, shared by the reference and the portable kernel.
inline ptrdiff_t pad_source_index(PadMode mode, ptrdiff_t at, ptrdiff_t dim) {
  if (at >= 0 && at < dim) return at;
  switch (mode) {
    case PadMode::kConstant: return -1;
    case PadMode::kEdge: return at < 0 ? 0 : dim - 1;
    case PadMode::kReflect: return at < 0 ? -at : 2 * (dim - 1) - at;
  }
  return -1;
}

using PadFn = void (*)(const PadGeometry&, const void* value, const void* input, void* output);

void pad_reference(const PadGeometry&, const void* value, const void* input, void* output);
// A row of the innermost axis at a time, its input part with one memcpy; any geometry.
void pad_rows_portable(const PadGeometry&, const void* value, const void* input, void* output);

}  // namespace qrun::kernels
