// Int8 BatchMatMul on x86 AVX512-VNNI: tiles of 6 rows of `a` x 64 columns of `b` (24 zmm
// accumulators), the reduction four values at a time (vpdpbusd).
//
// `b` is an activation, so it cannot be packed at load time: each panel of 64 of its columns is
// interleaved into vpdpbusd's [k / 4][column][4] order on the stack (kBatchMatMulMaxPanelK rows
// at most; longer reductions go to the portable kernel) and then reused by every row tile. A b
// given transposed ([n][k]) already holds each column's four k values of a quad as one 32-bit
// word, so its panel is a transpose of 16 x 16 blocks of words. vpdpbusd
// multiplies unsigned by signed bytes: `a` is made unsigned by flipping its sign bit (u = a + 128),
// and, with S = sum u * b,
//   sum (a - za) * (b - zb) = S - zb * sum u - (128 + za) * sum b + (128 + za) * zb * K,
// the row sums of u taken per row, the column sums of b per panel. The int32 arithmetic wraps,
// but the result is the reference's exact sum, which the loader bounds to int32. Requantization
// follows the reference step by step: float(acc) * m, clamp, round half to even, add the zero
// point. The products go through dpbusd_in_place, which keeps the accumulators in registers.
#include <immintrin.h>

#include <cstring>

#include "batch_matmul/batch_matmul.h"
#include "common/dpbusd_in_place.h"

