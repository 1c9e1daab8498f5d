// Int8 Add on baseline NEON, for AArch64 and, built as add_qs8_armv7neon, for 32-bit ARMv7: 16
// lanes at a time along the innermost dimension, where each input is either contiguous or a single
// broadcast value. The arithmetic (add_neon.h) is the reference's, step by step in fp32.
#include <arm_neon.h>

#include "add/add_neon.h"

namespace qrun::kernels {
namespace {

int8x16_t load_lanes(const int8_t* p, size_t stride, int count) {
  return stride == 0 ? vdupq_n_s8(*p) : neon_load_bytes(p, count);
}

void run(const BroadcastGeometry& g, const AddQs8Params& p, const int8_t* a, const int8_t* b,
         int8_t* output) {
  const NeonRequantization requantize(p.output);
  const size_t* d = g.output_dims;
  const size_t inner = d[3];
  for (size_t i0 = 0; i0 < d[0]; ++i0) {
    for (size_t i1 = 0; i1 < d[1]; ++i1) {
      for (size_t i2 = 0; i2 < d[2]; ++i2) {
        const int8_t* a_row = a + i0 * g.a_strides[0] + i1 * g.a_strides[1] + i2 * g.a_strides[2];
        const int8_t* b_row = b + i0 * g.b_strides[0] + i1 * g.b_strides[1] + i2 * g.b_strides[2];
        for (size_t i = 0; i < inner; i += 16) {
          // The last vector overlaps the one before (recomputing the same values) rather than
          // read past the rows, which have no slack; a row shorter than 16 is read lane by lane.
          const size_t start = inner >= 16 && inner - i < 16 ? inner - 16 : i;
          const int count = inner < 16 ? static_cast<int>(inner) : 16;
          const int8x16_t x = load_lanes(a_row + start * g.a_strides[3], g.a_strides[3], count);
          const int8x16_t y = load_lanes(b_row + start * g.b_strides[3], g.b_strides[3], count);
          neon_store_bytes(output + start, neon_add(x, y, p, requantize), count);
        }
        output += inner;
      }
    }
  }
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
