// Int8 concatenation through tables (concat.h) on AArch64 NEON. Input by input, so that its
// 256-byte table is loaded once into sixteen registers: tbl looks into 64 bytes (four registers)
// and gives 0 for an index past them, tbx leaves the lane as it was, so the index x + 128 (the sign
// bit flipped) looks into the first part with tbl and, less 64 each time (wrapping, so that lanes
// of earlier parts fall out of range), into the others with tbx. Inputs without a table are
// copied. A block's last vector overlaps the one before rather than pass its end (the same bytes
// written twice); blocks shorter than a vector go lane by lane.
#include <arm_neon.h>

#include "common/requantize_neon.h"
#include "concat/concat.h"

namespace qrun::kernels {
namespace {

constexpr size_t kLanes = 16;

struct Table {
  uint8x16x4_t parts[4];

  int8x16_t operator()(int8x16_t x) const {
    const uint8x16_t step = vdupq_n_u8(64);
    uint8x16_t index = veorq_u8(vreinterpretq_u8_s8(x), vdupq_n_u8(0x80));
    uint8x16_t value = vqtbl4q_u8(parts[0], index);
    for (int part = 1; part < 4; ++part) {
      index = vsubq_u8(index, step);
      value = vqtbx4q_u8(value, parts[part], index);
    }
    return vreinterpretq_s8_u8(value);
  }
};

struct Copy {
  int8x16_t operator()(int8x16_t x) const { return x; }
};

// Every block of one input through `map`, into its place in each output row.
template <typename Map>
void map_blocks(const Map& map, size_t outer, size_t block, size_t stride, const int8_t* in,
                int8_t* out) {
  for (size_t o = 0; o < outer; ++o, in += block, out += stride) {
    if (block < kLanes) {
      const int count = static_cast<int>(block);
      neon_store_bytes(out, map(neon_load_bytes(in, count)), count);
      continue;
    }
    for (size_t e = 0; e < block; e += kLanes) {
      const size_t at = block - e < kLanes ? block - kLanes : e;
      vst1q_s8(out + at, map(vld1q_s8(in + at)));
    }
  }
}

}  // namespace

void concat_s8_tables_neon(const ConcatGeometry& g, const int8_t* const* tables,
                           const int8_t* const* inputs, int8_t* output) {
  const size_t stride = concat_output_block(g);
  size_t offset = 0;
  for (size_t i = 0; i < g.input_count; ++i) {
    const size_t block = g.input_blocks[i];
    if (tables[i] == nullptr) {
      map_blocks(Copy{}, g.outer, block, stride, inputs[i], output + offset);
    } else {
      Table table;
      const auto* bytes = reinterpret_cast<const uint8_t*>(tables[i]);
      for (int part = 0; part < 4; ++part) table.parts[part] = vld1q_u8_x4(bytes + 64 * part);
      map_blocks(table, g.outer, block, stride, inputs[i], output + offset);
    }
    offset += block;
  }
}

}  // namespace qrun::kernels
