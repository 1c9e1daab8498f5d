// The channel shuffle (channel_shuffle.h) on any CPU, without a division or a call per element.
// Output channel a * groups + b is input channel b * group_size + a: the shuffled channels are
// walked in order, a then b, and each output part is filled as the walk reaches it. ShuffleNet's
// case, two groups of bytes split into parts of whole pairs, interleaves the two halves of each
// pixel run by run, a loop the compiler vectorizes.
#include <cstdint>
#include <cstring>

#include "channel_shuffle/channel_shuffle.h"

namespace qrun::kernels {
namespace {

template <size_t ElementSize>
void shuffle_elements(const ChannelShuffleGeometry& g, const uint8_t* in, uint8_t* const* outputs) {
  const size_t group_size = g.channels / g.groups;
  const size_t part = g.channels / g.output_count;
  for (size_t p = 0; p < g.pixels; ++p) {
    const uint8_t* pixel = in + p * g.channels * ElementSize;
    size_t output = 0, within = 0;
    uint8_t* out = outputs[0] + p * part * ElementSize;
    for (size_t a = 0; a < group_size; ++a) {
      for (size_t b = 0; b < g.groups; ++b) {
        std::memcpy(out + within * ElementSize, pixel + (b * group_size + a) * ElementSize,
                    ElementSize);
        if (++within == part && ++output < g.output_count) {
          within = 0;
          out = outputs[output] + p * part * ElementSize;
        }
      }
    }
  }
}

// Two groups of bytes, each part an even number of channels: part k holds the pairs
// (x[a], x[group_size + a]) for a in [k * part / 2, (k + 1) * part / 2).
void interleave_halves(const ChannelShuffleGeometry& g, const uint8_t* in,
                       uint8_t* const* outputs) {
  const size_t half = g.channels / 2;
  const size_t part = g.channels / g.output_count;
  const size_t pairs = part / 2;
  for (size_t p = 0; p < g.pixels; ++p) {
    const uint8_t* first = in + p * g.channels;
    const uint8_t* second = first + half;
    for (size_t k = 0; k < g.output_count; ++k) {
      uint8_t* out = outputs[k] + p * part;
      const size_t begin = k * pairs;
      for (size_t a = 0; a < pairs; ++a) {
        out[2 * a] = first[begin + a];
        out[2 * a + 1] = second[begin + a];
      }
    }
  }
}

}  // namespace

void channel_shuffle_portable(const ChannelShuffleGeometry& g, const void* input,
                              void* const* outputs) {
  const auto* in = static_cast<const uint8_t*>(input);
  auto* const* out = reinterpret_cast<uint8_t* const*>(outputs);
  if (g.element_size == 1 && g.groups == 2 && (g.channels / g.output_count) % 2 == 0) {
    interleave_halves(g, in, out);
    return;
  }
  switch (g.element_size) {
    case 1: return shuffle_elements<1>(g, in, out);
    case 2: return shuffle_elements<2>(g, in, out);
    case 4: return shuffle_elements<4>(g, in, out);
    default: return channel_shuffle_reference(g, input, outputs);
  }
}

}  // namespace qrun::kernels
