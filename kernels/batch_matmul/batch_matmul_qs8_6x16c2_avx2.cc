// Int8 BatchMatMul on x86 AVX2: tiles of 6 rows of `a` x 16 columns of `b` (12 ymm accumulators),
// the reduction two values at a time (vpmaddwd, common/madd_6x16c2_avx2.h). Both operands are
// centred first, a - za and b - zb, which int16 holds exactly ([-255, 255]); vpmaddwd's sums of
// two such products are exact in int32, so the accumulators are the reference's sums with no
// correction.
//
// `b` is an activation, so it cannot be packed at load time: panels of 16 of its columns are
// centred and interleaved into [k / 2][column][2] int16 on the stack (kBatchMatMulMaxPanelK rows
// at most; longer reductions go to the portable kernel). A b given transposed, [n][k], holds each
// column's pair as one 32-bit word of its centred row: its panel is a transpose of 8 x 8 blocks of
// words. As many panels as fit kPanelBytes are packed at once, and each tile of 6 rows of `a` is
// centred into int16 once and taken through all of them (the encoder's attention packs every
// panel of a head once). Requantization follows the reference step by step: float(acc) * m, clamp,
// round half to even, add the zero point.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "batch_matmul/batch_matmul.h"
#include "common/madd_6x16c2_avx2.h"
#include "common/requantize_avx2.h"

namespace qrun::kernels {
namespace {

constexpr size_t kPanelColumns = 16;
constexpr int kTileRows = kMadd6x16c2Rows;
// A centred row's place on the stack: the reduction rounded up to whole pairs (the 0 past an odd
// k included).
constexpr size_t kCentredRowStride = kBatchMatMulMaxPanelK;
// The panels packed at once, together: a panel of the longest reduction is 16 KB.
constexpr size_t kPanelBytes = 64 * 1024;

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

// Rows [0, rows) of `a` (k values each), centred, as int16 rows kCentredRowStride apart; each
// row's values past k up to the next multiple of 16 are 0.
void centre_rows(const int8_t* a, size_t k, int rows, int32_t a_zero_point, int16_t* centred) {
  const __m256i zero_point = _mm256_set1_epi16(static_cast<int16_t>(a_zero_point));
  for (int r = 0; r < rows; ++r, a += k, centred += kCentredRowStride) {
    size_t i = 0;
    for (; i + 16 <= k; i += 16) {
      const __m256i wide =
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
      _mm256_store_si256(reinterpret_cast<__m256i*>(centred + i),
                         _mm256_sub_epi16(wide, zero_point));
    }
    if (i < k) {
      _mm256_store_si256(reinterpret_cast<__m256i*>(centred + i),
                         centred_columns(a + i, k - i, zero_point));
    }
  }
}

// Panels of b packed side by side: `count` of them, `vectors` apart, `pairs` pairs each; the last
// one's real columns.
struct PanelGroup {
  const __m256i* panels;
  size_t count, vectors, pairs, last_columns;
};

// One tile: `Rows` centred rows times each panel of `group`, the results requantized into `out`
// (rows n apart), 16 columns per panel.
template <int Rows>
void tiles(const BatchMatMulQs8Params& p, const int16_t* centred_rows, const PanelGroup& group,
           size_t n, int8_t* out) {
  const Avx2Requantization requantize(p.output);
  const __m256 multiplier = _mm256_set1_ps(p.multiplier);
  for (size_t panel = 0; panel < group.count; ++panel, out += kPanelColumns) {
    __m256i acc[Rows][2];
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    madd_6x16c2_avx2<Rows, kCentredRowStride>(acc, centred_rows, group.pairs,
                                              group.panels + panel * group.vectors);
    const int columns =
        static_cast<int>(panel + 1 == group.count ? group.last_columns : kPanelColumns);
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r) {
      const __m256 scaled0 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][0]), multiplier);
      const __m256 scaled1 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][1]), multiplier);
      const __m128i bytes = avx2_ordered_bytes(
          requantize.words(requantize.rounded_capped(scaled0), requantize.rounded_capped(scaled1)));
      avx2_store_bytes(out + r * n, bytes, columns);
    }
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
  const size_t pairs = (g.k + 1) / 2;
  // A transposed panel is written in blocks of 16 values of k (zero past k).
  const size_t panel_vectors = (g.k + 15) / 16 * 16;
  const size_t group_panels = kPanelBytes / (panel_vectors * sizeof(__m256i));
  __m256i panels[kPanelBytes / sizeof(__m256i)];
  alignas(32) int16_t centred_rows[kTileRows * kCentredRowStride];
  for (size_t batch = 0; batch < g.batch; ++batch) {
    const int8_t* a_rows = a + batch * g.m * g.k;
    const int8_t* b_rows = b + batch * g.k * g.n;
    int8_t* out_rows = out + batch * g.m * g.n;
    for (size_t j0 = 0; j0 < g.n; j0 += group_panels * kPanelColumns) {
      const size_t group_end = std::min(g.n, j0 + group_panels * kPanelColumns);
      size_t panel_count = 0;
      size_t columns = 0;
      for (size_t j = j0; j < group_end; j += kPanelColumns, ++panel_count) {
        columns = std::min(group_end - j, kPanelColumns);
        __m256i* panel = panels + panel_count * panel_vectors;
        if (g.transpose_b) {
          pack_transposed_panel(b_rows + j * g.k, g.k, columns, p.b_zero_point, panel);
        } else {
          pack_panel(b_rows + j, g.k, g.n, columns, p.b_zero_point, panel);
        }
      }
      const PanelGroup group{panels, panel_count, panel_vectors, pairs, columns};
      for (size_t i = 0; i < g.m; i += kTileRows) {
        const int rows = static_cast<int>(std::min<size_t>(g.m - i, kTileRows));
        centre_rows(a_rows + i * g.k, g.k, rows, p.a_zero_point, centred_rows);
        int8_t* tile_out = out_rows + i * g.n + j0;
        switch (rows) {
          case 6: tiles<6>(p, centred_rows, group, g.n, tile_out); break;
          case 5: tiles<5>(p, centred_rows, group, g.n, tile_out); break;
          case 4: tiles<4>(p, centred_rows, group, g.n, tile_out); break;
          case 3: tiles<3>(p, centred_rows, group, g.n, tile_out); break;
          case 2: tiles<2>(p, centred_rows, group, g.n, tile_out); break;
          default: tiles<1>(p, centred_rows, group, g.n, tile_out); break;
        }
      }
    }
  }
}

}  // namespace qrun::kernels
