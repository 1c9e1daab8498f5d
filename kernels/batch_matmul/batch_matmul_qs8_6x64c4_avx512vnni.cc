// Int8 BatchMatMul on x86 AVX512-VNNI: tiles of 6 rows of `a` x 64 columns of `b` (24 zmm
// accumulators), the reduction four values at a time (vpdpbusd).
//
// `b` is an activation, so it cannot be packed at load time: each panel of 64 of its columns is
// interleaved into vpdpbusd's [k / 4][column][4] order on the stack (kBatchMatMulMaxPanelK rows
// at most; longer reductions go to the portable kernel) and then reused by every row tile. A b
// given transposed ([n][k]) already holds each column's four k values of a quad as one 32-bit
// word, so its panel is a transpose of 16 x 16 blocks of words. vpdpbusd multiplies unsigned by
// signed bytes: the panel is made unsigned by flipping its sign bit (u = b + 128), so that `a`
// can be broadcast as it is, straight from memory. With S = sum a * u,
//   sum (a - za) * (b - zb) = S - (128 + zb) * sum a - za * sum u + za * (128 + zb) * K,
// the row sums of a taken once per block of rows (the same for every panel), the column sums of
// u per panel. The int32 arithmetic wraps, but the result is the reference's exact sum, which the
// loader bounds to int32. Requantization follows the reference step by step: float(acc) * m,
// round half to even, clamp, add the zero point (the lower clamp is done on the integers, see
// store_row). The products go through dpbusd_in_place, which keeps the accumulators in registers.
#include <immintrin.h>

#include <cstring>

#include "batch_matmul/batch_matmul.h"
#include "common/dpbusd_in_place.h"

