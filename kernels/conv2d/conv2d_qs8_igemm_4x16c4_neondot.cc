// Int8 Conv2D on ARMv8.2 NEON with the dot product (sdot) as an implicit GEMM: tiles of 4 output
// pixels x 16 output channels (16 int32 accumulators), the reduction over the kernel's taps and,
// within a tap, over input channels four at a time, the grain of sdot. Eight input bytes of a
// pixel are loaded at once and each half is broadcast by the indexed form (sdot v.4s, w.16b,
// x.4b[lane]) against four vectors of 4 channels x 4 weights.
//
// sdot multiplies signed by signed bytes, so no sign flip is needed: the input's zero point is
// folded into the bias at load time,
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w,
// and padded taps read a row filled with the zero point, contributing exactly zero, as in the
// reference. Weights are zero-padded to a multiple of four input channels and of 16 output
// channels, so the bytes read past a pixel's channels are multiplied by zero. The int32 sums wrap
// exactly as the corrected bias does and the loader bounds the true sum, so they are the
// reference's; requantization is the reference's too (common/requantize_neon.h).
//
// The tile: 4x16 keeps every operand in registers (16 accumulators, 4 inputs, 4 weights). With
// GCC 12, llvm-mca (Cortex-A76 model) puts its loop of 32 sdot at 18 cycles, 28 MAC/cycle of the
// 32 the sdot ports give; 6x16 and 8x16 spill accumulators inside the loop (23 and 14 MAC/cycle).
#include <arm_neon.h>

#include "common/requantize_neon.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_igemm_tiles.h"

namespace qrun::kernels {
namespace {

constexpr int kPixels = 4;
constexpr int kDepth = 4;  // input channels per sdot

// A block: the header (conv2d_igemm_tiles.h), then [tap][input / 4][4 vectors][4 channels][4
// inputs].
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

// Four input channels (half `Lane` of each pixel's eight bytes) against 16 output channels.
template <int Lane>
inline void dot_step(int32x4_t (&acc)[kPixels][4], const int8x8_t (&x)[kPixels], const int8_t* w) {
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const int8x16_t weights = vld1q_s8(w + 16 * j);
#pragma GCC unroll 8
    for (int i = 0; i < kPixels; ++i) acc[i][j] = vdotq_lane_s32(acc[i][j], weights, x[i], Lane);
  }
}

void compute_tile(const Conv2dGeometry& g, const PackedLayout& layout,
                  const PixelTile<kPixels>& tile, size_t channel_offset, const int8_t* zero_row,
                  const uint8_t* block, const NeonRequantization& requantize, int channels) {
  int32x4_t acc[kPixels][4];
  const auto* bias = reinterpret_cast<const int32_t*>(block);
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const int32x4_t b = vld1q_s32(bias + 4 * j);
#pragma GCC unroll 8
    for (int i = 0; i < kPixels; ++i) acc[i][j] = b;
  }
  const auto* w = reinterpret_cast<const int8_t*>(block + kIgemmBlockHeaderBytes);
  const size_t depth = layout.depth;
  for (int ky = 0; ky < g.kernel_height; ++ky) {
    for (int kx = 0; kx < g.kernel_width; ++kx) {
      const int8_t* rows[kPixels];
      tile.rows(g, ky, kx, channel_offset, zero_row, rows);
      int8x8_t x[kPixels];
      size_t c = 0;
      for (; c + 2 * kDepth <= depth; c += 2 * kDepth) {
#pragma GCC unroll 8
        for (int i = 0; i < kPixels; ++i) x[i] = vld1_s8(rows[i] + c);
        dot_step<0>(acc, x, w);
        dot_step<1>(acc, x, w + 64);
        w += 128;
      }
      if (c < depth) {
        // The last four channels; the four bytes after them are read (slack) and left unused.
#pragma GCC unroll 8
        for (int i = 0; i < kPixels; ++i) x[i] = vld1_s8(rows[i] + c);
        dot_step<0>(acc, x, w);
        w += 64;
      }
    }
  }

  igemm_store_tile<kPixels>(acc, block, requantize, tile, channels);
}

}  // namespace

size_t conv2d_qs8_igemm_4x16c4_neondot_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g).total(g);
}

void conv2d_qs8_igemm_4x16c4_neondot_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                          const Conv2dQs8Weights& w, void* packed) {
  const PackedLayout layout(g);
  igemm_pack(g, p, w, layout.zero_row_bytes, layout.block_bytes, layout.total(g), packed,
             [&layout](uint8_t* weights, size_t tap, size_t ic, int lane, int8_t value) {
               // [tap][ic / 4][lane][ic % 4]
               weights[(tap * layout.depth + ic - ic % kDepth) * kIgemmBlockChannels +
                       static_cast<size_t>(lane) * kDepth + ic % kDepth] =
                   static_cast<uint8_t>(value);
             });
}

void conv2d_qs8_igemm_4x16c4_neondot(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                     const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                     const Conv2dSlice& slice) {
  igemm_run<kPixels, PackedLayout, compute_tile>(g, p, w, input, output, slice);
}

}  // namespace qrun::kernels
