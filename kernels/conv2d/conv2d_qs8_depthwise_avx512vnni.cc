// Int8 depthwise Conv2D (one output channel per input channel) on x86 AVX512-VNNI: vpdpbusd sums
// four taps of a channel at once. For 64 channels of one output pixel, four taps' vectors are
// interleaved byte by byte (two rounds of unpacks) into four vectors whose 32-bit lanes each hold
// one channel's four taps; unpacks work within 128-bit lanes, so those vectors hold channels in a
// fixed shuffled order, which the packed weights, bias and multipliers share, and which one
// vpermd undoes before the store. When the channels end 1 to 32 past a multiple of 64 (MobileNet's
// 32, 96, 144), the last block is one of 32 channels in ymm registers, the same scheme at half
// width, so that no block is more than half empty.
//
// As in the GEMM, the input is made unsigned (x + 128) and the packed bias absorbs it:
//   sum (x - zx) * w  =  sum (x + 128) * w  -  (128 + zx) * sum w,
// padded taps read a row of the zero point, and taps beyond the last real one (filling the last
// group of four) read that row too, against zero weights. Requantization is the reference's.
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
constexpr int kTailChannels = 32;
constexpr int kTapsPerGroup = 4;

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Accumulator a, 32-bit lane l holds channel 16 * (l / 4) + 4 * a + l % 4 of its block (lanes 0-15
// in a block of 64, 0-7 in the tail block of 32).
int channel_of(int accumulator, int lane) {
  return 16 * (lane / 4) + 4 * accumulator + lane % 4;
}

// Packed: the zero-point row (channels + overread slack); then per block, the corrected bias
// (int32) and the multipliers (float), both in accumulator order, and per group of four taps, four
// vectors of [channel][tap] bytes in accumulator order. Blocks hold 64 channels, but for a tail
// block of 32 when the channels end 1 to 32 past a multiple of 64.
struct Layout {
  size_t wide_blocks;  // of 64 channels
  bool tail;           // a last block of 32
  size_t groups;
  size_t zero_row_bytes;

  explicit Layout(const Conv2dGeometry& g)
      : wide_blocks(static_cast<size_t>(g.output_channels) / kBlockChannels),
        tail(false),
        groups(round_up(static_cast<size_t>(g.kernel_height) * g.kernel_width, kTapsPerGroup) /
               kTapsPerGroup),
        zero_row_bytes(round_up(static_cast<size_t>(g.input_channels) + kInputOverreadBytes, 64)) {
    const int rest = g.output_channels % kBlockChannels;
    if (rest > kTailChannels) ++wide_blocks;
    tail = rest > 0 && rest <= kTailChannels;
  }
  // Bias, multipliers and each group of weights take four bytes per channel each.
  size_t block_bytes(int channels) const { return (2 + groups) * 4 * channels; }
  size_t total() const {
    return zero_row_bytes + wide_blocks * block_bytes(kBlockChannels) +
           (tail ? block_bytes(kTailChannels) : 0);
  }
};

// Interleaves the bytes of four taps: lane j of the result holds channel (fixed order) x 4 taps.
void interleave(__m512i t0, __m512i t1, __m512i t2, __m512i t3, __m512i* quads) {
  const __m512i a = _mm512_unpacklo_epi8(t0, t1);
  const __m512i b = _mm512_unpackhi_epi8(t0, t1);
  const __m512i c = _mm512_unpacklo_epi8(t2, t3);
  const __m512i d = _mm512_unpackhi_epi8(t2, t3);
  quads[0] = _mm512_unpacklo_epi16(a, c);
  quads[1] = _mm512_unpackhi_epi16(a, c);
  quads[2] = _mm512_unpacklo_epi16(b, d);
  quads[3] = _mm512_unpackhi_epi16(b, d);
}

// The output's requantization constants, for either register width.
struct Requantization {
  explicit Requantization(const Qs8Output& out)
      : low(static_cast<float>(out.min - out.zero_point)),
        high(static_cast<float>(out.max - out.zero_point)),
        zero_point(out.zero_point) {}
  float low, high;
  int32_t zero_point;
};

// One output pixel's channels [c, c + 64) of a wide block (`left` of them are real).
void wide_block(const int8_t* const* taps, int c, int slots, const uint8_t* block,
                const Requantization& r, int left, int8_t* out) {
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const auto* bias = reinterpret_cast<const int32_t*>(block);
  const auto* multipliers = reinterpret_cast<const float*>(block + 4 * kBlockChannels);
  const uint8_t* weights = block + 8 * kBlockChannels;
  __m512i acc[4];
  for (int a = 0; a < 4; ++a) acc[a] = _mm512_load_si512(bias + 16 * a);
  for (int t = 0; t < slots; t += kTapsPerGroup, weights += 4 * kBlockChannels) {
    // Channels past the last read slack or a neighbour and meet zero weights.
    __m512i quads[4];
    interleave(_mm512_loadu_si512(taps[t] + c), _mm512_loadu_si512(taps[t + 1] + c),
               _mm512_loadu_si512(taps[t + 2] + c), _mm512_loadu_si512(taps[t + 3] + c), quads);
    for (int a = 0; a < 4; ++a) {
      acc[a] = _mm512_dpbusd_epi32(acc[a], _mm512_xor_si512(quads[a], sign_flip),
                                   _mm512_load_si512(weights + 64 * a));
    }
  }
  __m512i bytes = _mm512_setzero_si512();
  for (int a = 0; a < 4; ++a) {
    __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[a]), _mm512_load_ps(multipliers + 16 * a));
    scaled = _mm512_min_ps(_mm512_max_ps(scaled, _mm512_set1_ps(r.low)), _mm512_set1_ps(r.high));
    const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(scaled), _mm512_set1_epi32(r.zero_point));
    const __m128i packed_bytes = _mm512_cvtsepi32_epi8(q);
    switch (a) {
      case 0: bytes = _mm512_inserti32x4(bytes, packed_bytes, 0); break;
      case 1: bytes = _mm512_inserti32x4(bytes, packed_bytes, 1); break;
      case 2: bytes = _mm512_inserti32x4(bytes, packed_bytes, 2); break;
      default: bytes = _mm512_inserti32x4(bytes, packed_bytes, 3); break;
    }
  }
  // Back from accumulator order to channel order, four bytes (one 32-bit lane) at a time.
  const __m512i unshuffle = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __mmask64 mask = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
  _mm512_mask_storeu_epi8(out, mask, _mm512_permutexvar_epi32(unshuffle, bytes));
}

