// The packing the ARM implicit-GEMM Conv2D kernels share (they walk the output with
// conv2d_igemm_walk.h), blocks of 16 output channels.
//
// Packed buffer of every such kernel: the zero-point row (zero_row_bytes), then for each group its
// blocks of 16 output channels, each `block_bytes` long, starting with a header: the corrected
// bias (16 int32) and the multipliers (16 floats), both zero past the last channel, so that the
// tile never reads past the caller's arrays nor needs a partial load.
//
// Arithmetic-free and in an unnamed namespace, so each kernel file compiles its own copy with its
// own -march.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "add/add_neon.h"
#include "common/overread.h"
#include "common/requantize_neon.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_igemm_walk.h"

namespace qrun::kernels {
namespace {

constexpr int kIgemmBlockChannels = 16;
constexpr size_t kIgemmBlockHeaderBytes = kIgemmBlockChannels * 8;

inline size_t igemm_round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// The zero-point row is read like an input pixel: as wide as the padded reduction plus the slack.
inline size_t igemm_zero_row_bytes(size_t input_channels_padded) {
  return igemm_round_up(input_channels_padded + kInputOverreadBytes, 64);
}

inline size_t igemm_blocks_per_group(const Conv2dGeometry& g) {
  return igemm_round_up(static_cast<size_t>(g.output_channels_per_group()), kIgemmBlockChannels) /
         kIgemmBlockChannels;
}

// Fills the packed buffer (`total` bytes): the zero-point row, then each block's header and its
// weights, each weight placed by place(block_weights, tap, input_channel, lane, value) in the
// kernel's own order; everything not placed (padding) is zero.
template <typename Place>
void igemm_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
                size_t zero_row_bytes, size_t block_bytes, size_t total, void* packed,
                Place place) {
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, total);
  std::memset(bytes, static_cast<uint8_t>(p.input_zero_point), zero_row_bytes);
  bytes += zero_row_bytes;
  const size_t taps = static_cast<size_t>(g.kernel_height) * g.kernel_width;
  const size_t cin = static_cast<size_t>(g.input_channels_per_group());
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  for (int group = 0; group < g.groups; ++group) {
    for (size_t first = 0; first < cout; first += kIgemmBlockChannels, bytes += block_bytes) {
      auto* bias = reinterpret_cast<int32_t*>(bytes);
      auto* multipliers = reinterpret_cast<float*>(bytes + kIgemmBlockChannels * 4);
      uint8_t* weights = bytes + kIgemmBlockHeaderBytes;
      for (int lane = 0; lane < kIgemmBlockChannels && first + lane < cout; ++lane) {
        const size_t oc = group * cout + first + lane;
        const int8_t* ohwi = w.ohwi + oc * taps * cin;
        // Unsigned: the corrected bias may wrap, exactly as the kernels' int32 sums do.
        uint32_t column_sum = 0;
        for (size_t tap = 0; tap < taps; ++tap) {
          for (size_t ic = 0; ic < cin; ++ic) {
            const int8_t value = ohwi[tap * cin + ic];
            column_sum += static_cast<uint32_t>(static_cast<int32_t>(value));
            place(weights, tap, ic, lane, value);
          }
        }
        bias[lane] = static_cast<int32_t>(static_cast<uint32_t>(w.bias[oc]) -
                                          static_cast<uint32_t>(p.input_zero_point) * column_sum);
        multipliers[lane] = p.multipliers[oc];
      }
    }
  }
}

// The epilogue of the kernels whose accumulators are [pixel][4 x 4 channels] in channel order:
// every pixel requantized before any is stored (so the accumulators die before the stores'
// branches), with the block's multipliers from its header.
template <int Pixels>
void igemm_store_tile(const int32x4_t (&acc)[Pixels][4], const uint8_t* block,
                      const NeonRequantization& requantize, const PixelTile<Pixels>& tile,
                      int channels) {
  const auto* multipliers = reinterpret_cast<const float*>(block + kIgemmBlockChannels * 4);
  float32x4_t m[4];
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) m[j] = vld1q_f32(multipliers + 4 * j);
  int8x16_t q[Pixels];
#pragma GCC unroll 8
  for (int i = 0; i < Pixels; ++i) {
    q[i] = neon_narrow(requantize(acc[i][0], m[0]), requantize(acc[i][1], m[1]),
                       requantize(acc[i][2], m[2]), requantize(acc[i][3], m[3]));
  }
  for (int i = 0; i < tile.count; ++i) neon_store_bytes(tile.output[i], q[i], channels);
}

// A fused Add (Conv2dQs8Params::residual) on a tile just stored: each pixel's block of channels,
// still in L1, gets Add's arithmetic with the residual at the same place, so the convolution's own
// tensor never travels to memory and back.
template <int Pixels>
void igemm_add_residual(const PixelTile<Pixels>& tile, const int8_t* output,
                        const Conv2dQs8Residual& residual, const NeonRequantization& requantize,
                        int channels) {
  for (int i = 0; i < tile.count; ++i) {
    int8_t* out = tile.output[i];
    const int8x16_t conv = neon_load_bytes(out, channels);
    const int8x16_t other = neon_load_bytes(residual.data + (out - output), channels);
    neon_store_bytes(out, neon_add(conv, other, residual.add, requantize), channels);
  }
}

// A whole kernel call: ComputeTile(g, layout, tile, channel_offset, zero_row, block, requantize,
// channels) for every tile of the slice (a compile-time function, so it inlines), then a fused
// Add if there is one.
template <int Pixels, typename Layout, auto ComputeTile>
void igemm_run(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
               const int8_t* input, int8_t* output, const Conv2dSlice& slice) {
  const Layout layout(g);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const NeonRequantization requantize(p.output);
  const NeonRequantization add_requantize(p.residual != nullptr ? p.residual->add.output
                                                                : Qs8Output{});
  igemm_for_each_tile<Pixels>(
      g, packed + layout.zero_row_bytes, kIgemmBlockChannels,
      [&](size_t) { return layout.block_bytes; }, input, output, slice,
      [&](const PixelTile<Pixels>& tile, size_t channel_offset, const uint8_t* block, size_t,
          int channels) {
        ComputeTile(g, layout, tile, channel_offset, zero_row, block, requantize, channels);
        if (p.residual != nullptr) {
          igemm_add_residual(tile, output, *p.residual, add_requantize, channels);
        }
      });
}

}  // namespace
}  // namespace qrun::kernels
