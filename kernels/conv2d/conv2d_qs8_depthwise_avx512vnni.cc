// Int8 depthwise Conv2D (one output channel per input channel) on x86 AVX512-VNNI: vpdpbusd sums
// four taps of a channel at once. Four taps' vectors of 64 channels are interleaved byte by byte
// (two rounds of unpacks) into four vectors whose 32-bit lanes each hold one channel's four taps;
// unpacks work within 128-bit lanes, so those vectors hold channels in a fixed shuffled order,
// which the packed weights, bias and multipliers share, and which the saturating packs that
// narrow the results (also within 128-bit lanes) undo for free. When the channels end 17 to 32 past
// a multiple of 64 (MobileNet's 32, 96), the last block is one of 32 channels in ymm registers, the
// same scheme at half width; 1 to 16 past (144, MobileNet-v3's 72 and 200), one of 16 channels in
// xmm registers: no block is more than half empty.
//
// Three kernels share that scheme:
// - conv2d_qs8_depthwise_c64: any window, one output pixel at a time, its taps taken four by four
//   in order;
// - conv2d_qs8_depthwise_3x3_c64: 3x3 windows at stride 1 or 2, a row of output pixels at a time.
//   A group is one input column's three rows (the fourth slot has zero weights), so each column is
//   interleaved once and serves every output pixel whose window covers it: three at stride 1, two
//   at stride 2. That is a third (stride 1) or two thirds of the unpacks and loads of the first
//   kernel, whose instruction count bounds it. At stride 1 two output rows go together: a
//   column's four input rows fill the four slots and serve both, the lower row through a second
//   set of weight groups shifted one slot down, which halves the loads and unpacks again.
// - conv2d_qs8_depthwise_5x5_c64: 5x5 windows at stride 1 or 2, a row of output pixels at a time,
//   each column's top four rows interleaved once and kept (see row_block_5x5).
//
// As in the GEMM, the input is made unsigned (x + 128) and the packed bias absorbs it:
//   sum (x - zx) * w  =  sum (x + 128) * w  -  (128 + zx) * sum w,
// padded taps read a row of the zero point, and empty slots of a group read any input against zero
// weights. Requantization is the reference's.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "common/overread.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_depthwise_walk.h"

