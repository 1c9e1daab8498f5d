// Where a pooling window lies along one axis, for the SIMD pooling kernels.
//
// In an unnamed namespace: each kernel file keeps its own copy, built with its own instruction set
// (an inline function shared between files with different flags could be linked in its most
// demanding version).
#pragma once

namespace qrun::kernels {
namespace {

// The input positions the window of output position `index` covers: it starts at `first` (before
// the input where it starts in the padding), and its positions inside the input are
// [begin, end).
struct PoolSpan {
  int first;
  int begin;
  int end;
};

inline PoolSpan pool_span(int index, int stride, int pad, int kernel, int input_extent) {
  const int first = index * stride - pad;
  return {first, first < 0 ? 0 : first,
          first + kernel > input_extent ? input_extent : first + kernel};
}

}  // namespace
}  // namespace qrun::kernels
