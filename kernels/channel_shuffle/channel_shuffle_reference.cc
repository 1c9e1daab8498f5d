// The definition of the channel shuffle: a permutation of each pixel's channels, then a split.
#include <cstdint>
#include <cstring>

#include "channel_shuffle/channel_shuffle.h"

namespace qrun::kernels {

void channel_shuffle_reference(const ChannelShuffleGeometry& g, const void* input,
                               void* const* outputs) {
  const size_t group_size = g.channels / g.groups;
  const size_t part = g.channels / g.output_count;
  const auto* in = static_cast<const uint8_t*>(input);
  for (size_t p = 0; p < g.pixels; ++p) {
    const uint8_t* pixel = in + p * g.channels * g.element_size;
    for (size_t o = 0; o < g.channels; ++o) {
      const size_t source = (o % g.groups) * group_size + o / g.groups;
      auto* out = static_cast<uint8_t*>(outputs[o / part]);
      std::memcpy(out + (p * part + o % part) * g.element_size, pixel + source * g.element_size,
                  g.element_size);
    }
  }
}

}  // namespace qrun::kernels
