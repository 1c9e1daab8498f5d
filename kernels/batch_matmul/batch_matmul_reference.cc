#include "batch_matmul/batch_matmul.h"

namespace qrun::kernels {
namespace {

// The loop both definitions share: they differ in element types, the zero points subtracted and
// how an accumulator becomes an output.
template <typename Element, typename Accumulator, typename Finish>
void batch_matmul_rows(const BatchMatMulGeometry& g, const Element* a, const Element* b,
                       Accumulator a_zero_point, Accumulator b_zero_point, Element* out,
                       Finish finish) {
  // Where b[k][j] of the product lies: b is [k][n], or [n][k] when given transposed.
  const size_t b_k_stride = g.transpose_b ? 1 : g.n;
  const size_t b_n_stride = g.transpose_b ? g.k : 1;
  for (size_t batch = 0; batch < g.batch; ++batch) {
    const Element* a_rows = a + batch * g.m * g.k;
    const Element* b_rows = b + batch * g.k * g.n;
    for (size_t i = 0; i < g.m; ++i) {
      for (size_t j = 0; j < g.n; ++j) {
        Accumulator acc = 0;
        for (size_t k = 0; k < g.k; ++k) {
          acc += (static_cast<Accumulator>(a_rows[i * g.k + k]) - a_zero_point) *
                 (static_cast<Accumulator>(b_rows[k * b_k_stride + j * b_n_stride]) - b_zero_point);
        }
        out[(batch * g.m + i) * g.n + j] = finish(acc);
      }
    }
  }
}

}  // namespace

void batch_matmul_qs8_reference(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p,
                                const int8_t* a, const int8_t* b, int8_t* out) {
  batch_matmul_rows<int8_t, int32_t>(
      g, a, b, p.a_zero_point, p.b_zero_point, out, [&p](int32_t acc) {
        return requantize(acc, p.multiplier, p.output.zero_point, p.output.min, p.output.max);
      });
}

void batch_matmul_f32_reference(const BatchMatMulGeometry& g, F32Range range, const float* a,
                                const float* b, float* out) {
  batch_matmul_rows<float, float>(g, a, b, 0.0f, 0.0f, out,
                                  [range](float acc) { return clamp_f32(acc, range); });
}

}  // namespace qrun::kernels
