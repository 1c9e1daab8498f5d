// Int8 Conv2D on 32-bit ARMv7 NEON as an implicit GEMM: the AArch64 NEON kernel's scheme
// (conv2d_qs8_igemm_4x16c8_neon.cc: int16 weights widened at load time, inputs widened eight
// channels at a time, each input channel broadcast by the indexed multiply-accumulate
// vmlal.s16 q, d, d[k] against 16 channels' weights, int16 products exact, int32 sums) on two
// output pixels per tile, not four: ARMv7 has 16 quad registers, not 32, and two pixels' 8
// accumulators plus their inputs and one input channel's weights fit them without spilling. The
// indexed form takes its scalar from a 64-bit register only, so the widened inputs are used by
// halves.
//
// The packing is the shared one (conv2d_igemm_tiles.h): the input's zero point folded into the
// bias at load time, padded taps reading a row filled with the zero point, weights zero-padded to
// a multiple of eight input channels and of 16 output channels. The int32 sums wrap exactly as the
// corrected bias does and the loader bounds the true sum, so they are the reference's;
// requantization is the reference's too (common/requantize_neon.h, rounding by the 1.5 * 2^23
// addition on ARMv7).
#include <arm_neon.h>

#include "common/requantize_neon.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_igemm_tiles.h"

namespace qrun::kernels {
namespace {

constexpr int kPixels = 2;
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
    const int16x4_t xk = K < 4 ? vget_low_s16(x[i]) : vget_high_s16(x[i]);
    acc[i][0] = vmlal_lane_s16(acc[i][0], vget_low_s16(w0), xk, K % 4);
    acc[i][1] = vmlal_lane_s16(acc[i][1], vget_high_s16(w0), xk, K % 4);
    acc[i][2] = vmlal_lane_s16(acc[i][2], vget_low_s16(w1), xk, K % 4);
    acc[i][3] = vmlal_lane_s16(acc[i][3], vget_high_s16(w1), xk, K % 4);
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

  // Every pixel requantized before any is stored: the accumulators die before the stores' branches.
  const auto* multipliers = reinterpret_cast<const float*>(block + kIgemmBlockChannels * 4);
  int8x16_t q[kPixels];
#pragma GCC unroll 8
  for (int i = 0; i < kPixels; ++i) {
    q[i] = neon_narrow(requantize(acc[i][0], vld1q_f32(multipliers)),
                       requantize(acc[i][1], vld1q_f32(multipliers + 4)),
                       requantize(acc[i][2], vld1q_f32(multipliers + 8)),
                       requantize(acc[i][3], vld1q_f32(multipliers + 12)));
  }
  for (int i = 0; i < tile.count; ++i) neon_store_bytes(tile.output[i], q[i], channels);
}

}  // namespace

size_t conv2d_qs8_igemm_2x16c8_armv7neon_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g).total(g);
}

void conv2d_qs8_igemm_2x16c8_armv7neon_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
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

void conv2d_qs8_igemm_2x16c8_armv7neon(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                       const Conv2dQs8Weights& w, const int8_t* input,
                                       int8_t* output, const Conv2dSlice& slice) {
  igemm_run<kPixels, PackedLayout, compute_tile>(g, p, w, input, output, slice);
}

}  // namespace qrun::kernels