// The same for a tail block of 32 channels, at half width.
void tail_block(const int8_t* const* taps, int c, int slots, const uint8_t* block,
                const Requantization& r, int left, int8_t* out) {
  const __m256i sign_flip = _mm256_set1_epi8(static_cast<char>(0x80));
  const auto* bias = reinterpret_cast<const int32_t*>(block);
  const auto* multipliers = reinterpret_cast<const float*>(block + 4 * kTailChannels);
  const uint8_t* weights = block + 8 * kTailChannels;
  __m256i acc[4];
  for (int a = 0; a < 4; ++a)
    acc[a] = _mm256_load_si256(reinterpret_cast<const __m256i*>(bias + 8 * a));
  for (int t = 0; t < slots; t += kTapsPerGroup, weights += 4 * kTailChannels) {
    const __m256i t0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(taps[t] + c));
    const __m256i t1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(taps[t + 1] + c));
    const __m256i t2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(taps[t + 2] + c));
    const __m256i t3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(taps[t + 3] + c));
    const __m256i lo01 = _mm256_unpacklo_epi8(t0, t1), hi01 = _mm256_unpackhi_epi8(t0, t1);
    const __m256i lo23 = _mm256_unpacklo_epi8(t2, t3), hi23 = _mm256_unpackhi_epi8(t2, t3);
    const __m256i quads[4] = {_mm256_unpacklo_epi16(lo01, lo23), _mm256_unpackhi_epi16(lo01, lo23),
                              _mm256_unpacklo_epi16(hi01, hi23), _mm256_unpackhi_epi16(hi01, hi23)};
    for (int a = 0; a < 4; ++a) {
      acc[a] = _mm256_dpbusd_epi32(
          acc[a], _mm256_xor_si256(quads[a], sign_flip),
          _mm256_load_si256(reinterpret_cast<const __m256i*>(weights + 32 * a)));
    }
  }
  __m256i bytes = _mm256_setzero_si256();
  for (int a = 0; a < 4; ++a) {
    __m256 scaled = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[a]), _mm256_load_ps(multipliers + 8 * a));
    scaled = _mm256_min_ps(_mm256_max_ps(scaled, _mm256_set1_ps(r.low)), _mm256_set1_ps(r.high));
    const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(scaled), _mm256_set1_epi32(r.zero_point));
    // Accumulator a's eight bytes go to 64-bit element a.
    const __m256i eight = _mm256_castsi128_si256(_mm256_cvtsepi32_epi8(q));
    bytes = _mm256_mask_permutexvar_epi64(bytes, static_cast<__mmask8>(1u << a),
                                          _mm256_set1_epi64x(0), eight);
  }
  // 32-bit element 2a + j holds channels 16j + 4a .. +3: back to channel order.
  const __m256i unshuffle = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  const __mmask32 mask = left >= 32 ? ~__mmask32{0} : (__mmask32{1} << left) - 1;
  _mm256_mask_storeu_epi8(out, mask, _mm256_permutevar8x32_epi32(bytes, unshuffle));
}

}  // namespace

