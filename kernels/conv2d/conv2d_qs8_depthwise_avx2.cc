// Int8 depthwise Conv2D (one output channel per input channel) on x86 AVX2, the taps two at a
// time through vpmaddwd. Sixteen channels of two taps are widened to int16 (vpmovsxbw) and
// interleaved into (tap a, tap b) pairs, which meet the weights' matching pairs: one vpmaddwd gives
// eight channels' sums over both taps, exact in int32. The 32-bit multiply this replaces (vpmulld,
// one tap of eight channels per instruction) did a quarter of the work per uop.
//
// Two kernels share that scheme and differ in which taps a pair holds:
// - conv2d_qs8_depthwise_avx2: any window, one output pixel at a time, its taps paired in
//   row-major order (an odd window's last tap with a zero weight). Every pixel widens and
//   interleaves each of its taps anew.
// - conv2d_qs8_depthwise_3x3_avx2 and _5x5_avx2: a row of output pixels at a time. A pair is two
//   rows of one input column (an odd window's last row pairs with zeros), so each column of a
//   chunk of the row is widened and interleaved once, into a buffer, and serves every output pixel
//   whose window covers it: three (3x3) or five (5x5) at stride 1. The pixels then only multiply
//   and add, with none of the per-pixel walk over tap addresses. It pays more multiplies (a 3x3
//   window takes six pairs, not five), so the registry gives it long rows at stride 1 only.
//
// The interleave works within 128-bit halves, so one accumulator holds channels 0-3 and 8-11 of
// a group of 16 and the other 4-7 and 12-15; weights, bias and multipliers are in that order, and
// the narrowing packs, which also work within halves, put the results back in channel order.
//
// The input's zero point is folded into the bias at load time, which needs padded taps to read
// the zero point itself:
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w,  with padding reading x = zx.
// Requantization is the reference's, step by step (common/requantize_avx2.h).
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "common/overread.h"
#include "common/requantize_avx2.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_depthwise_walk.h"

namespace qrun::kernels {
namespace {

constexpr int kGroupChannels = 16;

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Which two taps each weight pair holds.
enum class Pairing {
  kInOrder,   // pair p: taps 2p and 2p + 1 in row-major order; past the last tap, none
  kByColumn,  // pair kx * rows_paired / 2 + s: rows 2s and 2s + 1 of column kx; past the last, none
};

// Kernel rows rounded up to pairs.
int rows_paired(const Conv2dGeometry& g) {
  return (g.kernel_height + 1) / 2 * 2;
}

int pairs_of(const Conv2dGeometry& g, Pairing pairing) {
  if (pairing == Pairing::kByColumn) return g.kernel_width * rows_paired(g) / 2;
  return (g.kernel_height * g.kernel_width + 1) / 2;
}

// The tap (row-major index) in one half of a pair, or -1 for none.
int tap_of(const Conv2dGeometry& g, Pairing pairing, int pair, int half) {
  if (pairing == Pairing::kByColumn) {
    const int pairs_per_column = rows_paired(g) / 2;
    const int kx = pair / pairs_per_column;
    const int ky = 2 * (pair % pairs_per_column) + half;
    return ky < g.kernel_height ? ky * g.kernel_width + kx : -1;
  }
  const int tap = 2 * pair + half;
  return tap < g.kernel_height * g.kernel_width ? tap : -1;
}

// A row of the input's zero point (padded taps read it), the corrected bias (int32, each group
// of 16 channels in accumulator order), then for each pair of taps and each group of 16 channels
// two vectors of (tap a, tap b) int16 weight pairs, also in accumulator order.
struct PackedLayout {
  size_t channels_padded;
  size_t pairs;
  size_t zero_row_bytes;