namespace qrun::kernels {
namespace {

constexpr size_t kPanelColumns = 64;
constexpr int kVectors = static_cast<int>(kPanelColumns / 16);
constexpr int kTileRows = 6;

__mmask64 first_bytes(size_t count) {
  return count >= 64 ? ~__mmask64{0} : (__mmask64{1} << count) - 1;
}

// Interleaves `columns` (<= 64) columns of b's rows [0, k) into panel[k / 4][64][4], zero past k
// and past the columns, and returns each column's sum of b in `column_sums`.
void pack_panel(const int8_t* b, size_t k, size_t n, size_t columns, uint8_t* panel,
                __m512i (&column_sums)[kVectors]) {
  const __mmask64 mask = first_bytes(columns);
  const __m512i ones = _mm512_set1_epi8(1);
  for (int v = 0; v < kVectors; ++v) column_sums[v] = _mm512_setzero_si512();
  for (size_t row = 0; row < k; row += 4) {
    __m512i r[4];
    for (size_t t = 0; t < 4; ++t) {
      r[t] =
          row + t < k ? _mm512_maskz_loadu_epi8(mask, b + (row + t) * n) : _mm512_setzero_si512();
    }
    // Bytes of rows 0-3 side by side: q[v] holds, in each 128-bit lane L, columns 16L + 4v ..
    // 16L + 4v + 3, four bytes each.
    const __m512i t0 = _mm512_unpacklo_epi8(r[0], r[1]);
    const __m512i t1 = _mm512_unpackhi_epi8(r[0], r[1]);
    const __m512i t2 = _mm512_unpacklo_epi8(r[2], r[3]);
    const __m512i t3 = _mm512_unpackhi_epi8(r[2], r[3]);
    const __m512i q0 = _mm512_unpacklo_epi16(t0, t2);
    const __m512i q1 = _mm512_unpackhi_epi16(t0, t2);
    const __m512i q2 = _mm512_unpacklo_epi16(t1, t3);
    const __m512i q3 = _mm512_unpackhi_epi16(t1, t3);
    // A 4x4 transpose of 128-bit lanes puts columns 16v .. 16v + 15 in vector v.
    const __m512i a0 = _mm512_shuffle_i32x4(q0, q1, 0x44);
    const __m512i a1 = _mm512_shuffle_i32x4(q0, q1, 0xEE);
    const __m512i a2 = _mm512_shuffle_i32x4(q2, q3, 0x44);
    const __m512i a3 = _mm512_shuffle_i32x4(q2, q3, 0xEE);
    const __m512i out[kVectors] = {
        _mm512_shuffle_i32x4(a0, a2, 0x88), _mm512_shuffle_i32x4(a0, a2, 0xDD),
        _mm512_shuffle_i32x4(a1, a3, 0x88), _mm512_shuffle_i32x4(a1, a3, 0xDD)};
    for (int v = 0; v < kVectors; ++v) {
      _mm512_store_si512(panel + (row / 4 * kVectors + v) * 64, out[v]);
      column_sums[v] = _mm512_dpbusd_epi32(column_sums[v], ones, out[v]);
    }
  }
}

// The 16 x 16 transpose of 32-bit words: word c of rows[r] goes to word r of rows[c].
void transpose_words_16x16(__m512i (&rows)[16]) {
  // Words 0-1 and 2-3 of each 128-bit lane, of rows 2i and 2i + 1 side by side.
  __m512i pairs[16];
  for (int i = 0; i < 8; ++i) {
    pairs[2 * i] = _mm512_unpacklo_epi32(rows[2 * i], rows[2 * i + 1]);
    pairs[2 * i + 1] = _mm512_unpackhi_epi32(rows[2 * i], rows[2 * i + 1]);
  }
  // quads[4i + c] holds, in lane L, word 4L + c of rows 4i .. 4i + 3.
  __m512i quads[16];
  for (int i = 0; i < 4; ++i) {
    quads[4 * i] = _mm512_unpacklo_epi64(pairs[4 * i], pairs[4 * i + 2]);
    quads[4 * i + 1] = _mm512_unpackhi_epi64(pairs[4 * i], pairs[4 * i + 2]);
    quads[4 * i + 2] = _mm512_unpacklo_epi64(pairs[4 * i + 1], pairs[4 * i + 3]);
    quads[4 * i + 3] = _mm512_unpackhi_epi64(pairs[4 * i + 1], pairs[4 * i + 3]);
  }
  // A 4 x 4 transpose of 128-bit lanes: word 4L + c of every row comes from lane L of
  // quads[c], quads[4 + c], quads[8 + c], quads[12 + c].
  for (int c = 0; c < 4; ++c) {
    const __m512i x0 = _mm512_shuffle_i32x4(quads[c], quads[4 + c], 0x44);
    const __m512i x1 = _mm512_shuffle_i32x4(quads[c], quads[4 + c], 0xEE);
    const __m512i x2 = _mm512_shuffle_i32x4(quads[8 + c], quads[12 + c], 0x44);
    const __m512i x3 = _mm512_shuffle_i32x4(quads[8 + c], quads[12 + c], 0xEE);
    rows[c] = _mm512_shuffle_i32x4(x0, x2, 0x88);
    rows[4 + c] = _mm512_shuffle_i32x4(x0, x2, 0xDD);
    rows[8 + c] = _mm512_shuffle_i32x4(x1, x3, 0x88);
    rows[12 + c] = _mm512_shuffle_i32x4(x1, x3, 0xDD);
  }
}

// pack_panel for b given as [n][k]: `columns` (<= 64) rows of k values from `b`, one per column
// of the product. Each block of 16 columns x 16 quads is loaded row by row and transposed.
void pack_transposed_panel(const int8_t* b, size_t k, size_t columns, uint8_t* panel,
                           __m512i (&column_sums)[kVectors]) {
  const __m512i ones = _mm512_set1_epi8(1);
  for (int v = 0; v < kVectors; ++v) column_sums[v] = _mm512_setzero_si512();
  for (size_t k0 = 0; k0 < k; k0 += 64) {
    const __mmask64 mask = first_bytes(k - k0);
    // The quads this block fills: up to 16, none past k.
    const size_t quads = (k - k0 + 3) / 4 < 16 ? (k - k0 + 3) / 4 : 16;
    for (int v = 0; v < kVectors; ++v) {
      __m512i block[16];
      for (size_t c = 0; c < 16; ++c) {
        const size_t column = 16 * static_cast<size_t>(v) + c;
        block[c] = column < columns ? _mm512_maskz_loadu_epi8(mask, b + column * k + k0)
                                    : _mm512_setzero_si512();
      }
      transpose_words_16x16(block);
      for (size_t q = 0; q < quads; ++q) {
        _mm512_store_si512(panel + ((k0 / 4 + q) * kVectors + static_cast<size_t>(v)) * 64,
                           block[q]);
        column_sums[v] = _mm512_dpbusd_epi32(column_sums[v], ones, block[q]);
      }
    }
  }
}

// sum over the row of (a + 128), as unsigned bytes.
int32_t unsigned_row_sum(const int8_t* row, size_t k) {
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i sums = _mm512_setzero_si512();
  for (size_t i = 0; i < k; i += 64) {
    const __mmask64 mask = first_bytes(k - i);
    // Masked-off bytes would flip to 128: zero them after the flip.
    const __m512i u = _mm512_maskz_mov_epi8(
        mask, _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, row + i), sign_flip));
    sums = _mm512_add_epi64(sums, _mm512_sad_epu8(u, _mm512_setzero_si512()));
  }
  return static_cast<int32_t>(_mm512_reduce_add_epi64(sums));
}

