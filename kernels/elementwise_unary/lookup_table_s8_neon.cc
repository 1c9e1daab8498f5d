// The int8 table lookup on AArch64 NEON, 16 elements at a time. tbl looks into up to 64 bytes (four
// registers) and gives 0 for an index past them; tbx instead leaves the lane as it was. So the
// 256-entry table is four parts of 64: the index x + 128 (x with its sign bit flipped) looks into
// the first with tbl, then, less 64 each time (wrapping, so lanes of earlier parts fall out of
// range and keep their value), into the others with tbx. A tail of fewer than 16 elements is
// staged through a buffer, so nothing is read or written past the tensors.
#include <arm_neon.h>

#include <cstring>

#include "elementwise_unary/elementwise_unary.h"

namespace qrun::kernels {
namespace {

struct Table {
  uint8x16x4_t parts[4];
};

uint8x16_t look_up(const Table& table, int8x16_t x) {
  const uint8x16_t step = vdupq_n_u8(64);
  uint8x16_t index = veorq_u8(vreinterpretq_u8_s8(x), vdupq_n_u8(0x80));
  uint8x16_t value = vqtbl4q_u8(table.parts[0], index);
  for (int part = 1; part < 4; ++part) {
    index = vsubq_u8(index, step);
    value = vqtbx4q_u8(value, table.parts[part], index);
  }
  return value;
}

}  // namespace

void lookup_table_s8_neon(size_t count, const int8_t* table, const int8_t* input, int8_t* output) {
  Table parts;
  const auto* bytes = reinterpret_cast<const uint8_t*>(table);
  for (int part = 0; part < 4; ++part) parts.parts[part] = vld1q_u8_x4(bytes + 64 * part);
  size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    const uint8x16_t value = look_up(parts, vld1q_s8(input + i));
    vst1q_u8(reinterpret_cast<uint8_t*>(output + i), value);
  }
  if (i < count) {
    int8_t staged[16] = {};
    std::memcpy(staged, input + i, count - i);
    vst1q_u8(reinterpret_cast<uint8_t*>(staged), look_up(parts, vld1q_s8(staged)));
    std::memcpy(output + i, staged, count - i);
  }
}

}  // namespace qrun::kernels
