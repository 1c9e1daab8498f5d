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

using PadFn = void (*)(const PadGeometry&, const void* value, const void* input, void* output);

void pad_reference(const PadGeometry&, const void* value, const void* input, void* output);
// A row of the innermost axis at a time, its input part with one memcpy; any geometry.
void pad_rows_portable(const PadGeometry&, const void* value, const void* input, void* output);

}  // namespace qrun::kernels
