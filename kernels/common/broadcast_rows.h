// The rows of a broadcast binary walk over add.h's BroadcastGeometry: the three outer dimensions,
// each row of the innermost one handed to `row` with where it starts in each input and in the
// output. The SIMD kernels of Add, Mul, PReLU and the other binary ops differ only in how they
// cover a row.
//
// In an unnamed namespace like the other common/ headers, so that each kernel file keeps a copy
// built with its own instruction set.
#pragma once

#include <cstddef>

#include "add/add.h"

namespace qrun::kernels {
namespace {

template <typename A, typename B, typename Out, typename Row>
void for_each_broadcast_row(const BroadcastGeometry& g, const A* a, const B* b, Out* output,
                            const Row& row) {
  const size_t* d = g.output_dims;
  for (size_t i0 = 0; i0 < d[0]; ++i0) {
    for (size_t i1 = 0; i1 < d[1]; ++i1) {
      for (size_t i2 = 0; i2 < d[2]; ++i2) {
        row(a + i0 * g.a_strides[0] + i1 * g.a_strides[1] + i2 * g.a_strides[2],
            b + i0 * g.b_strides[0] + i1 * g.b_strides[1] + i2 * g.b_strides[2], output);
        output += d[3];
      }
    }
  }
}

}  // namespace
}  // namespace qrun::kernels