  PackedLayout(const Conv2dGeometry& g, Pairing pairing)
      : channels_padded(round_up(static_cast<size_t>(g.output_channels), kGroupChannels)),
        pairs(static_cast<size_t>(pairs_of(g, pairing))),
        zero_row_bytes(round_up(static_cast<size_t>(g.input_channels) + kInputOverreadBytes, 64)) {}
  size_t total() const {
    return zero_row_bytes + channels_padded * 4 + pairs * channels_padded * 4;
  }
};

// Where channel `c % 16` of a group sits among the 16 int32 lanes of its two accumulators:
// vpunpcklwd takes channels 0-3 and 8-11 (lanes 0-7 of the first), vpunpckhwd 4-7 and 12-15.
int lane_of_channel(int c) {
  const int half = c / 8;    // which 128-bit half of the widened input
  const int within = c % 8;  // channel within it
  return (within < 4 ? 0 : 8) + half * 4 + within % 4;
}

void pack(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
          Pairing pairing, void* packed) {
  const PackedLayout layout(g, pairing);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, layout.total());
  std::memset(bytes, static_cast<uint8_t>(p.input_zero_point), layout.zero_row_bytes);
  auto* bias = reinterpret_cast<int32_t*>(bytes + layout.zero_row_bytes);
  auto* weights = reinterpret_cast<int16_t*>(bias + layout.channels_padded);
  const size_t taps = static_cast<size_t>(g.kernel_height) * g.kernel_width;
  for (int c = 0; c < g.output_channels; ++c) {
    const size_t slot =
        static_cast<size_t>(c - c % kGroupChannels + lane_of_channel(c % kGroupChannels));
    const int8_t* channel_weights = w.ohwi + static_cast<size_t>(c) * taps;
    for (size_t pair = 0; pair < layout.pairs; ++pair) {
      for (int half = 0; half < 2; ++half) {
        const int tap = tap_of(g, pairing, static_cast<int>(pair), half);
        // [pair][channel slot][half]
        if (tap >= 0)
          weights[(pair * layout.channels_padded + slot) * 2 + half] = channel_weights[tap];
      }
    }
    // Unsigned: the corrected bias may wrap, exactly as the kernel's int32 sums do.
    uint32_t column_sum = 0;
    for (size_t tap = 0; tap < taps; ++tap) {
      column_sum += static_cast<uint32_t>(static_cast<int32_t>(channel_weights[tap]));
    }
    bias[slot] = static_cast<int32_t>(static_cast<uint32_t>(w.bias[c]) -
                                      static_cast<uint32_t>(p.input_zero_point) * column_sum);
  }
}

// The packed parts a kernel call reads.
struct Packed {
  const int8_t* zero_row;
  const int32_t* bias;
  const __m256i* weights;
  // Vectors from one pair of taps to the next: channels_padded int16 pairs, eight per vector.
  size_t pair_stride;

  Packed(const PackedLayout& layout, const void* packed) {
    const auto* bytes = static_cast<const uint8_t*>(packed);
    zero_row = reinterpret_cast<const int8_t*>(bytes);
    bias = reinterpret_cast<const int32_t*>(bytes + layout.zero_row_bytes);
    weights = reinterpret_cast<const __m256i*>(bias + layout.channels_padded);
    pair_stride = layout.channels_padded / 8;
  }
};

// A group's 16 multipliers in the accumulators' order: channels 0-3 and 8-11, then 4-7 and
// 12-15. Lanes past the first `left` channels are 0 and never read from memory.
struct GroupMultipliers {
  __m256 first, second;
  GroupMultipliers(const float* multipliers, int left) {
    const __m256 low = avx2_load_multipliers(multipliers, left);
    const __m256 high = avx2_load_multipliers(multipliers + 8, left - 8);
    first = _mm256_permute2f128_ps(low, high, 0x20);
    second = _mm256_permute2f128_ps(low, high, 0x31);
  }
};

// Requantizes a group's two accumulators and stores its first `left` channels (at most 16). Per
// 128-bit half, vpackssdw puts four channels of the first after four of the second, which in
// accumulator order is channels 0-7 (low half) and 8-15 (high half).
[[gnu::always_inline]] inline void store_group(__m256i acc0, __m256i acc1,
                                               const GroupMultipliers& m,
                                               const Avx2Requantization& requantize, int left,
                                               int8_t* out) {
  const __m256i words = requantize.words(
      requantize.rounded_capped(_mm256_mul_ps(_mm256_cvtepi32_ps(acc0), m.first)),
      requantize.rounded_capped(_mm256_mul_ps(_mm256_cvtepi32_ps(acc1), m.second)));
  avx2_store_bytes(
      out, _mm_packs_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1)),
      left < kGroupChannels ? left : kGroupChannels);
}

// Sixteen channels of one tap pair, interleaved: channels 0-3 and 8-11 in `low`, 4-7 and 12-15
// in `high`, each lane (tap a, tap b).
struct PairVectors {
  __m256i low, high;
};

PairVectors interleave(__m256i a, __m256i b) {
  return {_mm256_unpacklo_epi16(a, b), _mm256_unpackhi_epi16(a, b)};
}

__m256i widen(const int8_t* x) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x)));
}