namespace qrun::kernels {
namespace {

constexpr int kBlockChannels = 64;
constexpr int kHalfChannels = 32;
constexpr int kQuarterChannels = 16;
constexpr int kTapsPerGroup = 4;

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Accumulator a, 32-bit lane l holds channel 16 * (l / 4) + 4 * a + l % 4 of its block (lanes 0-15
// in a block of 64, 0-7 in a tail block of 32, 0-3 in one of 16).
int channel_of(int accumulator, int lane) {
  return 16 * (lane / 4) + 4 * accumulator + lane % 4;
}

// Which tap each slot of each group of four holds.
enum class Grouping {
  kInOrder,  // taps 4g .. 4g + 3 in row-major order; past the last tap, none
  // 3x3: groups 0-2 are columns kx = g with slot s row ky = s (slot 3 none), for an output row
  // whose window starts at the interleaved rows' first; groups 3-5 the same columns one slot down
  // (slot 0 none), for the output row below it, whose window starts one input row lower.
  kByColumn,
  // 5x5: groups 0-4 are columns kx = g with slot s row ky = s; group 5 is row 4 with slot s
  // column kx = s; group 6 holds the last tap, row 4 column 4, in slot 0 (slots 1-3 none).
  kByColumn5x5,
};

int groups_of(const Conv2dGeometry& g, Grouping grouping) {
  if (grouping == Grouping::kByColumn) return 6;
  if (grouping == Grouping::kByColumn5x5) return 7;
  return static_cast<int>(
      round_up(static_cast<size_t>(g.kernel_height) * g.kernel_width, kTapsPerGroup) /
      kTapsPerGroup);
}

// The tap (row-major index) in a slot, or -1 for an empty one.
int tap_of(const Conv2dGeometry& g, Grouping grouping, int group, int slot) {
  if (grouping == Grouping::kByColumn5x5) {
    if (group < 5) return slot * 5 + group;
    if (group == 5) return 20 + slot;
    return slot == 0 ? 24 : -1;
  }
  if (grouping == Grouping::kByColumn) {
    if (group < 3) return slot < 3 ? slot * 3 + group : -1;
    return slot >= 1 ? (slot - 1) * 3 + group - 3 : -1;
  }
  const int tap = group * kTapsPerGroup + slot;
  return tap < g.kernel_height * g.kernel_width ? tap : -1;
}

// Packed: the zero-point row (channels + overread slack); then per block, the corrected bias
// (int32) and the multipliers (float), both in accumulator order, and per group of four taps, four
// vectors of [channel][slot] bytes in accumulator order. Blocks hold 64 channels, but for a tail
// block of 32 or 16 when the channels end 1 to 32 past a multiple of 64.
struct Layout {
  size_t wide_blocks;  // of 64 channels
  int tail_channels;   // a last block of 32 or 16 channels, or 0
  size_t groups;
  size_t zero_row_bytes;

  Layout(const Conv2dGeometry& g, Grouping grouping)
      : wide_blocks(static_cast<size_t>(g.output_channels) / kBlockChannels),
        tail_channels(0),
        groups(static_cast<size_t>(groups_of(g, grouping))),
        zero_row_bytes(round_up(static_cast<size_t>(g.input_channels) + kInputOverreadBytes, 64)) {
    const int rest = g.output_channels % kBlockChannels;
    if (rest > kHalfChannels) {
      ++wide_blocks;
    } else if (rest > kQuarterChannels) {
      tail_channels = kHalfChannels;
    } else if (rest > 0) {
      tail_channels = kQuarterChannels;
    }
  }
  // Bias, multipliers and each group of weights take four bytes per channel each.
  size_t block_bytes(int channels) const { return (2 + groups) * 4 * channels; }
  size_t total() const {
    return zero_row_bytes + wide_blocks * block_bytes(kBlockChannels) + block_bytes(tail_channels);
  }
};

void pack(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
          Grouping grouping, void* packed) {
  const Layout layout(g, grouping);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, layout.total());
  std::memset(bytes, static_cast<uint8_t>(p.input_zero_point), layout.zero_row_bytes);
  const size_t taps = static_cast<size_t>(g.kernel_height) * g.kernel_width;
  const uint32_t sign_shift = static_cast<uint32_t>(128 + p.input_zero_point);
  const size_t blocks = layout.wide_blocks + (layout.tail_channels > 0 ? 1 : 0);
  uint8_t* base = bytes + layout.zero_row_bytes;
  for (size_t block = 0; block < blocks; ++block) {
    const int block_channels = block < layout.wide_blocks ? kBlockChannels : layout.tail_channels;
    const int lanes = block_channels / 4;
    auto* bias = reinterpret_cast<int32_t*>(base);
    auto* multipliers = reinterpret_cast<float*>(base + 4 * block_channels);
    auto* weights = reinterpret_cast<int8_t*>(base + 8 * block_channels);
    for (int a = 0; a < 4; ++a) {
      for (int lane = 0; lane < lanes; ++lane) {
        const size_t c = block * kBlockChannels + static_cast<size_t>(channel_of(a, lane));
        if (c >= static_cast<size_t>(g.output_channels)) continue;
        uint32_t column_sum = 0;
        for (size_t tap = 0; tap < taps; ++tap) {
          column_sum += static_cast<uint32_t>(static_cast<int32_t>(w.ohwi[c * taps + tap]));
        }
        for (int group = 0; group < static_cast<int>(layout.groups); ++group) {
          for (int slot = 0; slot < kTapsPerGroup; ++slot) {
            const int tap = tap_of(g, grouping, group, slot);
            if (tap < 0) continue;
            weights[(group * 4 + a) * block_channels + lane * 4 + slot] = w.ohwi[c * taps + tap];
          }
        }
        // Unsigned: the corrected bias may wrap, exactly as the kernel's int32 sums do.
        bias[a * lanes + lane] =
            static_cast<int32_t>(static_cast<uint32_t>(w.bias[c]) - sign_shift * column_sum);
        multipliers[a * lanes + lane] = p.multipliers[c];
      }
    }
    base += layout.block_bytes(block_channels);
  }
}

// The output's requantization constants. The float clamp is on the high side only; the zero
// point is added to the int16 values with saturation and the low side is taken on the bytes. That
// equals the reference's clamp first, round, add: both bounds are integers and rounding is
// monotonic, and a value below the int32 range (vcvtps2dq gives INT32_MIN) stays at the bottom
// through each saturating step.
struct Requantization {
  explicit Requantization(const Qs8Output& out)
      : high(static_cast<float>(out.max - out.zero_point)),
        zero_point(out.zero_point),
        low_byte(static_cast<int8_t>(out.min)) {}
  float high;
  int32_t zero_point;
  int8_t low_byte;
};

// A block of 64 channels in zmm registers.
struct Zmm {
  using Vec = __m512i;
  static constexpr int kChannels = kBlockChannels;

