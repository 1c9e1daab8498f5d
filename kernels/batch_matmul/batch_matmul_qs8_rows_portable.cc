// Int8 BatchMatMul in plain C++ for any CPU: the reference's sums in another order. For each row
// of `a`, a strip of int32 accumulators (one per column of the strip) takes every k's
// (a[i][k] - za) times the contiguous row b[k] (- zb), a loop the compiler vectorizes with the
// baseline instruction set (SSE2, NEON), where the reference walks b down its columns. A b given
// transposed has each column of the product as a contiguous row: every output is then one dot
// product of two contiguous rows, a reduction the compiler vectorizes as well. Integer sums do not
// depend on their order, and each one is requantized by the reference's requantize().
#include "batch_matmul/batch_matmul.h"

namespace qrun::kernels {
namespace {

constexpr size_t kStripColumns = 256;

// b given as [n][k]: row i of a against each row j of b.
void rows_by_rows(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p, const int8_t* a,
                  const int8_t* b, int8_t* out) {
  for (size_t batch = 0; batch < g.batch; ++batch) {
    const int8_t* a_rows = a + batch * g.m * g.k;
    const int8_t* b_rows = b + batch * g.n * g.k;
    int8_t* out_rows = out + batch * g.m * g.n;
    for (size_t i = 0; i < g.m; ++i) {
      const int8_t* a_row = a_rows + i * g.k;
      for (size_t j = 0; j < g.n; ++j) {
        const int8_t* b_row = b_rows + j * g.k;
        int32_t acc = 0;
        for (size_t k = 0; k < g.k; ++k) {
          acc += (a_row[k] - p.a_zero_point) * (b_row[k] - p.b_zero_point);
        }
        out_rows[i * g.n + j] =
            requantize(acc, p.multiplier, p.output.zero_point, p.output.min, p.output.max);
      }
    }
  }
}

}  // namespace

void batch_matmul_qs8_rows_portable(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p,
                                    const int8_t* a, const int8_t* b, int8_t* out) {
  if (g.transpose_b) {
    rows_by_rows(g, p, a, b, out);
    return;
  }
  int32_t acc[kStripColumns];
  for (size_t batch = 0; batch < g.batch; ++batch) {
    const int8_t* a_rows = a + batch * g.m * g.k;
    const int8_t* b_rows = b + batch * g.k * g.n;
    int8_t* out_rows = out + batch * g.m * g.n;
    for (size_t i = 0; i < g.m; ++i) {
      for (size_t j0 = 0; j0 < g.n; j0 += kStripColumns) {
        const size_t columns = g.n - j0 < kStripColumns ? g.n - j0 : kStripColumns;
        for (size_t j = 0; j < columns; ++j) acc[j] = 0;
        for (size_t k = 0; k < g.k; ++k) {
          const int32_t x = a_rows[i * g.k + k] - p.a_zero_point;
          const int8_t* b_row = b_rows + k * g.n + j0;
          for (size_t j = 0; j < columns; ++j) acc[j] += x * (b_row[j] - p.b_zero_point);
        }
        for (size_t j = 0; j < columns; ++j) {
          out_rows[i * g.n + j0 + j] =
              requantize(acc[j], p.multiplier, p.output.zero_point, p.output.min, p.output.max);
        }
      }
    }
  }
}

}  // namespace qrun::kernels
