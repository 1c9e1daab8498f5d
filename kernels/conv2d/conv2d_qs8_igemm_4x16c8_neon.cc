// Int8 Conv2D on baseline ARMv8 NEON (cores without the dot product, such as Cortex-A53) as an
// implicit GEMM: tiles of 4 output pixels x 16 output channels, the reduction over the kernel's
// taps and, within a tap, over input channels eight at a time. Both sides are widened to int16
// (weights at load time, inputs with one sxtl per eight bytes) and each input channel of a pixel
// is broadcast by the indexed multiply-accumulate (smlal v.4s, w.4h, x.h[k]) against 16 channels'
// weights: the int16 products are exact and accumulate into int32, for any int8 values.
//
// The input's zero point is folded into the bias at load time,
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w,
// and padded taps read a row filled with the zero point, contributing exactly zero, as in the
// reference. Weights are zero-padded to a multiple of eight input channels and of 16 output
// channels, so the bytes read past a pixel's channels are multiplied by zero. The int32 sums wrap
// exactly as the corrected bias does and the loader bounds the true sum, so they are the
// reference's; requantization is the reference's too (common/requantize_neon.h).
#include <arm_neon.h>

#include "common/requantize_neon.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_igemm_tiles.h"

namespace qrun::kernels {
namespace {

constexpr int kPixels = 4;
constexpr int kDepth = 8;  // input channels per widened load

// A block: the header (conv2d_igemm_tiles.h), then [tap][input][16 channels] as int16.
struct PackedLayout {
  size_t depth;  // input channels per group, padded to kDepth
  size_t taps;
  size_t zero_row_bytes;
  size_t block_bytes;

  explicit PackedLayout(const Conv2dGeometry& g)
      : depth(igemm_round_up(static_cast<size_t>(g.input_channels_per_group()), kDepth)),
        taps(static_cast<size_t>(g.kernel_height) * g.kernel_width),
        zero_row_bytes(igemm_zero_row_bytes(depth)),
        block_bytes(kIgemmBlockHeaderBytes + taps * depth * kIgemmBlockChannels * 2) {}
  size_t total(const Conv2dGeometry& g) const {
    return zero_row_bytes + static_cast<size_t>(g.groups) * igemm_blocks_per_group(g) * block_bytes;
  }
};

// Input channel `K` of each pixel against 16 output channels' weights.
template <int K>
inline void mla_step(int32x4_t (&acc)[kPixels][4], const int16x8_t (&x)[kPixels],
                     const int16_t* w) {
  const int16x8_t w0 = vld1q_s16(w + 16 * K);
  const int16x8_t w1 = vld1q_s16(w + 16 * K + 8);
#pragma GCC unroll 8
  for (int i = 0; i < kPixels; ++i) {
    acc[i][0] = vmlal_laneq_s16(acc[i][0], vget_low_s16(w0), x[i], K);
    acc[i][1] = vmlal_high_laneq_s16(acc[i][1], w0, x[i], K);
    acc[i][2] = vmlal_laneq_s16(acc[i][2], vget_low_s16(w1), x[i], K);
    acc[i][3] = vmlal_high_laneq_s16(acc[i][3], w1, x[i], K);
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
  const auto* w = reinterpret_cast<const int16_t*>(block + kIgemmBlockHeaderBytes);
  const size_t depth = layout.depth;
  for (int ky = 0; ky < g.kernel_height; ++ky) {
    for (int kx = 0; kx < g.kernel_width; ++kx) {
      const int8_t* rows[kPixels];
      tile.rows(g, ky, kx, channel_offset, zero_row, rows);
      for (size_t c = 0; c < depth; c += kDepth) {
        int16x8_t x[kPixels];
#pragma GCC unroll 8
        for (int i = 0; i < kPixels; ++i) x[i] = vmovl_s8(vld1_s8(rows[i] + c));
        mla_step<0>(acc, x, w);
        mla_step<1>(acc, x, w);
        mla_step<2>(acc, x, w);
        mla_step<3>(acc, x, w);
        mla_step<4>(acc, x, w);
        mla_step<5>(acc, x, w);
        mla_step<6>(acc, x, w);
        mla_step<7>(acc, x, w);
        w += kDepth * kIgemmBlockChannels;
      }
    }
  }

  igemm_store_tile<kPixels>(acc, block, requantize, tile, channels);
}

}  // namespace

size_t conv2d_qs8_igemm_4x16c8_neon_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g).total(g);
}

void conv2d_qs8_igemm_4x16c8_neon_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                       const Conv2dQs8Weights& w, void* packed) {
  const PackedLayout layout(g);
  igemm_pack(
      g, p, w, layout.zero_row_bytes, layout.block_bytes, layout.total(g), packed,
      [&layout](uint8_t* weights, size_t tap, size_t ic, int lane, int8_t value) {
        // [tap][ic][lane], int16
        reinterpret_cast<int16_t*>(
            weights)[(tap * layout.depth + ic) * kIgemmBlockChannels + static_cast<size_t>(lane)] =
            value;
      });
}

void conv2d_qs8_igemm_4x16c8_neon(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                  const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                  const Conv2dSlice& slice) {
  igemm_run<kPixels, PackedLayout, compute_tile>(g, p, w, input, output, slice);
}

}  // namespace qrun::kernels