  static Vec load(const int8_t* p) { return _mm512_loadu_si512(p); }
  static Vec bias(const uint8_t* block, int a) {
    return _mm512_load_si512(reinterpret_cast<const int32_t*>(block) + 16 * a);
  }
  // acc += quad . the packed weights' vector a of `group`.
  static Vec dot(Vec acc, Vec quad, const uint8_t* block, int group, int a) {
    return _mm512_dpbusd_epi32(
        acc, quad, _mm512_load_si512(block + 8 * kChannels + (group * 4 + a) * kChannels));
  }
  // The four taps' bytes interleaved, made unsigned.
  static void interleave(Vec t0, Vec t1, Vec t2, Vec t3, Vec* quads) {
    const Vec flip = _mm512_set1_epi8(static_cast<char>(0x80));
    const Vec a = _mm512_unpacklo_epi8(t0, t1);
    const Vec b = _mm512_unpackhi_epi8(t0, t1);
    const Vec c = _mm512_unpacklo_epi8(t2, t3);
    const Vec d = _mm512_unpackhi_epi8(t2, t3);
    quads[0] = _mm512_xor_si512(_mm512_unpacklo_epi16(a, c), flip);
    quads[1] = _mm512_xor_si512(_mm512_unpackhi_epi16(a, c), flip);
    quads[2] = _mm512_xor_si512(_mm512_unpacklo_epi16(b, d), flip);
    quads[3] = _mm512_xor_si512(_mm512_unpackhi_epi16(b, d), flip);
  }
  // Requantizes the four accumulators and stores the first `left` channels. The saturating packs
  // work within 128-bit lanes, where accumulator a holds channels 16k + 4a .. +3: packing the four
  // in order puts each lane's 16 channels in order, with no permutation.
  static void store(const Vec* acc, const uint8_t* block, const Requantization& r, int left,
                    int8_t* out) {
    const auto* multipliers = reinterpret_cast<const float*>(block + 4 * kChannels);
    __m512i q[4];
    for (int a = 0; a < 4; ++a) {
      const __m512 scaled =
          _mm512_mul_ps(_mm512_cvtepi32_ps(acc[a]), _mm512_load_ps(multipliers + 16 * a));
      q[a] = _mm512_cvtps_epi32(_mm512_min_ps(scaled, _mm512_set1_ps(r.high)));
    }
    const __m512i zero_point = _mm512_set1_epi16(static_cast<int16_t>(r.zero_point));
    const __m512i bytes =
        _mm512_packs_epi16(_mm512_adds_epi16(_mm512_packs_epi32(q[0], q[1]), zero_point),
                           _mm512_adds_epi16(_mm512_packs_epi32(q[2], q[3]), zero_point));
    const __mmask64 mask = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
    _mm512_mask_storeu_epi8(out, mask, _mm512_max_epi8(bytes, _mm512_set1_epi8(r.low_byte)));
  }
};

// The tail block of 32 channels in ymm registers: the same at half width.
struct Ymm {
  using Vec = __m256i;
  static constexpr int kChannels = kHalfChannels;

