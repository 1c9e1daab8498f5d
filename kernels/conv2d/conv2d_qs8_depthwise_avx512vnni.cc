// Int8 depthwise Conv2D (one output channel per input channel) on x86 AVX512-VNNI: vpdpbusd sums
// four taps of a channel at once. For 64 channels of one output pixel, four taps' vectors are
// interleaved byte by byte (two rounds of unpacks) into four vectors whose 32-bit lanes each hold
// one channel's four taps; unpacks work within 128-bit lanes, so those vectors hold channels in a
// fixed shuffled order, which the packed weights, bias and multipliers share, and which one
// vpermd undoes before the store.
//
// As in the GEMM, the input is made unsigned (x + 128) and the packed bias absorbs it:
//   sum (x - zx) * w  =  sum (x + 128) * w  -  (128 + zx) * sum w,
// padded taps read a row of the zero point, and taps beyond the last real one (filling the last
// group of four) read that row too, against zero weights. Requantization is the reference's.
#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "common/overread.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_depthwise_walk.h"

namespace qrun::kernels {
namespace {

constexpr int kBlockChannels = 64;
constexpr int kTapsPerGroup = 4;

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Accumulator a, 32-bit lane l holds channel 16 * (l / 4) + 4 * a + l % 4 of its block.
int channel_of(int accumulator, int lane) {
  return 16 * (lane / 4) + 4 * accumulator + lane % 4;
}

// Packed: the zero-point row (channels + overread slack); then per block of 64 channels, the
// corrected bias (int32) and the multipliers (float), both in accumulator order, and per group of
// four taps, four vectors of [channel][tap] bytes in accumulator order.
struct Layout {
  size_t blocks;
  size_t groups;
  size_t zero_row_bytes;

  explicit Layout(const Conv2dGeometry& g)
      : blocks(round_up(static_cast<size_t>(g.output_channels), kBlockChannels) / kBlockChannels),
        groups(round_up(static_cast<size_t>(g.kernel_height) * g.kernel_width, kTapsPerGroup) /
               kTapsPerGroup),
        zero_row_bytes(round_up(static_cast<size_t>(g.input_channels) + kInputOverreadBytes, 64)) {}
  size_t block_bytes() const { return 2 * 256 + groups * 256; }
  size_t total() const { return zero_row_bytes + blocks * block_bytes(); }
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
  for (size_t block = 0; block < layout.blocks; ++block) {
    uint8_t* base = bytes + layout.zero_row_bytes + block * layout.block_bytes();
    auto* bias = reinterpret_cast<int32_t*>(base);
    auto* multipliers = reinterpret_cast<float*>(base + 256);
    auto* weights = reinterpret_cast<int8_t*>(base + 512);
    for (int a = 0; a < 4; ++a) {
      for (int lane = 0; lane < 16; ++lane) {
        const size_t c = block * kBlockChannels + static_cast<size_t>(channel_of(a, lane));
        if (c >= static_cast<size_t>(g.output_channels)) continue;
        uint32_t column_sum = 0;
        for (size_t tap = 0; tap < taps; ++tap) {
          const int8_t value = w.ohwi[c * taps + tap];
          column_sum += static_cast<uint32_t>(static_cast<int32_t>(value));
          const size_t group = tap / kTapsPerGroup;
          weights[(group * 4 + a) * 64 + lane * 4 + tap % kTapsPerGroup] = value;
        }
        // Unsigned: the corrected bias may wrap, exactly as the kernel's int32 sums do.
        bias[a * 16 + lane] =
            static_cast<int32_t>(static_cast<uint32_t>(w.bias[c]) - sign_shift * column_sum);
        multipliers[a * 16 + lane] = p.multipliers[c];
      }
    }
  }
}

void conv2d_qs8_depthwise_c64_avx512vnni(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                         const Conv2dQs8Weights& w, const int8_t* input,
                                         int8_t* output, const Conv2dSlice& slice) {
  const Layout layout(g);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const int slots = static_cast<int>(layout.groups) * kTapsPerGroup;
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512 low = _mm512_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m512 high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m512i zero_point = _mm512_set1_epi32(p.output.zero_point);
  // Back from accumulator order to channel order, four bytes (one 32-bit lane) at a time.
  const __m512i unshuffle = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  // Only this call's channels, in whole blocks but for the last.
  const int channel_begin = static_cast<int>(slice.channel_begin);
  const int channel_end = static_cast<int>(slice.channel_end);
  depthwise_for_each_pixel(
      g, input, output, slice, zero_row, slots, [&](const int8_t* const* taps, int8_t* out) {
        const uint8_t* block =
            packed + layout.zero_row_bytes + channel_begin / kBlockChannels * layout.block_bytes();
        for (int c = channel_begin; c < channel_end;
             c += kBlockChannels, block += layout.block_bytes()) {
          const auto* bias = reinterpret_cast<const int32_t*>(block);
          const auto* multipliers = reinterpret_cast<const float*>(block + 256);
          const uint8_t* weights = block + 512;
          __m512i acc[4];
          for (int a = 0; a < 4; ++a) acc[a] = _mm512_load_si512(bias + 16 * a);
          for (int t = 0; t < slots; t += kTapsPerGroup, weights += 256) {
            // Channels past the last read slack or a neighbour and meet zero weights.
            __m512i quads[4];
            interleave(_mm512_loadu_si512(taps[t] + c), _mm512_loadu_si512(taps[t + 1] + c),
                       _mm512_loadu_si512(taps[t + 2] + c), _mm512_loadu_si512(taps[t + 3] + c),
                       quads);
            for (int a = 0; a < 4; ++a) {
              acc[a] = _mm512_dpbusd_epi32(acc[a], _mm512_xor_si512(quads[a], sign_flip),
                                           _mm512_load_si512(weights + 64 * a));
            }
          }
          __m512i bytes = _mm512_setzero_si512();
          for (int a = 0; a < 4; ++a) {
            __m512 scaled =
                _mm512_mul_ps(_mm512_cvtepi32_ps(acc[a]), _mm512_load_ps(multipliers + 16 * a));
            scaled = _mm512_min_ps(_mm512_max_ps(scaled, low), high);
            const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(scaled), zero_point);
            const __m128i packed_bytes = _mm512_cvtsepi32_epi8(q);
            switch (a) {
              case 0: bytes = _mm512_inserti32x4(bytes, packed_bytes, 0); break;
              case 1: bytes = _mm512_inserti32x4(bytes, packed_bytes, 1); break;
              case 2: bytes = _mm512_inserti32x4(bytes, packed_bytes, 2); break;
              default: bytes = _mm512_inserti32x4(bytes, packed_bytes, 3); break;
            }
          }
          const int left = channel_end - c;
          const __mmask64 mask = left >= 64 ? ~__mmask64{0} : (__mmask64{1} << left) - 1;
          _mm512_mask_storeu_epi8(out + c, mask, _mm512_permutexvar_epi32(unshuffle, bytes));
        }
      });
}

}  // namespace qrun::kernels
