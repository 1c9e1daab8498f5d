// Int8 Add on baseline NEON, for AArch64 and, built as add_qs8_armv7neon, for 32-bit ARMv7: 16
// lanes at a time within the shared broadcast walk (common/broadcast_walk_neon.h). The arithmetic
// (add_neon.h) is the reference's, step by step in fp32.
#include <arm_neon.h>

#include "add/add_neon.h"
#include "common/broadcast_walk_neon.h"

namespace qrun::kernels {
namespace {

void run(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a, const int8_t* b,
         int8_t* output) {
  const NeonRequantization requantize(p.output);
  neon_broadcast_walk(g, a, b, output,
                      [&](int8x16_t x, int8x16_t y) { return neon_add(x, y, p, requantize); });
}

}  // namespace

// The same kernel under each architecture's name: the registry tells the families apart by it.
#if defined(__aarch64__)
void add_qs8_neon(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a,
                  const int8_t* b, int8_t* output) {
  run(g, p, a, b, output);
}
#else
void add_qs8_armv7neon(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a,
                       const int8_t* b, int8_t* output) {
  run(g, p, a, b, output);
}
#endif

}  // namespace qrun::kernels