  static Vec load(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const Vec*>(p)); }
  static Vec bias(const uint8_t* block, int a) {
    return _mm256_load_si256(reinterpret_cast<const Vec*>(block) + a);
  }
  static Vec dot(Vec acc, Vec quad, const uint8_t* block, int group, int a) {
    return _mm256_dpbusd_epi32(acc, quad,
                               _mm256_load_si256(reinterpret_cast<const Vec*>(
                                   block + 8 * kChannels + (group * 4 + a) * kChannels)));
  }
  static void interleave(Vec t0, Vec t1, Vec t2, Vec t3, Vec* quads) {
    const Vec flip = _mm256_set1_epi8(static_cast<char>(0x80));
    const Vec a = _mm256_unpacklo_epi8(t0, t1);
    const Vec b = _mm256_unpackhi_epi8(t0, t1);
    const Vec c = _mm256_unpacklo_epi8(t2, t3);
    const Vec d = _mm256_unpackhi_epi8(t2, t3);
    quads[0] = _mm256_xor_si256(_mm256_unpacklo_epi16(a, c), flip);
    quads[1] = _mm256_xor_si256(_mm256_unpackhi_epi16(a, c), flip);
    quads[2] = _mm256_xor_si256(_mm256_unpacklo_epi16(b, d), flip);
    quads[3] = _mm256_xor_si256(_mm256_unpackhi_epi16(b, d), flip);
  }
  static void store(const Vec* acc, const uint8_t* block, const Requantization& r, int left,
                    int8_t* out) {
    const auto* multipliers = reinterpret_cast<const float*>(block + 4 * kChannels);
    __m256i q[4];
    for (int a = 0; a < 4; ++a) {
      const __m256 scaled =
          _mm256_mul_ps(_mm256_cvtepi32_ps(acc[a]), _mm256_load_ps(multipliers + 8 * a));
      q[a] = _mm256_cvtps_epi32(_mm256_min_ps(scaled, _mm256_set1_ps(r.high)));
    }
    const __m256i zero_point = _mm256_set1_epi16(static_cast<int16_t>(r.zero_point));
    const __m256i bytes =
        _mm256_packs_epi16(_mm256_adds_epi16(_mm256_packs_epi32(q[0], q[1]), zero_point),
                           _mm256_adds_epi16(_mm256_packs_epi32(q[2], q[3]), zero_point));
    const __mmask32 mask = left >= 32 ? ~__mmask32{0} : (__mmask32{1} << left) - 1;
    _mm256_mask_storeu_epi8(out, mask, _mm256_max_epi8(bytes, _mm256_set1_epi8(r.low_byte)));
  }
};

// A tail block of 16 channels in xmm registers: the same at a quarter of the width.
struct Xmm {
  using Vec = __m128i;
  static constexpr int kChannels = kQuarterChannels;

  static Vec load(const int8_t* p) { return _mm_loadu_si128(reinterpret_cast<const Vec*>(p)); }
  static Vec bias(const uint8_t* block, int a) {
    return _mm_load_si128(reinterpret_cast<const Vec*>(block) + a);
  }
  static Vec dot(Vec acc, Vec quad, const uint8_t* block, int group, int a) {
    return _mm_dpbusd_epi32(acc, quad,
                            _mm_load_si128(reinterpret_cast<const Vec*>(
                                block + 8 * kChannels + (group * 4 + a) * kChannels)));
  }
  static void interleave(Vec t0, Vec t1, Vec t2, Vec t3, Vec* quads) {
    const Vec flip = _mm_set1_epi8(static_cast<char>(0x80));
    const Vec a = _mm_unpacklo_epi8(t0, t1);
    const Vec b = _mm_unpackhi_epi8(t0, t1);
    const Vec c = _mm_unpacklo_epi8(t2, t3);
    const Vec d = _mm_unpackhi_epi8(t2, t3);
    quads[0] = _mm_xor_si128(_mm_unpacklo_epi16(a, c), flip);
    quads[1] = _mm_xor_si128(_mm_unpackhi_epi16(a, c), flip);
    quads[2] = _mm_xor_si128(_mm_unpacklo_epi16(b, d), flip);
    quads[3] = _mm_xor_si128(_mm_unpackhi_epi16(b, d), flip);
  }
  static void store(const Vec* acc, const uint8_t* block, const Requantization& r, int left,
                    int8_t* out) {
    const auto* multipliers = reinterpret_cast<const float*>(block + 4 * kChannels);
    __m128i q[4];
    for (int a = 0; a < 4; ++a) {
      const __m128 scaled = _mm_mul_ps(_mm_cvtepi32_ps(acc[a]), _mm_load_ps(multipliers + 4 * a));
      q[a] = _mm_cvtps_epi32(_mm_min_ps(scaled, _mm_set1_ps(r.high)));
    }
    const __m128i zero_point = _mm_set1_epi16(static_cast<int16_t>(r.zero_point));
    const __m128i bytes = _mm_packs_epi16(_mm_adds_epi16(_mm_packs_epi32(q[0], q[1]), zero_point),
                                          _mm_adds_epi16(_mm_packs_epi32(q[2], q[3]), zero_point));
    const __mmask16 mask =
        left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1);
    _mm_mask_storeu_epi8(out, mask, _mm_max_epi8(bytes, _mm_set1_epi8(r.low_byte)));
  }
};

