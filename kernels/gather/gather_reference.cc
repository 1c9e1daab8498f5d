// The definition of Gather: one copy of `inner_bytes` per (outer block, index).
#include <cstring>

#include "gather/gather.h"

namespace qrun::kernels {

void gather_reference(const GatherGeometry& g, const int32_t* indices, const void* input,
                      void* output) {
  const auto* in = static_cast<const unsigned char*>(input);
  auto* out = static_cast<unsigned char*>(output);
  for (size_t o = 0; o < g.outer; ++o) {
    const unsigned char* block = in + o * g.axis_dim * g.inner_bytes;
    for (size_t i = 0; i < g.index_count; ++i) {
      std::memcpy(out, block + static_cast<size_t>(indices[i]) * g.inner_bytes, g.inner_bytes);
      out += g.inner_bytes;
    }
  }
}

}  // namespace qrun::kernels
