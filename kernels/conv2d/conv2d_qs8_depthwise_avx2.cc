// Int8 depthwise Conv2D (one output channel per input channel) on x86 AVX2: for each output pixel,
// 32 channels at a time, the taps two at a time through vpmaddwd. Sixteen channels of two taps
// are widened to int16 (vpmovsxbw) and interleaved into (tap a, tap b) pairs, which meet the
// weights' matching pairs: one vpmaddwd gives eight channels' sums over both taps, exact in
// int32. An odd window's last tap pairs with a zero weight. The 32-bit multiply this replaces
// (vpmulld, one tap of eight channels per instruction) did a quarter of the work per uop.
//
// The interleave works within 128-bit halves, so one accumulator holds channels 0-3 and 8-11 of
// a group of 16 and the other 4-7 and 12-15; weights and bias are packed in that order, and the
// sums are put back in channel order once, before requantization.
//
// The input's zero point is folded into the bias at load time, which needs padded taps to read
// the zero point itself:
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w,  with padding reading x = zx.
// Requantization is the reference's, step by step (common/requantize_avx2.h).
#include <immintrin.h>

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

// A row of the input's zero point (padded taps read it), the corrected bias (int32, each group
// of 16 channels in accumulator order), then for each pair of taps and each group of 16 channels
// two vectors of (tap a, tap b) int16 weight pairs, also in accumulator order.
struct PackedLayout {
  size_t channels_padded;
  size_t taps;
  size_t pairs;
  size_t zero_row_bytes;

  explicit PackedLayout(const Conv2dGeometry& g)
      : channels_padded(round_up(static_cast<size_t>(g.output_channels), kGroupChannels)),
        taps(static_cast<size_t>(g.kernel_height) * g.kernel_width),
        pairs((taps + 1) / 2),
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

// One output pixel, `Groups` x 16 channels from channel `c`.
template <int Groups>
[[gnu::always_inline]] inline void compute_channels(const int8_t* const* taps, int pairs,
                                                    const int32_t* bias, const __m256i* weights,
                                                    size_t pair_stride, const float* multipliers,
                                                    const Avx2Requantization& requantize, int c,
                                                    int channels, int8_t* out) {
  __m256i acc[Groups][2];
#pragma GCC unroll 2
  for (int v = 0; v < Groups; ++v) {
    acc[v][0] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + c) + 2 * v);
    acc[v][1] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + c) + 2 * v + 1);
  }
  const __m256i* w = weights + c / 8;
  for (int pair = 0; pair < pairs; ++pair, w += pair_stride) {
    const int8_t* xa = taps[2 * pair] + c;
    const int8_t* xb = taps[2 * pair + 1] + c;
#pragma GCC unroll 2
    for (int v = 0; v < Groups; ++v) {
      // Lanes past the last channel read slack or a neighbour and meet zero weights.
      const __m256i a = _mm256_cvtepi8_epi16(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(xa + kGroupChannels * v)));
      const __m256i b = _mm256_cvtepi8_epi16(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(xb + kGroupChannels * v)));
      acc[v][0] = _mm256_add_epi32(
          acc[v][0], _mm256_madd_epi16(_mm256_unpacklo_epi16(a, b), _mm256_load_si256(w + 2 * v)));
      acc[v][1] = _mm256_add_epi32(acc[v][1], _mm256_madd_epi16(_mm256_unpackhi_epi16(a, b),
                                                                _mm256_load_si256(w + 2 * v + 1)));
    }
  }
  const __m256i zero_point = _mm256_packs_epi32(requantize.zero_point, requantize.zero_point);
#pragma GCC unroll 2
  for (int v = 0; v < Groups; ++v) {
    const int first = c + kGroupChannels * v;
    const int left = channels - first;
    // Channels 0-7 and 8-15 in order, from the accumulators' halves.
    const __m256i low = _mm256_permute2x128_si256(acc[v][0], acc[v][1], 0x20);
    const __m256i high = _mm256_permute2x128_si256(acc[v][0], acc[v][1], 0x31);
    const __m256 m0 = avx2_load_multipliers(multipliers + first, left);
    const __m256 m1 = avx2_load_multipliers(multipliers + first + 8, left - 8);
    const __m256i q0 = requantize.rounded(_mm256_mul_ps(_mm256_cvtepi32_ps(low), m0));
    const __m256i q1 = requantize.rounded(_mm256_mul_ps(_mm256_cvtepi32_ps(high), m1));
    // The zero point goes onto int16 words, where it saturates nothing (the clamp put every
    // value in [min - zp, max - zp]).
    const __m256i words =
        _mm256_adds_epi16(_mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xD8), zero_point);
    avx2_store_bytes(
        out + first,
        _mm_packs_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1)),
        left < kGroupChannels ? left : kGroupChannels);
  }
}

}  // namespace

size_t conv2d_qs8_depthwise_avx2_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g).total();
}

void conv2d_qs8_depthwise_avx2_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                    const Conv2dQs8Weights& w, void* packed) {
  const PackedLayout layout(g);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, layout.total());
  std::memset(bytes, static_cast<uint8_t>(p.input_zero_point), layout.zero_row_bytes);
  auto* bias = reinterpret_cast<int32_t*>(bytes + layout.zero_row_bytes);
  auto* weights = reinterpret_cast<int16_t*>(bias + layout.channels_padded);
  for (int c = 0; c < g.output_channels; ++c) {
    const size_t slot =
        static_cast<size_t>(c - c % kGroupChannels + lane_of_channel(c % kGroupChannels));
    // Unsigned: the corrected bias may wrap, exactly as the kernel's int32 sums do.
    uint32_t column_sum = 0;
    for (size_t tap = 0; tap < layout.taps; ++tap) {
      const int8_t value = w.ohwi[static_cast<size_t>(c) * layout.taps + tap];
      // [pair][channel slot][tap % 2]
      weights[(tap / 2 * layout.channels_padded + slot) * 2 + tap % 2] = value;
      column_sum += static_cast<uint32_t>(static_cast<int32_t>(value));
    }
    bias[slot] = static_cast<int32_t>(static_cast<uint32_t>(w.bias[c]) -
                                      static_cast<uint32_t>(p.input_zero_point) * column_sum);
  }
}

void conv2d_qs8_depthwise_avx2(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                               const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                               const Conv2dSlice& slice) {
  const PackedLayout layout(g);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const int32_t* bias = reinterpret_cast<const int32_t*>(packed + layout.zero_row_bytes);
  const auto* weights = reinterpret_cast<const __m256i*>(bias + layout.channels_padded);
  // A pair of taps is channels_padded pairs of int16: that many eighths of a vector.
  const size_t pair_stride = layout.channels_padded / 8;
  const Avx2Requantization requantize(p.output);
  const int pairs = static_cast<int>(layout.pairs);
  // Only this call's channels; the end also bounds the last group's valid lanes.
  const int channel_begin = static_cast<int>(slice.channel_begin);
  const int channel_end = static_cast<int>(slice.channel_end);
  depthwise_for_each_pixel(g, input, output, slice, zero_row, 2 * pairs,
                           [&](const int8_t* const* taps, int8_t* out) {
                             int c = channel_begin;
                             for (; channel_end - c > kGroupChannels; c += 2 * kGroupChannels) {
                               compute_channels<2>(taps, pairs, bias, weights, pair_stride,
                                                   p.multipliers, requantize, c, channel_end, out);
                             }
                             if (c < channel_end) {
                               compute_channels<1>(taps, pairs, bias, weights, pair_stride,
                                                   p.multipliers, requantize, c, channel_end, out);
                             }
                           });
}

}  // namespace qrun::kernels