// Runs `run(V{})` with the register width V of the layout's tail block.
template <typename Run>
void with_tail_width(const Layout& layout, const Run& run) {
  if (layout.tail_channels == kHalfChannels) {
    run(Ymm{});
  } else {
    run(Xmm{});
  }
}

// One output pixel's block of channels from c, its taps four by four in order (`left` of the
// block's channels are real; the others read slack or a neighbour and meet zero weights).
template <typename V>
void pixel_block(const int8_t* const* taps, int c, int groups, const uint8_t* block,
                 const Requantization& r, int left, int8_t* out) {
  typename V::Vec acc[4];
  for (int a = 0; a < 4; ++a) acc[a] = V::bias(block, a);
  for (int group = 0; group < groups; ++group) {
    const int8_t* const* t = taps + group * kTapsPerGroup;
    typename V::Vec quads[4];
    V::interleave(V::load(t[0] + c), V::load(t[1] + c), V::load(t[2] + c), V::load(t[3] + c),
                  quads);
    for (int a = 0; a < 4; ++a) acc[a] = V::dot(acc[a], quads[a], block, group, a);
  }
  V::store(acc, block, r, left, out);
}

// A row of output pixels' block of channels from c for a 3x3 window at stride Stride: `rows` are
// the window's three input rows (null where they fall in the padding). Each input column is
// interleaved once, and the last two carry over to the next pixel (one at stride 2).
template <typename V, int Stride>
void row_block(const Conv2dGeometry& g, const int8_t* const* rows, const int8_t* zero_row, int c,
               const uint8_t* block, const Requantization& r, int left, int8_t* out) {
  using Vec = typename V::Vec;
  const int width = g.input_width;
  const int channels = g.input_channels;
  auto column = [&](int j, Vec* quads) {
    const bool inside = j >= 0 && j < width;
    const int8_t* p[3];
    for (int ky = 0; ky < 3; ++ky) {
      p[ky] = inside && rows[ky] != nullptr ? rows[ky] + static_cast<size_t>(j) * channels + c
                                            : zero_row + c;
    }
    const Vec row0 = V::load(p[0]);
    V::interleave(row0, V::load(p[1]), V::load(p[2]), row0, quads);
  };
  Vec q0[4], q1[4], q2[4];
  int j = -g.pad_left;
  column(j, q0);
  if (Stride == 1) column(j + 1, q1);
  for (int x = 0; x < g.output_width; ++x, j += Stride, out += channels) {
    if (Stride == 2) column(j + 1, q1);
    column(j + 2, q2);
    Vec acc[4];
    for (int a = 0; a < 4; ++a) {
      acc[a] = V::dot(V::bias(block, a), q0[a], block, 0, a);
      acc[a] = V::dot(acc[a], q1[a], block, 1, a);
      acc[a] = V::dot(acc[a], q2[a], block, 2, a);
    }
    V::store(acc, block, r, left, out);
    for (int a = 0; a < 4; ++a) {
      q0[a] = Stride == 1 ? q1[a] : q2[a];
      if (Stride == 1) q1[a] = q2[a];
    }
  }
}

