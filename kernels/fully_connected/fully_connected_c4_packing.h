// The packing of the FullyConnected kernels whose multiply-accumulate takes four inputs at a time
// (vpdpbusd on x86, sdot on ARM): the corrected bias (int32, channels padded to the block), then
// per block of `Lanes` output channels the weights as [input / 4][Lanes channels][4 inputs], zero
// where the inputs or channels are padding. The bias absorbs what the kernel adds to every input
// before multiplying (`input_shift`: 128 + zx for vpdpbusd's unsigned inputs, which take x + 128;
// zx for sdot, whose inputs are x itself):
//   sum (x - zx) * w  =  sum (x + s) * w  -  (s + zx) * sum w.
//
// Arithmetic-free and in an unnamed namespace, so each kernel file compiles its own copy with its
// own instruction set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fully_connected/fully_connected.h"

namespace qrun::kernels {
namespace {

template <size_t Lanes>
struct FullyConnectedC4Layout {
  size_t inputs_padded;
  size_t channels_padded;

  explicit FullyConnectedC4Layout(const FullyConnectedGeometry& g)
      : inputs_padded(round_up(static_cast<size_t>(g.input_channels), 4)),
        channels_padded(round_up(static_cast<size_t>(g.output_channels), Lanes)) {}
  size_t block_bytes() const { return inputs_padded * Lanes; }
  size_t total() const { return channels_padded * 4 + channels_padded / Lanes * block_bytes(); }

  static size_t round_up(size_t value, size_t multiple) {
    return (value + multiple - 1) / multiple * multiple;
  }
};

// `bias_shift` is what multiplies each channel's sum of weights in the correction: 128 + zx or zx.
template <size_t Lanes>
void pack_fully_connected_c4(const FullyConnectedGeometry& g, const FullyConnectedQs8Weights& w,
                             uint32_t bias_shift, void* packed) {
  const FullyConnectedC4Layout<Lanes> layout(g);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, layout.total());
  auto* bias = reinterpret_cast<int32_t*>(bytes);
  int8_t* weights = reinterpret_cast<int8_t*>(bytes + layout.channels_padded * 4);
  const size_t inputs = static_cast<size_t>(g.input_channels);
  for (size_t c = 0; c < static_cast<size_t>(g.output_channels); ++c) {
    int8_t* block = weights + c / Lanes * layout.block_bytes();
    const size_t lane = c % Lanes;
    uint32_t column_sum = 0;
    for (size_t i = 0; i < inputs; ++i) {
      const int8_t value = w.oi[c * inputs + i];
      block[(i / 4) * Lanes * 4 + lane * 4 + i % 4] = value;
      column_sum += static_cast<uint32_t>(static_cast<int32_t>(value));
    }
    // Unsigned: the corrected bias may wrap, exactly as the kernel's int32 sums do.
    bias[c] = static_cast<int32_t>(static_cast<uint32_t>(w.bias[c]) - bias_shift * column_sum);
  }
}

}  // namespace
}  // namespace qrun::kernels
