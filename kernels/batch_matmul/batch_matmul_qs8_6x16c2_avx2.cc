// Int8 BatchMatMul on x86 AVX2: tiles of 6 rows of `a` x 16 columns of `b` (12 ymm accumulators),
// the reduction two values at a time (vpmaddwd). Both operands are centred first, a - za and
// b - zb, which int16 holds exactly ([-255, 255]); vpmaddwd's sums of two such products are exact
// in int32, so the accumulators are the reference's sums with no correction.
//
// `b` is an activation, so it cannot be packed at load time: each panel of 16 of its columns is
// centred and interleaved into [k / 2][column][2] int16 on the stack (kBatchMatMulMaxPanelK rows
// at most; longer reductions go to the portable kernel), then reused by every row tile (a b given
// transposed, [n][k], holds each column's pair as one 32-bit word of its centred row: its panel is
// a transpose of 8 x 8 blocks of words); each tile's
// rows of `a` are centred into int16 on the stack too. Requantization follows the reference step by
// step: float(acc) * m, clamp, round half to even, add the zero point.
#include <immintrin.h>

#include <cstring>

#include "batch_matmul/batch_matmul.h"
#include "common/requantize_avx2.h"

namespace qrun::kernels {
namespace {

constexpr size_t kPanelColumns = 16;
constexpr int kTileRows = 6;
// The reduction rounded up to whole pairs, and a centred row's place on the stack, with room for
// the 0 past an odd k.
constexpr size_t kMaxPairs = (kBatchMatMulMaxPanelK + 1) / 2;
constexpr size_t kCentredRowStride = 2 * kMaxPairs + 2;

// Sixteen int8 values as centred int16 (the first `count` of them; the rest 0).
__m256i centred_columns(const int8_t* row, size_t count, __m256i zero_point) {
  alignas(16) int8_t staged[16];
  const int8_t* bytes = row;
  if (count < 16) {
    std::memset(staged, 0, sizeof staged);
    std::memcpy(staged, row, count);
    bytes = staged;
  }
  const __m256i wide =
      _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes)));
  const __m256i centred = _mm256_sub_epi16(wide, zero_point);
  // Columns past `count` must be 0, not -zb.
  const __m256i lanes =
      _mm256_cmpgt_epi16(_mm256_set1_epi16(static_cast<int16_t>(count < 16 ? count : 16)),
                         _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  return _mm256_and_si256(centred, lanes);
}

// Columns of b's rows [0, k), centred, as panel[k / 2][16][2] int16 (zero past k).
void pack_panel(const int8_t* b, size_t k, size_t n, size_t columns, int32_t b_zero_point,
                __m256i* panel) {
  const __m256i zero_point = _mm256_set1_epi16(static_cast<int16_t>(b_zero_point));
  for (size_t row = 0; row < k; row += 2) {
    const __m256i r0 = centred_columns(b + row * n, columns, zero_point);
    const __m256i r1 = row + 1 < k ? centred_columns(b + (row + 1) * n, columns, zero_point)
                                   : _mm256_setzero_si256();
    // Within each 128-bit lane the unpacks pair columns 0-3 / 4-7 (low lane) and 8-11 / 12-15
    // (high lane); the permutes put columns 0-7 in the first vector and 8-15 in the second.
    const __m256i low = _mm256_unpacklo_epi16(r0, r1);
    const __m256i high = _mm256_unpackhi_epi16(r0, r1);
    panel[row] = _mm256_permute2x128_si256(low, high, 0x20);
    panel[row + 1] = _mm256_permute2x128_si256(low, high, 0x31);
  }
}

// The 8 x 8 transpose of 32-bit words: word c of rows[r] goes to word r of rows[c].
void transpose_words_8x8(__m256i (&rows)[8]) {
  // Words 0-1 and 2-3 of each 128-bit lane, of rows 2i and 2i + 1 side by side.
  __m256i pairs[8];
  for (int i = 0; i < 4; ++i) {
    pairs[2 * i] = _mm256_unpacklo_epi32(rows[2 * i], rows[2 * i + 1]);
    pairs[2 * i + 1] = _mm256_unpackhi_epi32(rows[2 * i], rows[2 * i + 1]);
  }
  // quads[4i + c] holds, in lane L, word 4L + c of rows 4i .. 4i + 3.
  __m256i quads[8];
  for (int i = 0; i < 2; ++i) {
    quads[4 * i] = _mm256_unpacklo_epi64(pairs[4 * i], pairs[4 * i + 2]);
    quads[4 * i + 1] = _mm256_unpackhi_epi64(pairs[4 * i], pairs[4 * i + 2]);
    quads[4 * i + 2] = _mm256_unpacklo_epi64(pairs[4 * i + 1], pairs[4 * i + 3]);
    quads[4 * i + 3] = _mm256_unpackhi_epi64(pairs[4 * i + 1], pairs[4 * i + 3]);
  }
  for (int c = 0; c < 4; ++c) {
    rows[c] = _mm256_permute2x128_si256(quads[c], quads[4 + c], 0x20);
    rows[4 + c] = _mm256_permute2x128_si256(quads[c], quads[4 + c], 0x31);
  }
}