// Two output rows at stride 1, whose windows cover four input rows (`rows`, null in the padding):
// each input column's four rows are interleaved once and serve six windows, three in each output
// row; the lower row reads them through the weight groups shifted one slot down. Half the loads
// and unpacks of two calls of row_block.
template <typename V>
void row_pair_block(const Conv2dGeometry& g, const int8_t* const* rows, const int8_t* zero_row,
                    int c, const uint8_t* block, const Requantization& r, int left, int8_t* out,
                    int8_t* out_below) {
  using Vec = typename V::Vec;
  const int width = g.input_width;
  const int channels = g.input_channels;
  auto column = [&](int j, Vec* quads) {
    const bool inside = j >= 0 && j < width;
    const int8_t* p[4];
    for (int ky = 0; ky < 4; ++ky) {
      p[ky] = inside && rows[ky] != nullptr ? rows[ky] + static_cast<size_t>(j) * channels + c
                                            : zero_row + c;
    }
    V::interleave(V::load(p[0]), V::load(p[1]), V::load(p[2]), V::load(p[3]), quads);
  };
  Vec q0[4], q1[4], q2[4];
  int j = -g.pad_left;
  column(j, q0);
  column(j + 1, q1);
  for (int x = 0; x < g.output_width; ++x, ++j, out += channels, out_below += channels) {
    column(j + 2, q2);
    Vec above[4], below[4];
    for (int a = 0; a < 4; ++a) {
      above[a] = V::dot(V::bias(block, a), q0[a], block, 0, a);
      above[a] = V::dot(above[a], q1[a], block, 1, a);
      above[a] = V::dot(above[a], q2[a], block, 2, a);
      below[a] = V::dot(V::bias(block, a), q0[a], block, 3, a);
      below[a] = V::dot(below[a], q1[a], block, 4, a);
      below[a] = V::dot(below[a], q2[a], block, 5, a);
    }
    V::store(above, block, r, left, out);
    V::store(below, block, r, left, out_below);
    for (int a = 0; a < 4; ++a) {
      q0[a] = q1[a];
      q1[a] = q2[a];
    }
  }
}

// A row of output pixels' block of channels from c for a 5x5 window at stride Stride: `rows` are
// the window's five input rows (null where they fall in the padding). Each input column's top
// four rows are interleaved once and kept for the next pixels' windows (five columns, twenty
// registers); the bottom row's five taps, which would need a second group per column and more
// registers than there are, are interleaved for each pixel in two groups (four taps, then one).
// Three interleaves a pixel at stride 1 against the seven of pixel_block.
template <typename V, int Stride>
void row_block_5x5(const Conv2dGeometry& g, const int8_t* const* rows, const int8_t* zero_row,
                   int c, const uint8_t* block, const Requantization& r, int left, int8_t* out) {
  using Vec = typename V::Vec;
  const int width = g.input_width;
  const int channels = g.input_channels;
  auto at = [&](int ky, int j) {
    return j >= 0 && j < width && rows[ky] != nullptr
               ? rows[ky] + static_cast<size_t>(j) * channels + c
               : zero_row + c;
  };
  auto column = [&](int j, Vec* quads) {
    V::interleave(V::load(at(0, j)), V::load(at(1, j)), V::load(at(2, j)), V::load(at(3, j)),
                  quads);
  };
  Vec q[5][4];
  int j = -g.pad_left;
  for (int k = 0; k < 5 - Stride; ++k) column(j + k, q[k]);
  for (int x = 0; x < g.output_width; ++x, j += Stride, out += channels) {
    for (int k = 5 - Stride; k < 5; ++k) column(j + k, q[k]);
    Vec acc[4];
    for (int a = 0; a < 4; ++a) {
      acc[a] = V::bias(block, a);
      for (int k = 0; k < 5; ++k) acc[a] = V::dot(acc[a], q[k][a], block, k, a);
    }
    Vec bottom[4];
    V::interleave(V::load(at(4, j)), V::load(at(4, j + 1)), V::load(at(4, j + 2)),
                  V::load(at(4, j + 3)), bottom);
    for (int a = 0; a < 4; ++a) acc[a] = V::dot(acc[a], bottom[a], block, 5, a);
    const Vec last = V::load(at(4, j + 4));
    V::interleave(last, last, last, last, bottom);
    for (int a = 0; a < 4; ++a) acc[a] = V::dot(acc[a], bottom[a], block, 6, a);
    V::store(acc, block, r, left, out);
    for (int k = 0; k < 5 - Stride; ++k) {
      for (int a = 0; a < 4; ++a) q[k][a] = q[k + Stride][a];
    }
  }
}