namespace qrun::kernels {
namespace {

// A panel holds 64 columns in 4 vectors, as vpunpck leaves them: vector v holds, in 128-bit lane
// L, columns 16L + 4v .. 16L + 4v + 3. The packs of the requantization put them back in order.
constexpr size_t kPanelColumns = 64;
constexpr int kVectors = static_cast<int>(kPanelColumns / 16);
constexpr int kTileRows = 6;
// Rows whose row terms are kept on the stack at a time: a multiple of the tile's rows and of the
// 16 rows row_terms sums at once. Each block of rows packs the panels of b anew.
constexpr size_t kRowBlock = 192;

__mmask64 first_bytes(size_t count) {
  return count >= 64 ? ~__mmask64{0} : (__mmask64{1} << count) - 1;
}

// Interleaves `columns` (<= 64) columns of b's rows [0, k) into panel[k / 4][64][4] as unsigned
// bytes (b + 128), zero past k (so that the bytes of `a` read past its rows add nothing), and
// returns each column's sum of b + 128 in `column_sums`.
void pack_panel(const int8_t* b, size_t k, size_t n, size_t columns, uint8_t* panel,
                __m512i (&column_sums)[kVectors]) {
  const __mmask64 mask = first_bytes(columns);
  const __m512i ones = _mm512_set1_epi8(1);
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int v = 0; v < kVectors; ++v) column_sums[v] = _mm512_setzero_si512();
  for (size_t row = 0; row < k; row += 4) {
    __m512i r[4];
    for (size_t t = 0; t < 4; ++t) {
      r[t] = row + t < k
                 ? _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, b + (row + t) * n), sign_flip)
                 : _mm512_setzero_si512();
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
    // That is the panel's column order (see kPanelColumns).
    const __m512i out[kVectors] = {q0, q1, q2, q3};
    for (int v = 0; v < kVectors; ++v) {
      _mm512_store_si512(panel + (row / 4 * kVectors + v) * 64, out[v]);
      column_sums[v] = _mm512_dpbusd_epi32(column_sums[v], out[v], ones);
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
// of the product. Each block of the 16 columns of one panel vector x 16 quads is loaded row by
// row and transposed.
void pack_transposed_panel(const int8_t* b, size_t k, size_t columns, uint8_t* panel,
                           __m512i (&column_sums)[kVectors]) {
  const __m512i ones = _mm512_set1_epi8(1);
  for (int v = 0; v < kVectors; ++v) column_sums[v] = _mm512_setzero_si512();
  for (size_t k0 = 0; k0 < k; k0 += 64) {
    const __mmask64 mask = first_bytes(k - k0);
    // The sign flip of the bytes before k only: those past it stay zero.
    const __m512i sign_flip =
        _mm512_maskz_mov_epi8(mask, _mm512_set1_epi8(static_cast<char>(0x80)));
    // The quads this block fills: up to 16, none past k.
    const size_t quads = (k - k0 + 3) / 4 < 16 ? (k - k0 + 3) / 4 : 16;
    for (int v = 0; v < kVectors; ++v) {
      __m512i block[16];
      for (size_t c = 0; c < 16; ++c) {
        // Word c of the vector: lane c / 4, column c % 4 of the lane's four.
        const size_t column = 16 * (c / 4) + 4 * static_cast<size_t>(v) + c % 4;
        block[c] =
            column < columns
                ? _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, b + column * k + k0), sign_flip)
                : _mm512_setzero_si512();
      }
      transpose_words_16x16(block);
      for (size_t q = 0; q < quads; ++q) {
        _mm512_store_si512(panel + ((k0 / 4 + q) * kVectors + static_cast<size_t>(v)) * 64,
                           block[q]);
        column_sums[v] = _mm512_dpbusd_epi32(column_sums[v], block[q], ones);
      }
    }
  }
}

// The sum of each of 16 vectors of int32: word c of the result is the sum of sums[c].
__m512i sum_16_vectors(const __m512i (&sums)[16]) {
  // Words 0 + 2 and 1 + 3 of each 128-bit lane, of vectors 2i and 2i + 1 side by side.
  __m512i pairs[8];
  for (int i = 0; i < 8; ++i) {
    pairs[i] = _mm512_add_epi32(_mm512_unpacklo_epi32(sums[2 * i], sums[2 * i + 1]),
                                _mm512_unpackhi_epi32(sums[2 * i], sums[2 * i + 1]));
  }
  // Each 128-bit lane of quads[i] holds that lane's sums of vectors 4i .. 4i + 3.
  __m512i quads[4];
  for (int i = 0; i < 4; ++i) {
    quads[i] = _mm512_add_epi32(_mm512_unpacklo_epi64(pairs[2 * i], pairs[2 * i + 1]),
                                _mm512_unpackhi_epi64(pairs[2 * i], pairs[2 * i + 1]));
  }
  // Lanes added across: lane i of the result is the sum of the lanes of quads[i].
  const __m512i halves01 = _mm512_add_epi32(_mm512_shuffle_i32x4(quads[0], quads[1], 0x44),
                                            _mm512_shuffle_i32x4(quads[0], quads[1], 0xEE));
  const __m512i halves23 = _mm512_add_epi32(_mm512_shuffle_i32x4(quads[2], quads[3], 0x44),
                                            _mm512_shuffle_i32x4(quads[2], quads[3], 0xEE));
  return _mm512_add_epi32(_mm512_shuffle_i32x4(halves01, halves23, 0x88),
                          _mm512_shuffle_i32x4(halves01, halves23, 0xDD));
}

// The sums of `rows` (<= 16) rows of k bytes: word c of the result is the sum of row c.
__m512i row_sums_16(const int8_t* a, size_t rows, size_t k) {
  const __m512i ones = _mm512_set1_epi8(1);
  const __mmask64 tail_mask = first_bytes(k % 64);
  const size_t whole = k - k % 64;
  __m512i sums[16];
  for (size_t r = 0; r < 16; ++r) {
    __m512i sum = _mm512_setzero_si512();
    if (r < rows) {
      const int8_t* row = a + r * k;
      for (size_t i = 0; i < whole; i += 64) {
        sum = _mm512_dpbusd_epi32(sum, ones, _mm512_loadu_si512(row + i));
      }
      if (whole < k) {
        sum = _mm512_dpbusd_epi32(sum, ones, _mm512_maskz_loadu_epi8(tail_mask, row + whole));
      }
    }
    sums[r] = sum;
  }
  return sum_16_vectors(sums);
}

// terms[r] = -(128 + zb) * sum of row r of `a` (`rows` rows of k values), wrapping; `terms` is
// written up to the next multiple of 16.
void row_terms(const int8_t* a, size_t rows, size_t k, int32_t b_zero_point, int32_t* terms) {
  const __m512i factor =
      _mm512_set1_epi32(static_cast<int32_t>(0u - (128u + static_cast<uint32_t>(b_zero_point))));
  for (size_t r0 = 0; r0 < rows; r0 += 16) {
    const size_t count = rows - r0 < 16 ? rows - r0 : 16;
    _mm512_storeu_si512(terms + r0, _mm512_mullo_epi32(row_sums_16(a + r0 * k, count, k), factor));
  }
}

// What turns an accumulator row into int8 outputs, the same for every tile.
struct Requantization {
  __m512 multiplier;
  __m512 high;         // max - zp
  __m512i zero_point;  // 16-bit words
  __m512i min;         // bytes
};

// Requantizes one row of 64 accumulators and stores the first bytes of `store_mask`. The upper
// clamp is the reference's, in float, before the conversion (which turns values past int32 into
// INT32_MIN, as it does NaN). The lower clamp and the addition of zp are done after it as a clamp
// of round(x) + zp to min, which is the same for integral bounds: the saturating packs to int16
// (zp added there, saturating) and int8 keep every value on its side of the range, and NaN, sent
// to min by the reference, arrives there as INT32_MIN.
void store_row(const __m512i (&acc)[kVectors], const Requantization& rq, __mmask64 store_mask,
               int8_t* out) {
  __m512i rounded[kVectors];
#pragma GCC unroll 4
  for (int v = 0; v < kVectors; ++v) {
    const __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[v]), rq.multiplier);
    // vminps returns its second operand when either is NaN: the NaN goes on.
    rounded[v] = _mm512_cvtps_epi32(_mm512_min_ps(rq.high, scaled));
  }
  // Per 128-bit lane L, the packs put words 4L .. 4L + 3 of vectors 0-3 one after another:
  // columns 16L .. 16L + 15, in order.
  const __m512i words01 =
      _mm512_adds_epi16(_mm512_packs_epi32(rounded[0], rounded[1]), rq.zero_point);
  const __m512i words23 =
      _mm512_adds_epi16(_mm512_packs_epi32(rounded[2], rounded[3]), rq.zero_point);
  const __m512i bytes = _mm512_packs_epi16(words01, words23);
  _mm512_mask_storeu_epi8(out, store_mask, _mm512_max_epi8(bytes, rq.min));
}

