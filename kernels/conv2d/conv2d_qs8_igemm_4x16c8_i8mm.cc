// Int8 Conv2D on ARMv8.6 NEON with the int8 matrix multiply (smmla) as an implicit GEMM: tiles of
// 4 output pixels x 16 output channels, the reduction over the kernel's taps and, within a tap,
// over input channels eight at a time, the grain of smmla. One smmla multiplies a 2x8 block of
// inputs (two pixels' eight bytes, one pixel per 64-bit half) by an 8x2 block of weights (two
// channels' eight bytes) into the 2x2 int32 sums [p0.c0, p0.c1, p1.c0, p1.c1]; the tile is two
// pixel pairs x eight channel pairs, 16 accumulators, and 16 smmla per eight input channels. The
// inner loop takes 16 input channels per iteration: one 16-byte load per pixel, split by 64-bit
// zips into the two pairs' halves. At the end, 64-bit zips turn the pairs of pairs back into each
// pixel's run of channels.
//
// smmla multiplies signed by signed bytes, so, as with sdot, the input's zero point is folded into
// the bias at load time (sum (x - zx) * w = sum x * w - zx * sum w) and padded taps read a row
// filled with the zero point. Weights are zero-padded to a multiple of eight input channels and of
// 16 output channels, so the bytes read past a pixel's channels are multiplied by zero. The int32
// sums wrap exactly as the corrected bias does and the loader bounds the true sum, so they are the
// reference's; requantization is the reference's too (common/requantize_neon.h).
#include <arm_neon.h>

#include "common/requantize_neon.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_igemm_tiles.h"

namespace qrun::kernels {
namespace {

constexpr int kPixels = 4;
constexpr int kPairs = kPixels / 2;
constexpr int kChannelPairs = kIgemmBlockChannels / 2;
constexpr int kDepth = 8;  // input channels per smmla
constexpr int kStep = 16;  // input channels per iteration of the inner loop: one load per pixel

// A block: the header (conv2d_igemm_tiles.h), then [tap][input / 8][8 channel pairs][2 channels]
// [8 inputs].
struct PackedLayout {
  size_t depth;  // input channels per group, padded to kDepth
  size_t taps;
  size_t zero_row_bytes;
  size_t block_bytes;