template <int Stride>
void run_rows_5x5(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
                  const int8_t* input, int8_t* output, const Conv2dSlice& slice) {
  const Layout layout(g, Grouping::kByColumn5x5);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const Requantization requantization(p.output);
  const int channel_begin = static_cast<int>(slice.channel_begin);
  const int channel_end = static_cast<int>(slice.channel_end);
  const int wide_end = std::min(channel_end, static_cast<int>(layout.wide_blocks) * kBlockChannels);
  const size_t row_bytes = static_cast<size_t>(g.input_width) * g.input_channels;
  for (size_t row = slice.row_begin; row < slice.row_end; ++row) {
    const int n = static_cast<int>(row / g.output_height);
    const int oy = static_cast<int>(row % g.output_height);
    const int8_t* image = input + static_cast<size_t>(n) * g.input_height * row_bytes;
    const int8_t* rows[5];
    for (int ky = 0; ky < 5; ++ky) {
      const int iy = oy * Stride - g.pad_top + ky;
      rows[ky] =
          iy >= 0 && iy < g.input_height ? image + static_cast<size_t>(iy) * row_bytes : nullptr;
    }
    int8_t* out = output + row * g.output_width * g.output_channels;
    const uint8_t* block = packed + layout.zero_row_bytes +
                           channel_begin / kBlockChannels * layout.block_bytes(kBlockChannels);
    int c = channel_begin;
    for (; c < wide_end; c += kBlockChannels, block += layout.block_bytes(kBlockChannels)) {
      row_block_5x5<Zmm, Stride>(g, rows, zero_row, c, block, requantization, channel_end - c,
                                 out + c);
    }
    if (c < channel_end) {
      with_tail_width(layout, [&](auto width) {
        row_block_5x5<decltype(width), Stride>(g, rows, zero_row, c, block, requantization,
                                               channel_end - c, out + c);
      });
    }
  }
}

template <int Stride>
void run_rows(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
              const int8_t* input, int8_t* output, const Conv2dSlice& slice) {
  const Layout layout(g, Grouping::kByColumn);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const Requantization requantization(p.output);
  const int channel_begin = static_cast<int>(slice.channel_begin);
  const int channel_end = static_cast<int>(slice.channel_end);
  const int wide_end = std::min(channel_end, static_cast<int>(layout.wide_blocks) * kBlockChannels);
  const size_t row_bytes = static_cast<size_t>(g.input_width) * g.input_channels;
  for (size_t row = slice.row_begin; row < slice.row_end;) {
    const int n = static_cast<int>(row / g.output_height);
    const int oy = static_cast<int>(row % g.output_height);
    // At stride 1, two rows of the same image at a time where the slice has them.
    const bool pair = Stride == 1 && row + 1 < slice.row_end && oy + 1 < g.output_height;
    const int8_t* image = input + static_cast<size_t>(n) * g.input_height * row_bytes;
    const int8_t* rows[4];
    for (int ky = 0; ky < 4; ++ky) {
      const int iy = oy * Stride - g.pad_top + ky;
      rows[ky] = ky < (pair ? 4 : 3) && iy >= 0 && iy < g.input_height
                     ? image + static_cast<size_t>(iy) * row_bytes
                     : nullptr;
    }
    int8_t* out = output + row * g.output_width * g.output_channels;
    int8_t* out_below = out + static_cast<size_t>(g.output_width) * g.output_channels;
    const uint8_t* block = packed + layout.zero_row_bytes +
                           channel_begin / kBlockChannels * layout.block_bytes(kBlockChannels);
    int c = channel_begin;
    for (; c < wide_end; c += kBlockChannels, block += layout.block_bytes(kBlockChannels)) {
      if (pair) {
        row_pair_block<Zmm>(g, rows, zero_row, c, block, requantization, channel_end - c, out + c,
                            out_below + c);
      } else {
        row_block<Zmm, Stride>(g, rows, zero_row, c, block, requantization, channel_end - c,
                               out + c);
      }
    }
    if (c < channel_end) {
      with_tail_width(layout, [&](auto width) {
        using V = decltype(width);
        if (pair) {
          row_pair_block<V>(g, rows, zero_row, c, block, requantization, channel_end - c, out + c,
                            out_below + c);
        } else {
          row_block<V, Stride>(g, rows, zero_row, c, block, requantization, channel_end - c,
                               out + c);
        }
      });
    }
    row += pair ? 2 : 1;
  }
}

}  // namespace

