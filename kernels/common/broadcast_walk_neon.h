// The broadcast walk of the int8 binary kernels on NEON (AArch64 and ARMv7): 16 lanes at a time
// along the innermost dimension, where each input is either contiguous or a single broadcast
// value. The last vector of a row overlaps the one before (recomputing the same values) rather
// than read past the rows, which have no slack; a row shorter than 16 is read lane by lane.
//
// Included only by ARM kernel files; in an unnamed namespace (see requantize_neon.h).
#pragma once

#include <arm_neon.h>

#include "common/broadcast_rows.h"
#include "common/requantize_neon.h"

namespace qrun::kernels {
namespace {

// `count` elements from `p`, or one broadcast value if stride is 0.
inline int8x16_t neon_load_lanes(const int8_t* p, size_t stride, int count) {
  return stride == 0 ? vdupq_n_s8(*p) : neon_load_bytes(p, count);
}

// Covers a row of `inner` elements 16 at a time: `step(start, count)` for each vector, where the
// last one starts 16 before the row's end (overlapping the one before) and a row shorter than 16
// is one step of `inner` lanes.
template <typename Step>
void neon_row_steps(size_t inner, const Step& step) {
  for (size_t i = 0; i < inner; i += 16) {
    step(inner >= 16 && inner - i < 16 ? inner - 16 : i, inner < 16 ? static_cast<int>(inner) : 16);
  }
}

// `lanes(x, y)` takes sixteen lanes of each input and returns the sixteen output bytes.
template <typename Lanes>
void neon_broadcast_walk(const BroadcastGeometry& g, const int8_t* a, const int8_t* b,
                         int8_t* output, const Lanes& lanes) {
  const size_t inner = g.output_dims[3];
  for_each_broadcast_row(
      g, a, b, output, [&](const int8_t* a_row, const int8_t* b_row, int8_t* out_row) {
        neon_row_steps(inner, [&](size_t start, int count) {
          const int8x16_t x =
              neon_load_lanes(a_row + start * g.a_strides[3], g.a_strides[3], count);
          const int8x16_t y =
              neon_load_lanes(b_row + start * g.b_strides[3], g.b_strides[3], count);
          neon_store_bytes(out_row + start, lanes(x, y), count);
        });
      });
}

}  // namespace
}  // namespace qrun::kernels