  explicit PackedLayout(const Conv2dGeometry& g)
      : depth(igemm_round_up(static_cast<size_t>(g.input_channels_per_group()), kDepth)),
        taps(static_cast<size_t>(g.kernel_height) * g.kernel_width),
        zero_row_bytes(igemm_zero_row_bytes(depth)),
        block_bytes(kIgemmBlockHeaderBytes + taps * depth * kIgemmBlockChannels) {}
  size_t total(const Conv2dGeometry& g) const {
    return zero_row_bytes + static_cast<size_t>(g.groups) * igemm_blocks_per_group(g) * block_bytes;
  }
};

// Channel pair `C` (of the four a step covers) of both pixel pairs: their eight input channels in
// `HALF` (lo0 and lo1, or hi0 and hi1) against that channel pair's weights `W`.
// clang-format off
#define QRUN_SMMLA_PAIRS(C, W, HALF)                              \
  "smmla %[a0c" #C "].4s, %[" #HALF "0].16b, " W ".16b\n"        \
  "smmla %[a1c" #C "].4s, %[" #HALF "1].16b, " W ".16b\n"
// clang-format on

// Channel pairs `J` to `J` + 3 of the tile (eight output channels) over 16 input channels: each
// pixel pair's first eight in lo, the next eight in hi, whose weights are the two 128-byte groups
// at w. Two weight vectors per load (ldp), then 16 smmla. Assembly, because GCC 12 compiles the
// same step written with intrinsics into unpaired weight loads and address arithmetic. Two such
// steps rather than one for the whole tile: an asm statement takes at most 30 operands, and 16
// accumulators read and written are 32.
template <int J>
inline void mmla_channels(int32x4_t (&acc)[kPairs][kChannelPairs], const int8x16_t (&lo)[kPairs],
                          const int8x16_t (&hi)[kPairs], const int8_t* w) {
  int8x16_t w0, w1, w2, w3;
  // clang-format off
  __asm__(
      "ldp %q[w0], %q[w1], [%[w], #%[lo_first]]\n"
      "ldp %q[w2], %q[w3], [%[w], #%[lo_second]]\n"
      QRUN_SMMLA_PAIRS(0, "%[w0]", lo)
      QRUN_SMMLA_PAIRS(1, "%[w1]", lo)
      "ldp %q[w0], %q[w1], [%[w], #%[hi_first]]\n"
      QRUN_SMMLA_PAIRS(2, "%[w2]", lo)
      QRUN_SMMLA_PAIRS(3, "%[w3]", lo)
      "ldp %q[w2], %q[w3], [%[w], #%[hi_second]]\n"
      QRUN_SMMLA_PAIRS(0, "%[w0]", hi)
      QRUN_SMMLA_PAIRS(1, "%[w1]", hi)
      QRUN_SMMLA_PAIRS(2, "%[w2]", hi)
      QRUN_SMMLA_PAIRS(3, "%[w3]", hi)
      // clang-format on
      : [a0c0] "+w"(acc[0][J]), [a0c1] "+w"(acc[0][J + 1]), [a0c2] "+w"(acc[0][J + 2]),
        [a0c3] "+w"(acc[0][J + 3]), [a1c0] "+w"(acc[1][J]), [a1c1] "+w"(acc[1][J + 1]),
        [a1c2] "+w"(acc[1][J + 2]), [a1c3] "+w"(acc[1][J + 3]), [w0] "=&w"(w0), [w1] "=&w"(w1),
        [w2] "=&w"(w2), [w3] "=&w"(w3)
      : [lo0] "w"(lo[0]), [lo1] "w"(lo[1]), [hi0] "w"(hi[0]), [hi1] "w"(hi[1]), [w] "r"(w),
        // The 256 bytes of weights it reads, so that GCC knows the asm reads memory.
        "m"(*reinterpret_cast<const int8_t(*)[kStep * kIgemmBlockChannels]>(w)),
        [lo_first] "i"(16 * J), [lo_second] "i"(16 * J + 32), [hi_first] "i"(128 + 16 * J),
        [hi_second] "i"(128 + 16 * J + 32));
}
#undef QRUN_SMMLA_PAIRS

void compute_tile(const Conv2dGeometry& g, const PackedLayout& layout,
                  const PixelTile<kPixels>& tile, size_t channel_offset, const int8_t* zero_row,
                  const uint8_t* block, const NeonRequantization& requantize, int channels) {
  int32x4_t acc[kPairs][kChannelPairs];
#pragma GCC unroll 2
  for (int i = 0; i < kPairs; ++i) {
#pragma GCC unroll 8
    for (int j = 0; j < kChannelPairs; ++j) acc[i][j] = vdupq_n_s32(0);
  }
  const auto* w = reinterpret_cast<const int8_t*>(block + kIgemmBlockHeaderBytes);
  const size_t depth = layout.depth;
  for (int ky = 0; ky < g.kernel_height; ++ky) {
    for (int kx = 0; kx < g.kernel_width; ++kx) {
      const int8_t* rows[kPixels];
      tile.rows(g, ky, kx, channel_offset, zero_row, rows);
      for (size_t n = depth / kStep; n != 0; --n) {
        // 64-bit zips pair the pixels: [p0 c0-7, p1 c0-7] and [p0 c8-15, p1 c8-15].
        int8x16_t lo[kPairs], hi[kPairs];
#pragma GCC unroll 2
        for (int i = 0; i < kPairs; ++i) {
          const int64x2_t first = vreinterpretq_s64_s8(vld1q_s8(rows[2 * i]));
          const int64x2_t second = vreinterpretq_s64_s8(vld1q_s8(rows[2 * i + 1]));
          lo[i] = vreinterpretq_s8_s64(vzip1q_s64(first, second));
          hi[i] = vreinterpretq_s8_s64(vzip2q_s64(first, second));
          rows[2 * i] += kStep;
          rows[2 * i + 1] += kStep;
        }
        mmla_channels<0>(acc, lo, hi, w);
        mmla_channels<4>(acc, lo, hi, w);
        w += kStep * kIgemmBlockChannels;
      }
      if (depth % kStep != 0) {
        // The last eight channels.
        int8x16_t x[kPairs];
#pragma GCC unroll 2
        for (int i = 0; i < kPairs; ++i) {
          x[i] = vcombine_s8(vld1_s8(rows[2 * i]), vld1_s8(rows[2 * i + 1]));
        }
#pragma GCC unroll 8
        for (int j = 0; j < kChannelPairs; ++j) {
          const int8x16_t weights = vld1q_s8(w + 16 * j);
#pragma GCC unroll 2
          for (int i = 0; i < kPairs; ++i) acc[i][j] = vmmlaq_s32(acc[i][j], x[i], weights);
        }
        w += kDepth * kIgemmBlockChannels;
      }
    }
  }

  // Every pixel requantized before any is stored: the accumulators die before the stores' branches.
  const auto* bias = reinterpret_cast<const int32_t*>(block);
  const auto* multipliers = reinterpret_cast<const float*>(block + kIgemmBlockChannels * 4);
  int8x16_t q[kPixels];
#pragma GCC unroll 2
  for (int i = 0; i < kPairs; ++i) {
    int32x4_t sums[2][4];  // [pixel of the pair][four channels]
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      const int64x2_t even = vreinterpretq_s64_s32(acc[i][2 * k]);
      const int64x2_t odd = vreinterpretq_s64_s32(acc[i][2 * k + 1]);
      const int32x4_t b = vld1q_s32(bias + 4 * k);
      sums[0][k] = vaddq_s32(vreinterpretq_s32_s64(vzip1q_s64(even, odd)), b);
      sums[1][k] = vaddq_s32(vreinterpretq_s32_s64(vzip2q_s64(even, odd)), b);
    }
#pragma GCC unroll 2
    for (int half = 0; half < 2; ++half) {
      int32x4_t r[4];
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) r[k] = requantize(sums[half][k], vld1q_f32(multipliers + 4 * k));
      q[2 * i + half] = neon_narrow(r[0], r[1], r[2], r[3]);
    }
  }
  for (int i = 0; i < tile.count; ++i) neon_store_bytes(tile.output[i], q[i], channels);
}

}  // namespace

size_t conv2d_qs8_igemm_4x16c8_i8mm_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g).total(g);
}

void conv2d_qs8_igemm_4x16c8_i8mm_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                       const Conv2dQs8Weights& w, void* packed) {
  const PackedLayout layout(g);
  igemm_pack(g, p, w, layout.zero_row_bytes, layout.block_bytes, layout.total(g), packed,
             [&layout](uint8_t* weights, size_t tap, size_t ic, int lane, int8_t value) {
               // [tap][ic / 8][lane / 2][lane % 2][ic % 8]: pair j's two channels are 16 bytes.
               weights[(tap * layout.depth + ic - ic % kDepth) * kIgemmBlockChannels +
                       static_cast<size_t>(lane) * kDepth + ic % kDepth] =
                   static_cast<uint8_t>(value);
             });
}

void conv2d_qs8_igemm_4x16c8_i8mm(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                  const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                  const Conv2dSlice& slice) {
  igemm_run<kPixels, PackedLayout, compute_tile>(g, p, w, input, output, slice);
}

}  // namespace qrun::kernels