size_t conv2d_qs8_depthwise_c64_avx512vnni_packed_size(const Conv2dGeometry& g) {
  return Layout(g, Grouping::kInOrder).total();
}

void conv2d_qs8_depthwise_c64_avx512vnni_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                              const Conv2dQs8Weights& w, void* packed) {
  pack(g, p, w, Grouping::kInOrder, packed);
}

void conv2d_qs8_depthwise_c64_avx512vnni(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                         const Conv2dQs8Weights& w, const int8_t* input,
                                         int8_t* output, const Conv2dSlice& slice) {
  const Layout layout(g, Grouping::kInOrder);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const int groups = static_cast<int>(layout.groups);
  const Requantization requantization(p.output);
  // Only this call's channels, in whole blocks but for the last.
  const int channel_begin = static_cast<int>(slice.channel_begin);
  const int channel_end = static_cast<int>(slice.channel_end);
  const int wide_end = std::min(channel_end, static_cast<int>(layout.wide_blocks) * kBlockChannels);
  depthwise_for_each_pixel(
      g, input, output, slice, zero_row, groups * kTapsPerGroup,
      [&](const int8_t* const* taps, int8_t* out) {
        const uint8_t* block = packed + layout.zero_row_bytes +
                               channel_begin / kBlockChannels * layout.block_bytes(kBlockChannels);
        int c = channel_begin;
        for (; c < wide_end; c += kBlockChannels, block += layout.block_bytes(kBlockChannels)) {
          pixel_block<Zmm>(taps, c, groups, block, requantization, channel_end - c, out + c);
        }
        if (c < channel_end) {
          with_tail_width(layout, [&](auto width) {
            pixel_block<decltype(width)>(taps, c, groups, block, requantization, channel_end - c,
                                         out + c);
          });
        }
      });
}

size_t conv2d_qs8_depthwise_3x3_c64_avx512vnni_packed_size(const Conv2dGeometry& g) {
  return Layout(g, Grouping::kByColumn).total();
}

void conv2d_qs8_depthwise_3x3_c64_avx512vnni_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                                  const Conv2dQs8Weights& w, void* packed) {
  pack(g, p, w, Grouping::kByColumn, packed);
}

void conv2d_qs8_depthwise_3x3_c64_avx512vnni(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                             const Conv2dQs8Weights& w, const int8_t* input,
                                             int8_t* output, const Conv2dSlice& slice) {
  if (g.stride_width == 1) {
    run_rows<1>(g, p, w, input, output, slice);
  } else {
    run_rows<2>(g, p, w, input, output, slice);
  }
}

size_t conv2d_qs8_depthwise_5x5_c64_avx512vnni_packed_size(const Conv2dGeometry& g) {
  return Layout(g, Grouping::kByColumn5x5).total();
}

void conv2d_qs8_depthwise_5x5_c64_avx512vnni_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                                  const Conv2dQs8Weights& w, void* packed) {
  pack(g, p, w, Grouping::kByColumn5x5, packed);
}

void conv2d_qs8_depthwise_5x5_c64_avx512vnni(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                             const Conv2dQs8Weights& w, const int8_t* input,
                                             int8_t* output, const Conv2dSlice& slice) {
  if (g.stride_width == 1) {
    run_rows_5x5<1>(g, p, w, input, output, slice);
  } else {
    run_rows_5x5<2>(g, p, w, input, output, slice);
  }
}

}  // namespace qrun::kernels
