#include "batch_matmul/batch_matmul.h"

namespace qrun::kernels {

void batch_matmul_qs8_reference(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p,
                                const int8_t* a, const int8_t* b, int8_t* out) {
  for (size_t batch = 0; batch < g.batch; ++batch) {
    const int8_t* a_rows = a + batch * g.m * g.k;
    const int8_t* b_rows = b + batch * g.k * g.n;
    for (size_t i = 0; i < g.m; ++i) {
      for (size_t j = 0; j < g.n; ++j) {
        int32_t acc = 0;
        for (size_t k = 0; k < g.k; ++k) {
          acc += (a_rows[i * g.k + k] - p.a_zero_point) * (b_rows[k * g.n + j] - p.b_zero_point);
        }
        out[(batch * g.m + i) * g.n + j] =
            requantize(acc, p.multiplier, p.output.zero_point, p.output.min, p.output.max);
      }
    }
  }
}

void batch_matmul_f32_reference(const BatchMatMulGeometry& g, F32Range range, const float* a,
                                const float* b, float* out) {
  for (size_t batch = 0; batch < g.batch; ++batch) {
    const float* a_rows = a + batch * g.m * g.k;
    const float* b_rows = b + batch * g.k * g.n;
    for (size_t i = 0; i < g.m; ++i) {
      for (size_t j = 0; j < g.n; ++j) {
        float acc = 0.0f;
        for (size_t k = 0; k < g.k; ++k) acc += a_rows[i * g.k + k] * b_rows[k * g.n + j];
        out[(batch * g.m + i) * g.n + j] = clamp_f32(acc, range);
      }
    }
  }
}

}  // namespace qrun::kernels
