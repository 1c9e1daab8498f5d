// The walk the reduce definitions share: for each output element in order, every input element
// that reduces into it.
#pragma once

#include "reduce/reduce.h"

namespace qrun::kernels {

// Calls `reduce(first, next)` once per output element: `first(offset)` starts it with the input
// element at `offset`, `next(offset)` folds in each further one; the result goes to output[i].
template <typename Element, typename Start, typename Fold, typename Finish>
void reduce_reference_walk(const ReduceGeometry& g, const Element* input, Element* output,
                           Start start, Fold fold, Finish finish) {
  size_t strides[kMaxReduceRank];
  size_t stride = 1;
  for (int d = g.rank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= g.dims[d];
  }
  if (stride == 0) return;
  int kept[kMaxReduceRank], reduced[kMaxReduceRank];
  int kept_rank = 0, reduced_rank = 0;
  for (int d = 0; d < g.rank; ++d) {
    if (g.reduced[d]) {
      reduced[reduced_rank++] = d;
    } else {
      kept[kept_rank++] = d;
    }
  }
  // Odometers over the kept and the reduced axes, the last axis fastest.
  size_t kept_index[kMaxReduceRank] = {};
  for (;;) {
    size_t base = 0;
    for (int k = 0; k < kept_rank; ++k) base += kept_index[k] * strides[kept[k]];
    auto acc = start(input[base]);
    size_t reduced_index[kMaxReduceRank] = {};
    for (;;) {
      int r = reduced_rank - 1;
      while (r >= 0 && ++reduced_index[r] == g.dims[reduced[r]]) reduced_index[r--] = 0;
      if (r < 0) break;
      size_t offset = base;
      for (int k = 0; k < reduced_rank; ++k) offset += reduced_index[k] * strides[reduced[k]];
      acc = fold(acc, input[offset]);
    }
    *output++ = finish(acc);
    int k = kept_rank - 1;
    while (k >= 0 && ++kept_index[k] == g.dims[kept[k]]) kept_index[k--] = 0;
    if (k < 0) break;
  }
}

}  // namespace qrun::kernels