template <int Rows>
void tile(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p, const int8_t* a,
          const uint8_t* panel, const __m512i (&panel_bias)[kVectors], int8_t* out,
          size_t columns) {
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  // Loops over the accumulators are unrolled whole, so that GCC keeps each in a register of its
  // own instead of an array on the stack.
  __m512i acc[Rows][kVectors];
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r) {
    // The row's term, -zb * sum u, with the panel's column terms.
    const uint32_t row_term = 0u - static_cast<uint32_t>(p.b_zero_point) *
                                       static_cast<uint32_t>(unsigned_row_sum(a + r * g.k, g.k));
    const __m512i row_vector = _mm512_set1_epi32(static_cast<int32_t>(row_term));
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm512_add_epi32(panel_bias[v], row_vector);
  }
  const size_t quads = (g.k + 3) / 4;
  for (size_t q = 0; q < quads; ++q) {
    __m512i w[kVectors];
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) w[v] = _mm512_load_si512(panel + (q * kVectors + v) * 64);
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r) {
      int32_t quad;
      // The last quad may read up to three bytes past the row (into the next row or the
      // tensor's slack): they meet the panel's zero rows.
      std::memcpy(&quad, a + r * g.k + 4 * q, 4);
      const __m512i x = _mm512_xor_si512(_mm512_set1_epi32(quad), sign_flip);
#pragma GCC unroll 4
      for (int v = 0; v < kVectors; ++v) dpbusd_in_place(acc[r][v], x, w[v]);
    }
  }
  const __m512 multiplier = _mm512_set1_ps(p.multiplier);
  const __m512 low = _mm512_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m512 high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m512i zero_point = _mm512_set1_epi32(p.output.zero_point);
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) {
      if (16 * static_cast<size_t>(v) >= columns) break;
      const size_t left = columns - 16 * static_cast<size_t>(v);
      const __mmask16 mask =
          left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1);
      __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[r][v]), multiplier);
      scaled = _mm512_min_ps(_mm512_max_ps(scaled, low), high);
      const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(scaled), zero_point);
      _mm_mask_storeu_epi8(out + r * g.n + 16 * v, mask, _mm512_cvtsepi32_epi8(q));
    }
  }
}

}  // namespace

void batch_matmul_qs8_6x64c4_avx512vnni(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p,
                                        const int8_t* a, const int8_t* b, int8_t* out) {
  if (g.k > kBatchMatMulMaxPanelK) {
    // The panel would not fit the stack.
    batch_matmul_qs8_rows_portable(g, p, a, b, out);
    return;
  }
  alignas(64) uint8_t panel[kBatchMatMulMaxPanelK * kPanelColumns];
  // (128 + za) * zb * K, wrapping as the kernel's int32 sums do.
  const uint32_t a_shift = 128u + static_cast<uint32_t>(p.a_zero_point);
  const uint32_t constant =
      a_shift * static_cast<uint32_t>(p.b_zero_point) * static_cast<uint32_t>(g.k);
  for (size_t batch = 0; batch < g.batch; ++batch) {
    const int8_t* a_rows = a + batch * g.m * g.k;
    const int8_t* b_rows = b + batch * g.k * g.n;
    int8_t* out_rows = out + batch * g.m * g.n;
    for (size_t j = 0; j < g.n; j += kPanelColumns) {
      const size_t columns = g.n - j < kPanelColumns ? g.n - j : kPanelColumns;
      __m512i panel_bias[kVectors];
      if (g.transpose_b) {
        pack_transposed_panel(b_rows + j * g.k, g.k, columns, panel, panel_bias);
      } else {
        pack_panel(b_rows + j, g.k, g.n, columns, panel, panel_bias);
      }
      for (int v = 0; v < kVectors; ++v) {
        panel_bias[v] = _mm512_add_epi32(
            _mm512_set1_epi32(static_cast<int32_t>(constant)),
            _mm512_mullo_epi32(panel_bias[v], _mm512_set1_epi32(-static_cast<int32_t>(a_shift))));
      }
      size_t i = 0;
      for (; i + kTileRows <= g.m; i += kTileRows) {
        tile<kTileRows>(g, p, a_rows + i * g.k, panel, panel_bias, out_rows + i * g.n + j, columns);
      }
      const int8_t* a_tail = a_rows + i * g.k;
      int8_t* out_tail = out_rows + i * g.n + j;
      switch (g.m - i) {
        case 5: tile<5>(g, p, a_tail, panel, panel_bias, out_tail, columns); break;
        case 4: tile<4>(g, p, a_tail, panel, panel_bias, out_tail, columns); break;
        case 3: tile<3>(g, p, a_tail, panel, panel_bias, out_tail, columns); break;
        case 2: tile<2>(g, p, a_tail, panel, panel_bias, out_tail, columns); break;
        case 1: tile<1>(g, p, a_tail, panel, panel_bias, out_tail, columns); break;
        default: break;
      }
    }
  }
}

}  // namespace qrun::kernels