size_t conv2d_qs8_depthwise_c64_avx512vnni_packed_size(const Conv2dGeometry& g) {
  return Layout(g).total();
}

void conv2d_qs8_depthwise_c64_avx512vnni_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                              const Conv2dQs8Weights& w, void* packed) {
  const Layout layout(g);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, layout.total());
  std::memset(bytes, static_cast<uint8_t>(p.input_zero_point), layout.zero_row_bytes);
  const size_t taps = static_cast<size_t>(g.kernel_height) * g.kernel_width;
  const uint32_t sign_shift = static_cast<uint32_t>(128 + p.input_zero_point);
  const size_t blocks = layout.wide_blocks + (layout.tail ? 1 : 0);
  uint8_t* base = bytes + layout.zero_row_bytes;
  for (size_t block = 0; block < blocks; ++block) {
    const int block_channels = block < layout.wide_blocks ? kBlockChannels : kTailChannels;
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
          const int8_t value = w.ohwi[c * taps + tap];
          column_sum += static_cast<uint32_t>(static_cast<int32_t>(value));
          const size_t group = tap / kTapsPerGroup;
          weights[(group * 4 + a) * block_channels + lane * 4 + tap % kTapsPerGroup] = value;
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

void conv2d_qs8_depthwise_c64_avx512vnni(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                         const Conv2dQs8Weights& w, const int8_t* input,
                                         int8_t* output, const Conv2dSlice& slice) {
  const Layout layout(g);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const int slots = static_cast<int>(layout.groups) * kTapsPerGroup;
  const Requantization requantization(p.output);
  // Only this call's channels, in whole blocks but for the last.
  const int channel_begin = static_cast<int>(slice.channel_begin);
  const int channel_end = static_cast<int>(slice.channel_end);
  const int wide_end = std::min(channel_end, static_cast<int>(layout.wide_blocks) * kBlockChannels);
  depthwise_for_each_pixel(
      g, input, output, slice, zero_row, slots, [&](const int8_t* const* taps, int8_t* out) {
        const uint8_t* block = packed + layout.zero_row_bytes +
                               channel_begin / kBlockChannels * layout.block_bytes(kBlockChannels);
        int c = channel_begin;
        for (; c < wide_end; c += kBlockChannels, block += layout.block_bytes(kBlockChannels)) {
          wide_block(taps, c, slots, block, requantization, channel_end - c, out + c);
        }
        if (c < channel_end) {
          tail_block(taps, c, slots, block, requantization, channel_end - c, out + c);
        }
      });
}

}  // namespace qrun::kernels
