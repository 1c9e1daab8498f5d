// Int8 depthwise Conv2D (one output channel per input channel) on baseline NEON, for AArch64 and,
// built as conv2d_qs8_depthwise_armv7neon, for 32-bit ARMv7: for each output pixel, 16 channels
// at a time in four vectors of 4 int32 lanes; each tap is one load, two sign extensions to int16
// and four widening multiply-accumulates (smlal/smlal2, vmlal.s16 on ARMv7) against weights
// widened at load time: int16 products, exact, summed in int32. The input's zero point is folded
// into the bias at load time, which needs padded taps to read the zero point itself:
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w,  with padding reading x = zx.
// Requantization is the reference's, step by step (common/requantize_neon.h).
#include <arm_neon.h>

#include <cstddef>
#include <cstring>

#include "common/overread.h"
#include "common/requantize_neon.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_depthwise_walk.h"

namespace qrun::kernels {
namespace {

constexpr int kLanes = 16;

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Packed: a row of the zero point as wide as the channels (plus overread slack), the corrected
// bias (int32 per channel), the multipliers (float per channel), then the weights as int16,
// [tap][channel]; channels padded to a multiple of 16 with zeros, so every vector is whole and no
// load reads past the caller's arrays.
struct DepthwiseLayout {
  size_t channels_padded;
  size_t taps;
  size_t zero_row_bytes;

  explicit DepthwiseLayout(const Conv2dGeometry& g)
      : channels_padded(round_up(static_cast<size_t>(g.output_channels), kLanes)),
        taps(static_cast<size_t>(g.kernel_height) * g.kernel_width),
        zero_row_bytes(round_up(static_cast<size_t>(g.input_channels) + kInputOverreadBytes, 64)) {}
  size_t total() const { return zero_row_bytes + channels_padded * (8 + 2 * taps); }
};

// One output pixel, 16 channels from channel `c`.
void compute_channels(const int8_t* const* taps, int tap_count, const int32_t* bias,
                      const float* multipliers, const int16_t* weights, size_t weight_stride,
                      const NeonRequantization& requantize, int c, int channels, int8_t* out) {
  int32x4_t acc[4];
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) acc[j] = vld1q_s32(bias + c + 4 * j);
  for (int tap = 0; tap < tap_count; ++tap) {
    // Lanes past the last channel read slack or a neighbour and meet zero weights.
    const int8x16_t x = vld1q_s8(taps[tap] + c);
    const int16_t* k = weights + static_cast<size_t>(tap) * weight_stride + c;
    // Halves taken with vget_high_*, which ARMv7 has too: AArch64 GCC folds them into the
    // sxtl2 and smlal2 of the vmovl_high_s8 and vmlal_high_s16 that ARMv7 lacks.
    const int16x8_t x_low = vmovl_s8(vget_low_s8(x));
    const int16x8_t x_high = vmovl_s8(vget_high_s8(x));
    const int16x8_t k_low = vld1q_s16(k);
    const int16x8_t k_high = vld1q_s16(k + 8);
    acc[0] = vmlal_s16(acc[0], vget_low_s16(x_low), vget_low_s16(k_low));
    acc[1] = vmlal_s16(acc[1], vget_high_s16(x_low), vget_high_s16(k_low));
    acc[2] = vmlal_s16(acc[2], vget_low_s16(x_high), vget_low_s16(k_high));
    acc[3] = vmlal_s16(acc[3], vget_high_s16(x_high), vget_high_s16(k_high));
  }
  int32x4_t q[4];
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) q[j] = requantize(acc[j], vld1q_f32(multipliers + c + 4 * j));
  neon_store_bytes(out + c, neon_narrow(q[0], q[1], q[2], q[3]), channels - c);
}

size_t packed_size(const Conv2dGeometry& g) {
  return DepthwiseLayout(g).total();
}

void pack(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
          void* packed) {
  const DepthwiseLayout layout(g);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, layout.total());
  std::memset(bytes, static_cast<uint8_t>(p.input_zero_point), layout.zero_row_bytes);
  auto* bias = reinterpret_cast<int32_t*>(bytes + layout.zero_row_bytes);
  auto* multipliers = reinterpret_cast<float*>(bias + layout.channels_padded);
  auto* weights = reinterpret_cast<int16_t*>(multipliers + layout.channels_padded);
  for (int c = 0; c < g.output_channels; ++c) {
    // Unsigned: the corrected bias may wrap, exactly as the kernel's int32 sums do.
    uint32_t column_sum = 0;
    for (size_t tap = 0; tap < layout.taps; ++tap) {
      const int8_t value = w.ohwi[static_cast<size_t>(c) * layout.taps + tap];
      weights[tap * layout.channels_padded + c] = value;
      column_sum += static_cast<uint32_t>(static_cast<int32_t>(value));
    }
    bias[c] = static_cast<int32_t>(static_cast<uint32_t>(w.bias[c]) -
                                   static_cast<uint32_t>(p.input_zero_point) * column_sum);
    multipliers[c] = p.multipliers[c];
  }
}

void run(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
         const int8_t* input, int8_t* output, const Conv2dSlice& slice) {
  const DepthwiseLayout layout(g);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const int32_t* bias = reinterpret_cast<const int32_t*>(packed + layout.zero_row_bytes);
  const float* multipliers = reinterpret_cast<const float*>(bias + layout.channels_padded);
  const int16_t* weights = reinterpret_cast<const int16_t*>(multipliers + layout.channels_padded);
  const NeonRequantization requantize(p.output);
  const int tap_count = static_cast<int>(layout.taps);
  // Only this call's channels; the end also bounds the last vector's valid lanes.
  const int channel_begin = static_cast<int>(slice.channel_begin);
  const int channel_end = static_cast<int>(slice.channel_end);
  depthwise_for_each_pixel(
      g, input, output, slice, zero_row, tap_count, [&](const int8_t* const* taps, int8_t* out) {
        for (int c = channel_begin; c < channel_end; c += kLanes) {
          compute_channels(taps, tap_count, bias, multipliers, weights, layout.channels_padded,
                           requantize, c, channel_end, out);
        }
      });
}

}  // namespace

// The same kernel under each architecture's name: the registry tells the families apart by it.
#if defined(__aarch64__)
size_t conv2d_qs8_depthwise_neon_packed_size(const Conv2dGeometry& g) {
  return packed_size(g);
}
void conv2d_qs8_depthwise_neon_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                    const Conv2dQs8Weights& w, void* packed) {
  pack(g, p, w, packed);
}
void conv2d_qs8_depthwise_neon(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                               const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                               const Conv2dSlice& slice) {
  run(g, p, w, input, output, slice);
}
#else
size_t conv2d_qs8_depthwise_armv7neon_packed_size(const Conv2dGeometry& g) {
  return packed_size(g);
}
void conv2d_qs8_depthwise_armv7neon_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                         const Conv2dQs8Weights& w, void* packed) {
  pack(g, p, w, packed);
}
void conv2d_qs8_depthwise_armv7neon(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                    const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                    const Conv2dSlice& slice) {
  run(g, p, w, input, output, slice);
}
#endif

}  // namespace qrun::kernels
