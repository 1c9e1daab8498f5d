// Gather along one axis with elements of any size. The input is seen as [outer, axis_dim, inner]
// (inner in bytes); for each outer block the output holds the rows the indices name, in order.
// The caller has checked that every index lies in [0, axis_dim).
#pragma once

#include <cstddef>
#include <cstdint>

namespace qrun::kernels {

struct GatherGeometry {
  size_t outer = 1;
  size_t axis_dim = 1;
  size_t inner_bytes = 0;
  size_t index_count = 0;
};

using GatherFn = void (*)(const GatherGeometry&, const int32_t* indices, const void* input,
                          void* output);

void gather_reference(const GatherGeometry&, const int32_t* indices, const void* input,
                      void* output);

}  // namespace qrun::kernels
