// The packing of the depthwise kernels that multiply in 32-bit lanes (AVX2, AVX-512): a row of
// the input's zero point as wide as the channels plus the overread slack (padded taps read it),
// the corrected bias (int32 per channel), then the weights widened to int32, [tap][channel], with
// channels padded to a multiple of the kernel's vector width by zero weights so that every
// vector is whole. The input's zero point is folded into the bias:
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w,  with padded taps reading x = zx.
//
// Arithmetic-free and in an unnamed namespace, so each kernel file compiles its own copy with its
// own instruction set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/overread.h"
#include "conv2d/conv2d.h"

namespace qrun::kernels {
namespace {

template <size_t ChannelMultiple>
struct DepthwiseInt32Layout {
  size_t channels_padded;
  size_t taps;
  size_t zero_row_bytes;

  explicit DepthwiseInt32Layout(const Conv2dGeometry& g)
      : channels_padded(round_up(static_cast<size_t>(g.output_channels), ChannelMultiple)),
        taps(static_cast<size_t>(g.kernel_height) * g.kernel_width),
        zero_row_bytes(round_up(static_cast<size_t>(g.input_channels) + kInputOverreadBytes, 64)) {}
  size_t total() const { return zero_row_bytes + channels_padded * 4 * (1 + taps); }
  const int32_t* bias(const void* packed) const {
    return reinterpret_cast<const int32_t*>(static_cast<const uint8_t*>(packed) + zero_row_bytes);
  }
  const int32_t* weights(const void* packed) const { return bias(packed) + channels_padded; }

  static size_t round_up(size_t value, size_t multiple) {
    return (value + multiple - 1) / multiple * multiple;
  }
};

template <size_t ChannelMultiple>
void pack_depthwise_int32(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                          const Conv2dQs8Weights& w, void* packed) {
  const DepthwiseInt32Layout<ChannelMultiple> layout(g);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, layout.total());
  std::memset(bytes, static_cast<uint8_t>(p.input_zero_point), layout.zero_row_bytes);
  auto* bias = reinterpret_cast<int32_t*>(bytes + layout.zero_row_bytes);
  int32_t* weights = bias + layout.channels_padded;
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
  }
}

}  // namespace
}  // namespace qrun::kernels
