// Int8 BatchMatMul on AArch64 NEON with the dot product: tiles of 4 rows of `a` x 16 columns of
// `b` (16 accumulators of four int32), the reduction four values at a time (sdot, signed by
// signed, so neither operand needs a shift). With S = sum a * b,
//   sum (a - za) * (b - zb) = S - zb * sum a - za * sum b + za * zb * K,
// the row sums of a taken per row, the column sums of b per panel. The int32 arithmetic wraps,
// but the result is the reference's exact sum, which the loader bounds to int32.
//
// `b` is an activation, so it cannot be packed at load time: each panel of 16 of its columns is
// interleaved into sdot's [k / 4][column][4] order on the stack (kBatchMatMulMaxPanelK rows at
// most; longer reductions go to the portable kernel), then reused by every row tile. A b given
// transposed ([n][k]) already holds each column's four k values of a quad as one 32-bit word, so
// its panel is a transpose of 4 x 4 blocks of words.
// Requantization follows the reference step by step: float(acc) * m, clamp, round half to even,
// add the zero point.
#include <arm_neon.h>

#include <cstring>

#include "batch_matmul/batch_matmul.h"
#include "common/requantize_neon.h"

namespace qrun::kernels {
namespace {

constexpr size_t kPanelColumns = 16;
constexpr int kVectors = 4;
constexpr int kTileRows = 4;

// Interleaves `columns` (<= 16) columns of b's rows [0, k) into panel[k / 4][16][4], zero past k
// and past the columns, and returns each column's sum of b in `column_sums`.
void pack_panel(const int8_t* b, size_t k, size_t n, size_t columns, int8_t* panel,
                int32x4_t (&column_sums)[kVectors]) {
  const int8x16_t ones = vdupq_n_s8(1);
  for (int v = 0; v < kVectors; ++v) column_sums[v] = vdupq_n_s32(0);
  for (size_t row = 0; row < k; row += 4) {
    int8x16_t r[4];
    for (size_t t = 0; t < 4; ++t) {
      r[t] = row + t < k ? neon_load_bytes(b + (row + t) * n, static_cast<int>(columns))
                         : vdupq_n_s8(0);
    }
    // Rows 0-3 of each column side by side: bytes, then pairs of bytes.
    const int16x8_t t0 = vreinterpretq_s16_s8(vzip1q_s8(r[0], r[1]));
    const int16x8_t t1 = vreinterpretq_s16_s8(vzip2q_s8(r[0], r[1]));
    const int16x8_t t2 = vreinterpretq_s16_s8(vzip1q_s8(r[2], r[3]));
    const int16x8_t t3 = vreinterpretq_s16_s8(vzip2q_s8(r[2], r[3]));
    const int8x16_t out[kVectors] = {
        vreinterpretq_s8_s16(vzip1q_s16(t0, t2)), vreinterpretq_s8_s16(vzip2q_s16(t0, t2)),
        vreinterpretq_s8_s16(vzip1q_s16(t1, t3)), vreinterpretq_s8_s16(vzip2q_s16(t1, t3))};
    for (int v = 0; v < kVectors; ++v) {
      vst1q_s8(panel + (row / 4 * kVectors + static_cast<size_t>(v)) * 16, out[v]);
      column_sums[v] = vdotq_s32(column_sums[v], ones, out[v]);
    }
  }
}

// pack_panel for b given as [n][k]: `columns` (<= 16) rows of k values from `b`, one per column
// of the product. Each block of 4 columns x 4 quads is loaded row by row and transposed.
void pack_transposed_panel(const int8_t* b, size_t k, size_t columns, int8_t* panel,
                           int32x4_t (&column_sums)[kVectors]) {
  const int8x16_t ones = vdupq_n_s8(1);
  for (int v = 0; v < kVectors; ++v) column_sums[v] = vdupq_n_s32(0);
  for (size_t k0 = 0; k0 < k; k0 += 16) {
    const int count = k - k0 < 16 ? static_cast<int>(k - k0) : 16;
    for (int v = 0; v < kVectors; ++v) {
      int32x4_t r[4];
      for (size_t c = 0; c < 4; ++c) {
        const size_t column = 4 * static_cast<size_t>(v) + c;
        r[c] = column < columns ? vreinterpretq_s32_s8(neon_load_bytes(b + column * k + k0, count))
                                : vdupq_n_s32(0);
      }
      // Words 0 and 2, 1 and 3 of two rows side by side, then the halves of those exchanged.
      const int64x2_t t0 = vreinterpretq_s64_s32(vtrn1q_s32(r[0], r[1]));
      const int64x2_t t1 = vreinterpretq_s64_s32(vtrn2q_s32(r[0], r[1]));
      const int64x2_t t2 = vreinterpretq_s64_s32(vtrn1q_s32(r[2], r[3]));
      const int64x2_t t3 = vreinterpretq_s64_s32(vtrn2q_s32(r[2], r[3]));
      const int8x16_t out[4] = {
          vreinterpretq_s8_s64(vtrn1q_s64(t0, t2)), vreinterpretq_s8_s64(vtrn1q_s64(t1, t3)),
          vreinterpretq_s8_s64(vtrn2q_s64(t0, t2)), vreinterpretq_s8_s64(vtrn2q_s64(t1, t3))};
      // Quads past k are whole zero words; k <= kBatchMatMulMaxPanelK keeps them in the panel.
      for (size_t q = 0; q < 4; ++q) {
        vst1q_s8(panel + ((k0 / 4 + q) * kVectors + static_cast<size_t>(v)) * 16, out[q]);
        column_sums[v] = vdotq_s32(column_sums[v], ones, out[q]);
      }
    }
  }
}

int32_t row_sum(const int8_t* row, size_t k) {
  const int8x16_t ones = vdupq_n_s8(1);
  int32x4_t sums = vdupq_n_s32(0);
  for (size_t i = 0; i < k; i += 16) {
    const int count = k - i < 16 ? static_cast<int>(k - i) : 16;
    sums = vdotq_s32(sums, neon_load_bytes(row + i, count), ones);
  }
  return vaddvq_s32(sums);
}

template <int Rows>
void tile(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p, const int8_t* a,
          const int8_t* panel, const int32x4_t (&panel_bias)[kVectors], int8_t* out,
          size_t columns) {
  int32x4_t acc[Rows][kVectors];
  for (int r = 0; r < Rows; ++r) {
    // The row's term, -zb * sum a, with the panel's column terms.
    const uint32_t row_term = 0u - static_cast<uint32_t>(p.b_zero_point) *
                                       static_cast<uint32_t>(row_sum(a + r * g.k, g.k));
    const int32x4_t row_vector = vdupq_n_s32(static_cast<int32_t>(row_term));
    for (int v = 0; v < kVectors; ++v) acc[r][v] = vaddq_s32(panel_bias[v], row_vector);
  }
  const size_t quads = (g.k + 3) / 4;
  for (size_t q = 0; q < quads; ++q) {
    int8x16_t w[kVectors];
    for (int v = 0; v < kVectors; ++v) w[v] = vld1q_s8(panel + (q * kVectors + v) * 16);
    for (int r = 0; r < Rows; ++r) {
      int32_t quad;
      // The last quad may read up to three bytes past the row (into the next row or the
      // tensor's slack): they meet the panel's zero rows.
      std::memcpy(&quad, a + r * g.k + 4 * q, 4);
      const int8x16_t x = vreinterpretq_s8_s32(vdupq_n_s32(quad));
      for (int v = 0; v < kVectors; ++v) acc[r][v] = vdotq_s32(acc[r][v], w[v], x);
    }
  }
  const NeonRequantization requantize(p.output);
  const float32x4_t multiplier = vdupq_n_f32(p.multiplier);
  for (int r = 0; r < Rows; ++r) {
    const int8x16_t bytes =
        neon_narrow(requantize(acc[r][0], multiplier), requantize(acc[r][1], multiplier),
                    requantize(acc[r][2], multiplier), requantize(acc[r][3], multiplier));
    neon_store_bytes(out + r * g.n, bytes, static_cast<int>(columns));
  }
}

}  // namespace

void batch_matmul_qs8_4x16c4_neondot(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p,
                                     const int8_t* a, const int8_t* b, int8_t* out) {
  if (g.k > kBatchMatMulMaxPanelK) {
    // The panel would not fit the stack.
    batch_matmul_qs8_rows_portable(g, p, a, b, out);
    return;
  }
  alignas(16) int8_t panel[kBatchMatMulMaxPanelK * kPanelColumns];
  // za * zb * K, wrapping as the kernel's int32 sums do.
  const uint32_t constant = static_cast<uint32_t>(p.a_zero_point) *
                            static_cast<uint32_t>(p.b_zero_point) * static_cast<uint32_t>(g.k);
  for (size_t batch = 0; batch < g.batch; ++batch) {
    const int8_t* a_rows = a + batch * g.m * g.k;
    const int8_t* b_rows = b + batch * g.k * g.n;
    int8_t* out_rows = out + batch * g.m * g.n;
    for (size_t j = 0; j < g.n; j += kPanelColumns) {
      const size_t columns = g.n - j < kPanelColumns ? g.n - j : kPanelColumns;
      int32x4_t panel_bias[kVectors];
      if (g.transpose_b) {
        pack_transposed_panel(b_rows + j * g.k, g.k, columns, panel, panel_bias);
      } else {
        pack_panel(b_rows + j, g.k, g.n, columns, panel, panel_bias);
      }
      for (int v = 0; v < kVectors; ++v) {
        panel_bias[v] = vaddq_s32(vdupq_n_s32(static_cast<int32_t>(constant)),
                                  vmulq_n_s32(panel_bias[v], -p.a_zero_point));
      }
      size_t i = 0;
      for (; i + kTileRows <= g.m; i += kTileRows) {
        tile<kTileRows>(g, p, a_rows + i * g.k, panel, panel_bias, out_rows + i * g.n + j, columns);
      }
      const int8_t* a_tail = a_rows + i * g.k;
      int8_t* out_tail = out_rows + i * g.n + j;
      switch (g.m - i) {
        case 3: tile<3>(g, p, a_tail, panel, panel_bias, out_tail, columns); break;
        case 2: tile<2>(g, p, a_tail, panel, panel_bias, out_tail, columns); break;
        case 1: tile<1>(g, p, a_tail, panel, panel_bias, out_tail, columns); break;
        default: break;
      }
    }
  }
}

}  // namespace qrun::kernels