// pack_panel for b given as [n][k]: `columns` (<= 16) rows of k values from `b`, one per column
// of the product, centred. Each block of 8 columns x 8 pairs is loaded row by row and transposed.
void pack_transposed_panel(const int8_t* b, size_t k, size_t columns, int32_t b_zero_point,
                           __m256i* panel) {
  const __m256i zero_point = _mm256_set1_epi16(static_cast<int16_t>(b_zero_point));
  for (size_t k0 = 0; k0 < k; k0 += 16) {
    const size_t count = k - k0 < 16 ? k - k0 : 16;
    for (size_t half = 0; half < 2; ++half) {
      __m256i block[8];
      for (size_t c = 0; c < 8; ++c) {
        const size_t column = 8 * half + c;
        const int8_t* row = b + column * k + k0;
        if (column >= columns) {
          block[c] = _mm256_setzero_si256();
        } else if (count == 16) {
          block[c] = _mm256_sub_epi16(
              _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row))),
              zero_point);
        } else {
          block[c] = centred_columns(row, count, zero_point);
        }
      }
      transpose_words_8x8(block);
      // Pairs past k are whole zero words; k <= kBatchMatMulMaxPanelK keeps them in the panel.
      for (size_t q = 0; q < 8; ++q) panel[2 * (k0 / 2 + q) + half] = block[q];
    }
  }
}

template <int Rows>
void tile(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p, const int8_t* a,
          const __m256i* panel, int8_t* out, size_t columns, int16_t* centred_rows) {
  const size_t pairs = (g.k + 1) / 2;
  // The rows' centred values, 0 past k.
  for (int r = 0; r < Rows; ++r) {
    int16_t* centred = centred_rows + r * kCentredRowStride;
    for (size_t i = 0; i < g.k; ++i) {
      centred[i] = static_cast<int16_t>(a[r * g.k + i] - p.a_zero_point);
    }
    centred[g.k] = 0;
  }
  __m256i acc[Rows][2];
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (size_t q = 0; q < pairs; ++q) {
    const __m256i w0 = _mm256_load_si256(panel + 2 * q);
    const __m256i w1 = _mm256_load_si256(panel + 2 * q + 1);
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r) {
      int32_t pair;
      std::memcpy(&pair, centred_rows + r * kCentredRowStride + 2 * q, 4);
      const __m256i x = _mm256_set1_epi32(pair);
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, w0));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, w1));
    }
  }
  const Avx2Requantization requantize(p.output);
  const __m256 multiplier = _mm256_set1_ps(p.multiplier);
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r) {
    const __m128i bytes = _mm_unpacklo_epi64(avx2_narrow(requantize(acc[r][0], multiplier)),
                                             avx2_narrow(requantize(acc[r][1], multiplier)));
    avx2_store_bytes(out + r * g.n, bytes, static_cast<int>(columns));
  }
}

}  // namespace

void batch_matmul_qs8_6x16c2_avx2(const BatchMatMulGeometry& g, const BatchMatMulQs8Params& p,
                                  const int8_t* a, const int8_t* b, int8_t* out) {
  if (g.k > kBatchMatMulMaxPanelK) {
    // The panel would not fit the stack.
    batch_matmul_qs8_rows_portable(g, p, a, b, out);
    return;
  }
  __m256i panel[2 * kMaxPairs];
  alignas(32) int16_t centred_rows[kTileRows * kCentredRowStride];
  for (size_t batch = 0; batch < g.batch; ++batch) {
    const int8_t* a_rows = a + batch * g.m * g.k;
    const int8_t* b_rows = b + batch * g.k * g.n;
    int8_t* out_rows = out + batch * g.m * g.n;
    for (size_t j = 0; j < g.n; j += kPanelColumns) {
      const size_t columns = g.n - j < kPanelColumns ? g.n - j : kPanelColumns;
      if (g.transpose_b) {
        pack_transposed_panel(b_rows + j * g.k, g.k, columns, p.b_zero_point, panel);
      } else {
        pack_panel(b_rows + j, g.k, g.n, columns, p.b_zero_point, panel);
      }
      size_t i = 0;
      for (; i + kTileRows <= g.m; i += kTileRows) {
        tile<kTileRows>(g, p, a_rows + i * g.k, panel, out_rows + i * g.n + j, columns,
                        centred_rows);
      }
      const int8_t* a_tail = a_rows + i * g.k;
      int8_t* out_tail = out_rows + i * g.n + j;
      switch (g.m - i) {
        case 5: tile<5>(g, p, a_tail, panel, out_tail, columns, centred_rows); break;
        case 4: tile<4>(g, p, a_tail, panel, out_tail, columns, centred_rows); break;
        case 3: tile<3>(g, p, a_tail, panel, out_tail, columns, centred_rows); break;
        case 2: tile<2>(g, p, a_tail, panel, out_tail, columns, centred_rows); break;
        case 1: tile<1>(g, p, a_tail, panel, out_tail, columns, centred_rows); break;
        default: break;
      }
    }
  }
}

}  // namespace qrun::kernels
