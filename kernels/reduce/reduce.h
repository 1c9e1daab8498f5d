// Reductions (mean, sum, max, min) of a tensor over any set of its axes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/requantize.h"

namespace qrun::kernels {

constexpr int kMaxReduceRank = 8;

// The input's dimensions and which of them are reduced. The output holds the kept dimensions in
// their order, so it is the same whether the reduced ones are kept as 1 or dropped.
struct ReduceGeometry {
  int rank = 0;
  size_t dims[kMaxReduceRank] = {};
  bool reduced[kMaxReduceRank] = {};

  size_t reduced_count() const {
    size_t count = 1;
    for (int d = 0; d < rank; ++d) count *= reduced[d] ? dims[d] : 1;
    return count;
  }
};

enum class ReduceFunction { kMean, kSum, kMaximum, kMinimum };

// acc is the int32 sum of x - x_zp over the reduced elements (Mean, Sum) or their max / min;
// Sum, Maximum and Minimum give requantize(float(acc) * multiplier), Mean
// requantize(float(acc) * (multiplier / float(count))). The caller keeps count * 255 within int32.
struct ReduceQs8Params {
  ReduceFunction function = ReduceFunction::kMean;
  int32_t input_zero_point = 0;
  float multiplier = 1.0f;  // s_in / s_out
  Qs8Output output;
};

using ReduceQs8Fn = void (*)(const ReduceGeometry&, const ReduceQs8Params&, const int8_t* input,
                             int8_t* output);
// Float: the sum in the input's element order, Mean dividing it by the count at the end.
using ReduceF32Fn = void (*)(const ReduceGeometry&, ReduceFunction, const float* input,
                             float* output);

void reduce_qs8_reference(const ReduceGeometry&, const ReduceQs8Params&, const int8_t* input,
                          int8_t* output);
// Portable C++, vectorized by the compiler: reductions that fold to [outer kept] x [reduced] x
// [inner kept] (reduce_qs8_portable_serves), which covers the last axis, NHWC's spatial axes and
// everything; others are left to the reference.
bool reduce_qs8_portable_serves(const ReduceGeometry&);
void reduce_qs8_portable(const ReduceGeometry&, const ReduceQs8Params&, const int8_t* input,
                         int8_t* output);
void reduce_f32_reference(const ReduceGeometry&, ReduceFunction, const float* input, float* output);

}  // namespace qrun::kernels
