// Int8 reductions in plain C++ that the compiler vectorizes for the CPU's baseline: the same
// integer results as the reference's walk, element by element, in another order (integer sums,
// maxima and minima do not depend on it).
//
// Neighbouring axes that are both kept or both reduced are one axis as far as the walk goes, and
// axes of extent 1 are either. Folded so, almost every reduction a model makes is
// [outer kept] x [reduced] x [inner kept]: over the last axis (inner 1), over the spatial axes of
// NHWC (the channels inner), over everything (outer and inner 1). Each output row of `inner`
// elements then takes the reduced rows in turn, contiguous runs of bytes: the sums of the raw
// bytes, or their maxima or minima, which the zero point shifts once at the end (x - zp is
// monotonic in x, and the sum of x - zp is the sum of x less count x zp). Geometries that do not
// fold that far are not served (the registry sends them to the reference).
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "reduce/reduce.h"

namespace qrun::kernels {
namespace {

// The reduction folded to [outer] x [reduced] x [inner].
struct FoldedReduce {
  size_t outer = 1, reduced = 1, inner = 1;
};

bool fold(const ReduceGeometry& g, FoldedReduce* f) {
  // 0: still in the outer kept axes; 1: in the reduced ones; 2: in the inner kept ones.
  int part = 0;
  for (int d = 0; d < g.rank; ++d) {
    if (g.dims[d] == 1) continue;
    if (g.reduced[d]) {
      if (part == 2) return false;
      part = 1;
      f->reduced *= g.dims[d];
    } else if (part == 0) {
      f->outer *= g.dims[d];
    } else {
      part = 2;
      f->inner *= g.dims[d];
    }
  }
  return true;
}

// Extrema are taken over the bytes with their sign bit flipped (x + 128 as an unsigned byte,
// which orders them as their signed values): baseline x86-64 (SSE2) has unsigned byte maxima and
// minima, but not signed ones, so this is what the compiler can vectorize everywhere.
uint8_t flipped(int8_t x) {
  return static_cast<uint8_t>(x) ^ 0x80;
}
int32_t unflipped(uint8_t u) {
  return static_cast<int8_t>(u ^ 0x80);
}

// The sum, maximum or minimum of `count` contiguous bytes (count >= 1).
int32_t reduce_run(ReduceFunction function, const int8_t* x, size_t count) {
  if (function == ReduceFunction::kMaximum) {
    uint8_t best = 0;
    for (size_t i = 0; i < count; ++i) best = std::max(best, flipped(x[i]));
    return unflipped(best);
  }
  if (function == ReduceFunction::kMinimum) {
    uint8_t best = 255;
    for (size_t i = 0; i < count; ++i) best = std::min(best, flipped(x[i]));
    return unflipped(best);
  }
  int32_t sum = 0;
  for (size_t i = 0; i < count; ++i) sum += x[i];
  return sum;
}

// Output rows are taken this many elements at a time, their accumulators on the stack.
constexpr size_t kChunk = 256;

}  // namespace

bool reduce_qs8_portable_serves(const ReduceGeometry& g) {
  FoldedReduce f;
  return fold(g, &f);
}

void reduce_qs8_portable(const ReduceGeometry& g, const ReduceQs8Params& p, const int8_t* input,
                         int8_t* output) {
  FoldedReduce f;
  if (!fold(g, &f)) return;
  for (int d = 0; d < g.rank; ++d) {
    if (g.dims[d] == 0) return;
  }
  const ReduceFunction function = p.function;
  const bool extremum =
      function == ReduceFunction::kMaximum || function == ReduceFunction::kMinimum;
  const float multiplier = function == ReduceFunction::kMean
                               ? p.multiplier / static_cast<float>(g.reduced_count())
                               : p.multiplier;
  // The shift that turns a sum of raw bytes (or an extremum) into the reference's accumulator.
  const int64_t shift =
      static_cast<int64_t>(p.input_zero_point) * (extremum ? 1 : static_cast<int64_t>(f.reduced));
  const size_t row_bytes = f.reduced * f.inner;
  for (size_t o = 0; o < f.outer; ++o) {
    const int8_t* rows = input + o * row_bytes;
    for (size_t first = 0; first < f.inner; first += kChunk) {
      const size_t count = std::min(kChunk, f.inner - first);
      int32_t acc[kChunk];
      if (f.inner == 1) {
        // One output per run of `reduced` bytes: a horizontal reduction.
        acc[0] = reduce_run(function, rows, f.reduced);
      } else if (extremum) {
        uint8_t best[kChunk];
        for (size_t i = 0; i < count; ++i) best[i] = flipped(rows[first + i]);
        for (size_t r = 1; r < f.reduced; ++r) {
          const int8_t* row = rows + r * f.inner + first;
          if (function == ReduceFunction::kMaximum) {
            for (size_t i = 0; i < count; ++i) best[i] = std::max(best[i], flipped(row[i]));
          } else {
            for (size_t i = 0; i < count; ++i) best[i] = std::min(best[i], flipped(row[i]));
          }
        }
        for (size_t i = 0; i < count; ++i) acc[i] = unflipped(best[i]);
      } else {
        std::fill(acc, acc + count, 0);
        for (size_t r = 0; r < f.reduced; ++r) {
          const int8_t* row = rows + r * f.inner + first;
          for (size_t i = 0; i < count; ++i) acc[i] += row[i];
        }
      }
      int8_t* out = output + o * f.inner + first;
      for (size_t i = 0; i < count; ++i) {
        out[i] = requantize(static_cast<int32_t>(acc[i] - shift), multiplier, p.output.zero_point,
                            p.output.min, p.output.max);
      }
    }
  }
}

}  // namespace qrun::kernels