// One output pixel, `Groups` x 16 channels from channel `c`, its taps paired in order.
template <int Groups>
[[gnu::always_inline]] inline void compute_channels(const int8_t* const* taps, int pairs,
                                                    const Packed& packed, const float* multipliers,
                                                    const Avx2Requantization& requantize, int c,
                                                    int channels, int8_t* out) {
  __m256i acc[Groups][2];
#pragma GCC unroll 2
  for (int v = 0; v < Groups; ++v) {
    acc[v][0] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(packed.bias + c) + 2 * v);
    acc[v][1] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(packed.bias + c) + 2 * v + 1);
  }
  const __m256i* w = packed.weights + c / 8;
  for (int pair = 0; pair < pairs; ++pair, w += packed.pair_stride) {
    const int8_t* xa = taps[2 * pair] + c;
    const int8_t* xb = taps[2 * pair + 1] + c;
#pragma GCC unroll 2
    for (int v = 0; v < Groups; ++v) {
      // Lanes past the last channel read slack or a neighbour and meet zero weights.
      const PairVectors x =
          interleave(widen(xa + kGroupChannels * v), widen(xb + kGroupChannels * v));
      acc[v][0] =
          _mm256_add_epi32(acc[v][0], _mm256_madd_epi16(x.low, _mm256_load_si256(w + 2 * v)));
      acc[v][1] =
          _mm256_add_epi32(acc[v][1], _mm256_madd_epi16(x.high, _mm256_load_si256(w + 2 * v + 1)));
    }
  }
#pragma GCC unroll 2
  for (int v = 0; v < Groups; ++v) {
    const int first = c + kGroupChannels * v;
    const int left = channels - first;
    store_group(acc[v][0], acc[v][1], GroupMultipliers(multipliers + first, left), requantize, left,
                out + first);
  }
}

// Output pixels per chunk of a row in the by-column kernels: their columns' pairs stay in L1.
constexpr int kChunkPixels = 32;
constexpr int kMaxStride = 2;

// Adds `Pixels` neighbouring output pixels' windows into their accumulators (each [low, high]):
// pixel i's window starts `stride` columns after pixel i - 1's. Each weight pair is loaded once
// for all of them.
template <int Width, int RowPairs, int Pixels>
[[gnu::always_inline]] inline void accumulate(const PairVectors (*columns)[RowPairs], int stride,
                                              const __m256i* weights, __m256i (*acc)[2]) {
#pragma GCC unroll 8
  for (int kx = 0; kx < Width; ++kx) {
#pragma GCC unroll 4
    for (int s = 0; s < RowPairs; ++s) {
      const __m256i w_low = weights[2 * (kx * RowPairs + s)];
      const __m256i w_high = weights[2 * (kx * RowPairs + s) + 1];
#pragma GCC unroll 2
      for (int i = 0; i < Pixels; ++i) {
        const PairVectors& x = columns[i * stride + kx][s];
        acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(x.low, w_low));
        acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(x.high, w_high));
      }
    }
  }
}

