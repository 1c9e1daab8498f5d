// Int8 BatchMatMul in plain C++ for any CPU: the reference's sums in another order. For each row
// of `a`, a strip of int32 accumulators (one per column of the strip) takes every k's
// (a[i][k] - za) times the contiguous row b[k] (- zb), a loop the compiler vectorizes with the
// baseline instruction set (SSE2, NEON), where the reference walks b down its columns. A b given
// transposed has each column of the product as a contiguous row: every output is then a dot
// product of two contiguous rows, four rows of b at a time, with the zero points applied through
// row sums afterwards. Integer sums do not depend on their order, and each one is requantized by
// the reference's requantize().
#include "batch_matmul/batch_matmul.h"

namespace qrun::kernels {
namespace {

constexpr size_t kStripColumns = 256;

// sum (a - za) * (b - zb) from S = sum a * b and the rows' sums:
//   S - zb * sum a - za * sum b + za * zb * K,
// in wrapping uint32 arithmetic, whose result is the reference's exact sum.
int32_t centred_sum(int32_t products, int32_t a_sum, int32_t b_sum, size_t k,
                    const BatchMatMulQs8Params& p) {
  const uint32_t za = static_cast<uint32_t>(p.a_zero_point);
  const uint32_t zb = static_cast<uint32_t>(p.b_zero_point);
  return static_cast<int32_t>(static_cast<uint32_t>(products) - zb * static_cast<uint32_t>(a_sum) -
                              za * static_cast<uint32_t>(b_sum) +
                              za * zb * static_cast<uint32_t>(k));
}

int32_t row_sum(const int8_t* row, size_t k) {
  int32_t sum = 0;
  for (size_t i = 0; i < k; ++i) sum += row[i];
  return sum;
}

// b given as [n][k]: Rows rows of b (columns of the product) against every row of a, their sums
// taken once. The products of raw int8 values fit int16, a reduction the compiler turns into
// pairwise multiply-adds (pmaddwd, smlal), and a row of a is loaded once for all Rows.
template <size_t Rows>
void rows_by_rows(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p, const int8_t* a,
                  const int8_t* b, int8_t* out) {
  int32_t b_sums[Rows];
  for (size_t r = 0; r < Rows; ++r) b_sums[r] = row_sum(b + r * g.k, g.k);
  for (size_t i = 0; i < g.m; ++i) {
    const int8_t* a_row = a + i * g.k;
    int32_t products[Rows] = {};
    int32_t a_sum = 0;
    for (size_t k = 0; k < g.k; ++k) {
      a_sum += a_row[k];
      for (size_t r = 0; r < Rows; ++r) {
        products[r] += static_cast<int16_t>(a_row[k] * b[r * g.k + k]);
      }
    }
    for (size_t r = 0; r < Rows; ++r) {
      out[i * g.n + r] = requantize(centred_sum(products[r], a_sum, b_sums[r], g.k, p),
                                    p.multiplier, p.output.zero_point, p.output.min, p.output.max);
    }
  }
}

void transposed_b(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p, const int8_t* a,
                  const int8_t* b, int8_t* out) {
  for (size_t batch = 0; batch < g.batch; ++batch) {
    const int8_t* a_rows = a + batch * g.m * g.k;
    const int8_t* b_rows = b + batch * g.n * g.k;
    int8_t* out_rows = out + batch * g.m * g.n;
    size_t j = 0;
    for (; j + 4 <= g.n; j += 4) rows_by_rows<4>(g, p, a_rows, b_rows + j * g.k, out_rows + j);
    for (; j < g.n; ++j) rows_by_rows<1>(g, p, a_rows, b_rows + j * g.k, out_rows + j);
  }
}

}  // namespace

void batch_matmul_qs8_rows_portable(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p,
                                    const int8_t* a, const int8_t* b, int8_t* out) {
  if (g.transpose_b) {
    transposed_b(g, p, a, b, out);
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
