// Channel shuffle of an NHWC tensor (ShuffleNet): with C = groups * group_size, output channel
// a * groups + b is input channel b * group_size + a. The shuffled channels may be split into
// `output_count` equal parts, each its own tensor (the chunk that follows a shuffle).
#pragma once

#include <cstddef>

namespace qrun::kernels {

constexpr size_t kMaxChannelShuffleOutputs = 8;

struct ChannelShuffleGeometry {
  size_t pixels = 1;  // N * H * W
  size_t channels = 1;
  size_t groups = 1;
  size_t output_count = 1;
  size_t element_size = 1;
};

using ChannelShuffleFn = void (*)(const ChannelShuffleGeometry&, const void* input,
                                  void* const* outputs);

void channel_shuffle_reference(const ChannelShuffleGeometry&, const void* input,
                               void* const* outputs);
// Any CPU: no division or call per element; two groups of bytes interleaved run by run.
void channel_shuffle_portable(const ChannelShuffleGeometry&, const void* input,
                              void* const* outputs);

}  // namespace qrun::kernels
