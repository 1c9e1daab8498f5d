// Int8 FullyConnected on baseline NEON, for AArch64 and, built as fully_connected_qs8_armv7neon,
// for 32-bit ARMv7: for each batch row, up to 64 output channels at a time in 16 vectors of 4 (32
// in 8 on ARMv7, whose 16 quad registers would not hold 16 accumulators), the reduction one input
// at a time: eight inputs are widened to int16 (sxtl) and each is broadcast by the indexed
// multiply-accumulate (smlal v.4s, w.4h, x.h[k]; vmlal.s16 q, d, d[k] on ARMv7, whose indexed
// form takes a 64-bit register) against 16 channels' weights, widened at load time: int16
// products, exact, summed in int32. The input's zero point is folded into the bias at load time:
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w.
// Weights are zero-padded to a multiple of eight inputs and 16 outputs, so the bytes read past a
// row's inputs are multiplied by zero. A call's channel range must start on a multiple of 16 (the
// runtime tiles FC work in such steps). Requantization is the reference's (requantize_neon.h).
#include <arm_neon.h>

#include <cstring>

#include "common/requantize_neon.h"
#include "fully_connected/fully_connected.h"

namespace qrun::kernels {
namespace {

constexpr int kLanes = 16;
#if defined(__aarch64__)
constexpr int kMaxBlocks = 4;
#else
constexpr int kMaxBlocks = 2;
#endif

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Packed: corrected bias (int32, channels padded to 16 with zeros), then
// per block of 16 channels the weights as [input][16 channels], int16.
struct FullyConnectedLayout {
  size_t inputs_padded;
  size_t channels_padded;
  explicit FullyConnectedLayout(const FullyConnectedGeometry& g)
      : inputs_padded(round_up(static_cast<size_t>(g.input_channels), 8)),
        channels_padded(round_up(static_cast<size_t>(g.output_channels), kLanes)) {}
  size_t block_bytes() const { return inputs_padded * kLanes * 2; }
  size_t total() const { return channels_padded * 4 + channels_padded / kLanes * block_bytes(); }
};

// Input i + K against `Blocks` x 16 channels.
template <int Blocks, int K>
inline void mla_step(int32x4_t (&acc)[Blocks][4], int16x8_t x, const int16_t* block, size_t i,
                     const FullyConnectedLayout& layout) {
#pragma GCC unroll 4
  for (int b = 0; b < Blocks; ++b) {
    const int16_t* w = block + b * (layout.block_bytes() / 2) + (i + K) * kLanes;
    const int16x8_t w0 = vld1q_s16(w);
    const int16x8_t w1 = vld1q_s16(w + 8);
#if defined(__aarch64__)
    acc[b][0] = vmlal_laneq_s16(acc[b][0], vget_low_s16(w0), x, K);
    acc[b][1] = vmlal_high_laneq_s16(acc[b][1], w0, x, K);
    acc[b][2] = vmlal_laneq_s16(acc[b][2], vget_low_s16(w1), x, K);
    acc[b][3] = vmlal_high_laneq_s16(acc[b][3], w1, x, K);
#else
    const int16x4_t xk = K < 4 ? vget_low_s16(x) : vget_high_s16(x);
    acc[b][0] = vmlal_lane_s16(acc[b][0], vget_low_s16(w0), xk, K % 4);
    acc[b][1] = vmlal_lane_s16(acc[b][1], vget_high_s16(w0), xk, K % 4);
    acc[b][2] = vmlal_lane_s16(acc[b][2], vget_low_s16(w1), xk, K % 4);
    acc[b][3] = vmlal_lane_s16(acc[b][3], vget_high_s16(w1), xk, K % 4);
#endif
  }
}

// `Blocks` x 16 channels from channel `c` of one batch row.
template <int Blocks>
void compute_channels(const FullyConnectedLayout& layout, const int32_t* bias,
                      const float* multipliers, const int16_t* weights, const int8_t* x,
                      const NeonRequantization& requantize, size_t c, size_t channel_end,
                      int8_t* out) {
  int32x4_t acc[Blocks][4];
#pragma GCC unroll 4
  for (int b = 0; b < Blocks; ++b) {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) acc[b][j] = vld1q_s32(bias + c + kLanes * b + 4 * j);
  }
  const int16_t* block = weights + c / kLanes * (layout.block_bytes() / 2);
  for (size_t i = 0; i < layout.inputs_padded; i += 8) {
    // The last eight may read up to seven bytes past the row: they meet zero weights.
    const int16x8_t xv = vmovl_s8(vld1_s8(x + i));
    mla_step<Blocks, 0>(acc, xv, block, i, layout);
    mla_step<Blocks, 1>(acc, xv, block, i, layout);
    mla_step<Blocks, 2>(acc, xv, block, i, layout);
    mla_step<Blocks, 3>(acc, xv, block, i, layout);
    mla_step<Blocks, 4>(acc, xv, block, i, layout);
    mla_step<Blocks, 5>(acc, xv, block, i, layout);
    mla_step<Blocks, 6>(acc, xv, block, i, layout);
    mla_step<Blocks, 7>(acc, xv, block, i, layout);
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

size_t packed_size(const FullyConnectedGeometry& g) {
  return FullyConnectedLayout(g).total();
}

void pack(const FullyConnectedGeometry& g, const FullyConnectedQs8Params& p,
          const FullyConnectedQs8Weights& w, void* packed) {
  const FullyConnectedLayout layout(g);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, layout.total());
  auto* bias = reinterpret_cast<int32_t*>(bytes);
  auto* weights = reinterpret_cast<int16_t*>(bias + layout.channels_padded);
  const size_t inputs = static_cast<size_t>(g.input_channels);
  for (size_t c = 0; c < static_cast<size_t>(g.output_channels); ++c) {
    int16_t* block = weights + c / kLanes * (layout.block_bytes() / 2);
    const size_t lane = c % kLanes;
    uint32_t column_sum = 0;
    for (size_t i = 0; i < inputs; ++i) {
      const int8_t value = w.oi[c * inputs + i];
      block[i * kLanes + lane] = value;
      column_sum += static_cast<uint32_t>(static_cast<int32_t>(value));
    }
    // Unsigned: the corrected bias may wrap, exactly as the kernel's int32 sums do.
    bias[c] = static_cast<int32_t>(static_cast<uint32_t>(w.bias[c]) -
                                   static_cast<uint32_t>(p.input_zero_point) * column_sum);
  }
}

void run(const FullyConnectedGeometry& g, const FullyConnectedQs8Params& p,
         const FullyConnectedQs8Weights& w, const int8_t* input, int8_t* output,
         size_t channel_begin, size_t channel_end) {
  const FullyConnectedLayout layout(g);
  const auto* bias = static_cast<const int32_t*>(w.packed);
  const float* multipliers = p.multipliers;
  const auto* weights = reinterpret_cast<const int16_t*>(bias + layout.channels_padded);
  const NeonRequantization requantize(p.output);
  for (int n = 0; n < g.batch; ++n) {
    const int8_t* x = input + static_cast<size_t>(n) * g.input_channels;
    int8_t* out = output + static_cast<size_t>(n) * g.output_channels;
    for (size_t c = channel_begin; c < channel_end; c += kMaxBlocks * kLanes) {
      const size_t blocks = (channel_end - c + kLanes - 1) / kLanes;
      switch (blocks < kMaxBlocks ? blocks : kMaxBlocks) {
#if defined(__aarch64__)
        case 4:
          compute_channels<4>(layout, bias, multipliers, weights, x, requantize, c, channel_end,
                              out);
          break;
        case 3:
          compute_channels<3>(layout, bias, multipliers, weights, x, requantize, c, channel_end,
                              out);
          break;
#endif
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

}  // namespace

// The same kernel under each architecture's name: the registry tells the families apart by it.
#if defined(__aarch64__)
size_t fully_connected_qs8_neon_packed_size(const FullyConnectedGeometry& g) {
  return packed_size(g);
}
void fully_connected_qs8_neon_pack(const FullyConnectedGeometry& g,
                                   const FullyConnectedQs8Params& p,
                                   const FullyConnectedQs8Weights& w, void* packed) {
  pack(g, p, w, packed);
}
void fully_connected_qs8_neon(const FullyConnectedGeometry& g, const FullyConnectedQs8Params& p,
                              const FullyConnectedQs8Weights& w, const int8_t* input,
                              int8_t* output, size_t channel_begin, size_t channel_end) {
  run(g, p, w, input, output, channel_begin, channel_end);
}
#else
size_t fully_connected_qs8_armv7neon_packed_size(const FullyConnectedGeometry& g) {
  return packed_size(g);
}
void fully_connected_qs8_armv7neon_pack(const FullyConnectedGeometry& g,
                                        const FullyConnectedQs8Params& p,
                                        const FullyConnectedQs8Weights& w, void* packed) {
  pack(g, p, w, packed);
}
void fully_connected_qs8_armv7neon(const FullyConnectedGeometry& g,
                                   const FullyConnectedQs8Params& p,
                                   const FullyConnectedQs8Weights& w, const int8_t* input,
                                   int8_t* output, size_t channel_begin, size_t channel_end) {
  run(g, p, w, input, output, channel_begin, channel_end);
}
#endif

}  // namespace qrun::kernels