template <int Rows>
void tile(size_t k, size_t n, const int8_t* a, const int32_t* row_term, const uint8_t* panel,
          const __m512i (&column_terms)[kVectors], const Requantization& rq, __mmask64 store_mask,
          int8_t* out) {
  // Loops over the accumulators are unrolled whole, so that GCC keeps each in a register of its
  // own instead of an array on the stack.
  __m512i acc[Rows][kVectors];
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r) {
    const __m512i row_vector = _mm512_set1_epi32(row_term[r]);
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm512_add_epi32(column_terms[v], row_vector);
  }
  const size_t quads = (k + 3) / 4;
#pragma GCC unroll 4
  for (size_t q = 0; q < quads; ++q) {
    __m512i u[kVectors];
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) u[v] = _mm512_load_si512(panel + (q * kVectors + v) * 64);
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r) {
      int32_t quad;
      // The last quad may read up to three bytes past the row (into the next row or the
      // tensor's slack): they meet the panel's zero rows.
      std::memcpy(&quad, a + r * k + 4 * q, 4);
      const __m512i x = _mm512_set1_epi32(quad);
#pragma GCC unroll 4
      for (int v = 0; v < kVectors; ++v) dpbusd_in_place(acc[r][v], u[v], x);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r) store_row(acc[r], rq, store_mask, out + r * n);
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
  int32_t row_term[kRowBlock];
  // za * (128 + zb) * K, wrapping as the kernel's int32 sums do.
  const uint32_t a_zero_point = static_cast<uint32_t>(p.a_zero_point);
  const uint32_t constant =
      a_zero_point * (128u + static_cast<uint32_t>(p.b_zero_point)) * static_cast<uint32_t>(g.k);
  Requantization rq;
  rq.multiplier = _mm512_set1_ps(p.multiplier);
  rq.high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  rq.zero_point = _mm512_set1_epi16(static_cast<int16_t>(p.output.zero_point));
  rq.min = _mm512_set1_epi8(static_cast<char>(p.output.min));
  for (size_t batch = 0; batch < g.batch; ++batch) {
    const int8_t* b_rows = b + batch * g.k * g.n;
    for (size_t i0 = 0; i0 < g.m; i0 += kRowBlock) {
      const size_t rows = g.m - i0 < kRowBlock ? g.m - i0 : kRowBlock;
      const int8_t* a_rows = a + (batch * g.m + i0) * g.k;
      int8_t* out_rows = out + (batch * g.m + i0) * g.n;
      row_terms(a_rows, rows, g.k, p.b_zero_point, row_term);
      for (size_t j = 0; j < g.n; j += kPanelColumns) {
        const size_t columns = g.n - j < kPanelColumns ? g.n - j : kPanelColumns;
        __m512i column_terms[kVectors];
        if (g.transpose_b) {
          pack_transposed_panel(b_rows + j * g.k, g.k, columns, panel, column_terms);
        } else {
          pack_panel(b_rows + j, g.k, g.n, columns, panel, column_terms);
        }
        for (int v = 0; v < kVectors; ++v) {
          column_terms[v] = _mm512_add_epi32(
              _mm512_set1_epi32(static_cast<int32_t>(constant)),
              _mm512_mullo_epi32(column_terms[v],
                                 _mm512_set1_epi32(-static_cast<int32_t>(a_zero_point))));
        }
        const __mmask64 store_mask = first_bytes(columns);
        size_t i = 0;
        for (; i + kTileRows <= rows; i += kTileRows) {
          tile<kTileRows>(g.k, g.n, a_rows + i * g.k, row_term + i, panel, column_terms, rq,
                          store_mask, out_rows + i * g.n + j);
        }
        const int8_t* a_tail = a_rows + i * g.k;
        const int32_t* term_tail = row_term + i;
        int8_t* out_tail = out_rows + i * g.n + j;
        switch (rows - i) {
          case 5:
            tile<5>(g.k, g.n, a_tail, term_tail, panel, column_terms, rq, store_mask, out_tail);
            break;
          case 4:
            tile<4>(g.k, g.n, a_tail, term_tail, panel, column_terms, rq, store_mask, out_tail);
            break;
          case 3:
            tile<3>(g.k, g.n, a_tail, term_tail, panel, column_terms, rq, store_mask, out_tail);
            break;
          case 2:
            tile<2>(g.k, g.n, a_tail, term_tail, panel, column_terms, rq, store_mask, out_tail);
            break;
          case 1:
            tile<1>(g.k, g.n, a_tail, term_tail, panel, column_terms, rq, store_mask, out_tail);
            break;
          default: break;
        }
      }
    }
  }
}

}  // namespace qrun::kernels
