// Int8 FullyConnected on ARMv8.2 NEON with the dot product: for each batch row, up to 64 output
// channels at a time in 16 vectors of 4, the reduction four input values per sdot (the four bytes
// broadcast to every lane). sdot multiplies signed by signed bytes, so the input's zero point is
// simply folded into the bias at load time:
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w.
// Weights are zero-padded to a multiple of four inputs and 16 outputs, so the bytes read past a
// row's inputs are multiplied by zero. A call's channel range must start on a multiple of 16 (the
// runtime tiles FC work in such steps). Requantization is the reference's (requantize_neon.h).
#include <arm_neon.h>

#include <cstring>

#include "common/requantize_neon.h"
#include "fully_connected/fully_connected.h"
#include "fully_connected/fully_connected_c4_packing.h"

namespace qrun::kernels {
namespace {

constexpr int kLanes = 16;
constexpr int kMaxBlocks = 4;

using FullyConnectedLayout = FullyConnectedC4Layout<kLanes>;

// `Blocks` x 16 channels from channel `c` of one batch row.
template <int Blocks>
void compute_channels(const FullyConnectedLayout& layout, const int32_t* bias,
                      const float* multipliers, const int8_t* weights, const int8_t* x,
                      const NeonRequantization& requantize, size_t c, size_t channel_end,
                      int8_t* out) {
  int32x4_t acc[Blocks][4];
#pragma GCC unroll 4
  for (int b = 0; b < Blocks; ++b) {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) acc[b][j] = vld1q_s32(bias + c + kLanes * b + 4 * j);
  }
  const int8_t* block = weights + c / kLanes * layout.block_bytes();
  const size_t quads = layout.inputs_padded / 4;
  for (size_t q = 0; q < quads; ++q) {
    // The last quad may read up to three bytes past the row: they meet zero weights.
    int32_t quad;
    std::memcpy(&quad, x + 4 * q, 4);
    const int8x16_t xv = vreinterpretq_s8_s32(vdupq_n_s32(quad));
#pragma GCC unroll 4
    for (int b = 0; b < Blocks; ++b) {
      const int8_t* w = block + b * layout.block_bytes() + q * 64;
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) acc[b][j] = vdotq_s32(acc[b][j], vld1q_s8(w + 16 * j), xv);
    }
  }
  // Every block requantized before any is stored: the accumulators die before the stores' branches.
  int8x16_t q[Blocks];
#pragma GCC unroll 4
  for (int b = 0; b < Blocks; ++b) {
    const size_t first = c + kLanes * b;
    int32x4_t r[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      const int left = static_cast<int>(channel_end - first) - 4 * j;
      r[j] = requantize(acc[b][j], neon_load_multipliers(multipliers + first + 4 * j, left));
    }
    q[b] = neon_narrow(r[0], r[1], r[2], r[3]);
  }
#pragma GCC unroll 4
  for (int b = 0; b < Blocks; ++b) {
    const size_t first = c + kLanes * b;
    neon_store_bytes(out + first, q[b], static_cast<int>(channel_end - first));
  }
}

}  // namespace

size_t fully_connected_qs8_neondot_packed_size(const FullyConnectedGeometry& g) {
  return FullyConnectedLayout(g).total();
}

void fully_connected_qs8_neondot_pack(const FullyConnectedGeometry& g,
                                      const FullyConnectedQs8Params& p,
                                      const FullyConnectedQs8Weights& w, void* packed) {
  pack_fully_connected_c4<kLanes>(g, w, static_cast<uint32_t>(p.input_zero_point), packed);
}

void fully_connected_qs8_neondot(const FullyConnectedGeometry& g, const FullyConnectedQs8Params& p,
                                 const FullyConnectedQs8Weights& w, const int8_t* input,
                                 int8_t* output, size_t channel_begin, size_t channel_end) {
  const FullyConnectedLayout layout(g);
  const auto* bias = static_cast<const int32_t*>(w.packed);
  const float* multipliers = p.multipliers;
  const auto* weights = reinterpret_cast<const int8_t*>(bias + layout.channels_padded);
  const NeonRequantization requantize(p.output);
  for (int n = 0; n < g.batch; ++n) {
    const int8_t* x = input + static_cast<size_t>(n) * g.input_channels;
    int8_t* out = output + static_cast<size_t>(n) * g.output_channels;
    for (size_t c = channel_begin; c < channel_end; c += kMaxBlocks * kLanes) {
      const size_t blocks = (channel_end - c + kLanes - 1) / kLanes;
      switch (blocks < kMaxBlocks ? blocks : kMaxBlocks) {
        case 4:
          compute_channels<4>(layout, bias, multipliers, weights, x, requantize, c, channel_end,
                              out);
          break;
        case 3:
          compute_channels<3>(layout, bias, multipliers, weights, x, requantize, c, channel_end,
                              out);
          break;
        case 2:
          compute_channels<2>(layout, bias, multipliers, weights, x, requantize, c, channel_end,
                              out);
          break;
        default:
          compute_channels<1>(layout, bias, multipliers, weights, x, requantize, c, channel_end,
                              out);
          break;
      }
    }
  }
}

}  // namespace qrun::kernels