// A row of output pixels with `Width` x `Height` windows at a column stride of at most two,
// undilated. The columns of a chunk of the row are widened and interleaved once, into `pairs`;
// each pixel then reads its window's columns from there.
template <int Width, int Height>
void depthwise_by_column(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                         const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                         const Conv2dSlice& slice) {
  constexpr int kRowPairs = (Height + 1) / 2;
  constexpr int kMaxColumns = (kChunkPixels - 1) * kMaxStride + Width;
  const PackedLayout layout(g, Pairing::kByColumn);
  const Packed packed(layout, w.packed);
  const Avx2Requantization requantize(p.output);
  const int channels = g.output_channels;
  const size_t row_bytes = static_cast<size_t>(g.input_width) * channels;
  const int stride = g.stride_width;
  PairVectors pairs[kMaxColumns][kRowPairs];
  for (size_t row = slice.row_begin; row < slice.row_end; ++row) {
    const int n = static_cast<int>(row / g.output_height);
    const int oy = static_cast<int>(row % g.output_height);
    const int8_t* image = input + static_cast<size_t>(n) * g.input_height * row_bytes;
    int8_t* out_row = output + row * g.output_width * channels;
    // Each window row's first pixel, and the step to the next; rows in the padding read the zero
    // row at every column.
    const int8_t* row_start[Height];
    int column_step[Height];
    for (int ky = 0; ky < Height; ++ky) {
      const int iy = oy * g.stride_height - g.pad_top + ky;
      const bool inside = iy >= 0 && iy < g.input_height;
      row_start[ky] = inside ? image + static_cast<size_t>(iy) * row_bytes : packed.zero_row;
      column_step[ky] = inside ? channels : 0;
    }
    for (int c = static_cast<int>(slice.channel_begin); c < static_cast<int>(slice.channel_end);
         c += kGroupChannels) {
      const int left = static_cast<int>(slice.channel_end) - c;
      const __m256i bias0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(packed.bias + c));
      const __m256i bias1 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(packed.bias + c) + 1);
      const GroupMultipliers m(p.multipliers + c, left);
      // The group's weight pairs side by side, [pair][half], so that every pixel finds them at
      // fixed offsets from one address.
      __m256i group_weights[Width * kRowPairs * 2];
      for (int pair = 0; pair < Width * kRowPairs; ++pair) {
        const __m256i* from = packed.weights + c / 8 + pair * packed.pair_stride;
        group_weights[2 * pair] = _mm256_load_si256(from);
        group_weights[2 * pair + 1] = _mm256_load_si256(from + 1);
      }
      for (int chunk = 0; chunk < g.output_width; chunk += kChunkPixels) {
        const int pixels = std::min(kChunkPixels, g.output_width - chunk);
        const int x_first = chunk * stride - g.pad_left;
        const int columns = (pixels - 1) * stride + Width;
        for (int j = 0; j < columns; ++j) {
          const int x = x_first + j;
          const bool inside = x >= 0 && x < g.input_width;
          __m256i rows[2 * kRowPairs];
#pragma GCC unroll 8
          for (int ky = 0; ky < Height; ++ky) {
            // Lanes past the last channel read slack or a neighbour and meet zero weights.
            rows[ky] =
                widen(inside ? row_start[ky] + static_cast<ptrdiff_t>(x) * column_step[ky] + c
                             : packed.zero_row + c);
          }
          if (Height % 2 != 0) rows[Height] = _mm256_setzero_si256();
#pragma GCC unroll 4
          for (int s = 0; s < kRowPairs; ++s)
            pairs[j][s] = interleave(rows[2 * s], rows[2 * s + 1]);
        }
        int8_t* out = out_row + static_cast<size_t>(chunk) * channels + c;
        int i = 0;
        for (; i + 2 <= pixels; i += 2, out += 2 * channels) {
          __m256i acc[2][2] = {{bias0, bias1}, {bias0, bias1}};
          accumulate<Width, kRowPairs, 2>(pairs + i * stride, stride, group_weights, acc);
          store_group(acc[0][0], acc[0][1], m, requantize, left, out);
          store_group(acc[1][0], acc[1][1], m, requantize, left, out + channels);
        }
        if (i < pixels) {
          __m256i acc[1][2] = {{bias0, bias1}};
          accumulate<Width, kRowPairs, 1>(pairs + i * stride, stride, group_weights, acc);
          store_group(acc[0][0], acc[0][1], m, requantize, left, out);
        }
      }
    }
  }
}

}  // namespace

size_t conv2d_qs8_depthwise_avx2_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g, Pairing::kInOrder).total();
}

void conv2d_qs8_depthwise_avx2_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                    const Conv2dQs8Weights& w, void* packed) {
  pack(g, p, w, Pairing::kInOrder, packed);
}

void conv2d_qs8_depthwise_avx2(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                               const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                               const Conv2dSlice& slice) {
  const PackedLayout layout(g, Pairing::kInOrder);
  const Packed packed(layout, w.packed);
  const Avx2Requantization requantize(p.output);
  const int pairs = static_cast<int>(layout.pairs);
  // Only this call's channels; the end also bounds the last group's valid lanes.
  const int channel_begin = static_cast<int>(slice.channel_begin);
  const int channel_end = static_cast<int>(slice.channel_end);
  depthwise_for_each_pixel(
      g, input, output, slice, packed.zero_row, 2 * pairs,
      [&](const int8_t* const* taps, int8_t* out) {
        int c = channel_begin;
        for (; channel_end - c > kGroupChannels; c += 2 * kGroupChannels) {
          compute_channels<2>(taps, pairs, packed, p.multipliers, requantize, c, channel_end, out);
        }
        if (c < channel_end) {
          compute_channels<1>(taps, pairs, packed, p.multipliers, requantize, c, channel_end, out);
        }
      });
}

size_t conv2d_qs8_depthwise_by_column_avx2_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g, Pairing::kByColumn).total();
}

void conv2d_qs8_depthwise_by_column_avx2_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                              const Conv2dQs8Weights& w, void* packed) {
  pack(g, p, w, Pairing::kByColumn, packed);
}

void conv2d_qs8_depthwise_3x3_avx2(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                   const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                   const Conv2dSlice& slice) {
  depthwise_by_column<3, 3>(g, p, w, input, output, slice);
}

void conv2d_qs8_depthwise_5x5_avx2(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                   const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                   const Conv2dSlice& slice) {
  depthwise_by_column<5, 5>(g, p, w, input, output, slice);
}

}  // namespace qrun::kernels
