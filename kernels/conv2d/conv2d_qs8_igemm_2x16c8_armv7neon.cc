// Int8 Conv2D on 32-bit ARMv7 NEON as an implicit GEMM: the AArch64 NEON kernel's scheme
// (conv2d_qs8_igemm_4x16c8_neon.cc: int16 weights widened at load time, inputs widened eight
// channels at a time, each input channel broadcast by the indexed multiply-accumulate
// vmlal.s16 q, d, d[k] against 16 channels' weights, int16 products exact, int32 sums) on two
// output pixels per tile, not four: ARMv7 has 16 quad registers, not 32, and two pixels' 8
// accumulators plus their inputs and two input channels' weights fit them without spilling. The
// indexed form takes its scalar from a 64-bit register only, so the widened inputs are used by
// halves. The inner loop is assembly (accumulate_tap).
//
// The packing is the shared one (conv2d_igemm_tiles.h): the input's zero point folded into the
// bias at load time, padded taps reading a row filled with the zero point, weights zero-padded to
// a multiple of eight input channels and of 16 output channels. The int32 sums wrap exactly as the
// corrected bias does and the loader bounds the true sum, so they are the reference's;
// requantization is the reference's too (common/requantize_neon.h, rounding by the 1.5 * 2^23
// addition on ARMv7).
#include <arm_neon.h>

#include "common/requantize_neon.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_igemm_tiles.h"

namespace qrun::kernels {
namespace {

constexpr int kPixels = 2;
constexpr int kDepth = 8;  // input channels per widened load

// A block: the header (conv2d_igemm_tiles.h), then [tap][input][16 channels] as int16.
struct PackedLayout {
  size_t depth;  // input channels per group, padded to kDepth
  size_t taps;
  size_t zero_row_bytes;
  size_t block_bytes;

  explicit PackedLayout(const Conv2dGeometry& g)
      : depth(igemm_round_up(static_cast<size_t>(g.input_channels_per_group()), kDepth)),
        taps(static_cast<size_t>(g.kernel_height) * g.kernel_width),
        zero_row_bytes(igemm_zero_row_bytes(depth)),
        block_bytes(kIgemmBlockHeaderBytes + taps * depth * kIgemmBlockChannels * 2) {}
  size_t total(const Conv2dGeometry& g) const {
    return zero_row_bytes + static_cast<size_t>(g.groups) * igemm_blocks_per_group(g) * block_bytes;
  }
};

// Input channel `LANE` of both pixels (`H`: e for channels 0-3 of the eight, f for 4-7) against
// its 16 output channels' weights in d`W0`-d`W3`.
// clang-format off
#define QRUN_VMLAL_CHANNEL(H, LANE, W0, W1, W2, W3)              \
  "vmlal.s16 %q[p0c0], d" #W0 ", %" #H "[x0][" #LANE "]\n"      \
  "vmlal.s16 %q[p0c1], d" #W1 ", %" #H "[x0][" #LANE "]\n"      \
  "vmlal.s16 %q[p0c2], d" #W2 ", %" #H "[x0][" #LANE "]\n"      \
  "vmlal.s16 %q[p0c3], d" #W3 ", %" #H "[x0][" #LANE "]\n"      \
  "vmlal.s16 %q[p1c0], d" #W0 ", %" #H "[x1][" #LANE "]\n"      \
  "vmlal.s16 %q[p1c1], d" #W1 ", %" #H "[x1][" #LANE "]\n"      \
  "vmlal.s16 %q[p1c2], d" #W2 ", %" #H "[x1][" #LANE "]\n"      \
  "vmlal.s16 %q[p1c3], d" #W3 ", %" #H "[x1][" #LANE "]\n"
// One input channel's 16 weights (32 bytes) in one load.
#define QRUN_LOAD_WEIGHTS(W0, W3) "vld1.16 {d" #W0 "-d" #W3 "}, [%[w]]!\n"
// clang-format on

// One tap: `blocks` (at least one) times eight input channels of both pixels against 16 output
// channels; rows and w end past what it read. Assembly, loop included: GCC 12 compiles the loop
// written with intrinsics into 16-byte weight loads at computed addresses kept on the stack, and
// register moves (116 instructions per iteration where this one has 78); an asm statement for the
// loop's body alone still left it moving accumulators around the statement (84 and 98).
// The weights go to fixed registers because a four-register vld1 needs consecutive ones, which an
// operand cannot ask for: q12-q13 and q14-q15 in turn, so that each load is issued a channel
// before its multiplies. The inputs use the x constraint (q0-q3): the 16-bit scalar of vmlal must
// lie in d0-d7.
inline void accumulate_tap(int32x4_t (&acc)[kPixels][4], const int8_t* (&rows)[kPixels],
                           const int16_t*& w, size_t blocks) {
  int16x8_t x0, x1;
  // clang-format off
  __asm__(
      "1:\n"
      "vld1.8 {%e[x0]}, [%[row0]]!\n"
      "vld1.8 {%e[x1]}, [%[row1]]!\n"
      "vmovl.s8 %q[x0], %e[x0]\n"
      "vmovl.s8 %q[x1], %e[x1]\n"
      QRUN_LOAD_WEIGHTS(24, 27)
      QRUN_LOAD_WEIGHTS(28, 31)
      QRUN_VMLAL_CHANNEL(e, 0, 24, 25, 26, 27)
      QRUN_LOAD_WEIGHTS(24, 27)
      QRUN_VMLAL_CHANNEL(e, 1, 28, 29, 30, 31)
      QRUN_LOAD_WEIGHTS(28, 31)
      QRUN_VMLAL_CHANNEL(e, 2, 24, 25, 26, 27)
      QRUN_LOAD_WEIGHTS(24, 27)
      QRUN_VMLAL_CHANNEL(e, 3, 28, 29, 30, 31)
      QRUN_LOAD_WEIGHTS(28, 31)
      QRUN_VMLAL_CHANNEL(f, 0, 24, 25, 26, 27)
      QRUN_LOAD_WEIGHTS(24, 27)
      QRUN_VMLAL_CHANNEL(f, 1, 28, 29, 30, 31)
      QRUN_LOAD_WEIGHTS(28, 31)
      QRUN_VMLAL_CHANNEL(f, 2, 24, 25, 26, 27)
      QRUN_VMLAL_CHANNEL(f, 3, 28, 29, 30, 31)
      "subs %[blocks], %[blocks], #1\n"
      "bne 1b\n"
      // clang-format on
      : [p0c0] "+w"(acc[0][0]), [p0c1] "+w"(acc[0][1]), [p0c2] "+w"(acc[0][2]),
        [p0c3] "+w"(acc[0][3]), [p1c0] "+w"(acc[1][0]), [p1c1] "+w"(acc[1][1]),
        [p1c2] "+w"(acc[1][2]), [p1c3] "+w"(acc[1][3]), [x0] "=&x"(x0), [x1] "=&x"(x1),
        [row0] "+r"(rows[0]), [row1] "+r"(rows[1]), [w] "+r"(w), [blocks] "+r"(blocks)
      :
      // It reads the tap's inputs and weights, an extent that an "m" operand cannot name.
      : "d24", "d25", "d26", "d27", "d28", "d29", "d30", "d31", "cc", "memory");
}
#undef QRUN_VMLAL_CHANNEL
#undef QRUN_LOAD_WEIGHTS

void compute_tile(const Conv2dGeometry& g, const PackedLayout& layout,
                  const PixelTile<kPixels>& tile, size_t channel_offset, const int8_t* zero_row,
                  const uint8_t* block, const NeonRequantization& requantize, int channels) {
  int32x4_t acc[kPixels][4];
  const auto* bias = reinterpret_cast<const int32_t*>(block);
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const int32x4_t b = vld1q_s32(bias + 4 * j);
#pragma GCC unroll 8
    for (int i = 0; i < kPixels; ++i) acc[i][j] = b;
  }
  const auto* w = reinterpret_cast<const int16_t*>(block + kIgemmBlockHeaderBytes);
  const size_t depth = layout.depth;
  for (int ky = 0; ky < g.kernel_height; ++ky) {
    for (int kx = 0; kx < g.kernel_width; ++kx) {
      const int8_t* rows[kPixels];
      tile.rows(g, ky, kx, channel_offset, zero_row, rows);
      accumulate_tap(acc, rows, w, depth / kDepth);
    }
  }

  // Every pixel requantized before any is stored: the accumulators die before the stores' branches.
  const auto* multipliers = reinterpret_cast<const float*>(block + kIgemmBlockChannels * 4);
  int8x16_t q[kPixels];
#pragma GCC unroll 8
  for (int i = 0; i < kPixels; ++i) {
    q[i] = neon_narrow(requantize(acc[i][0], vld1q_f32(multipliers)),
                       requantize(acc[i][1], vld1q_f32(multipliers + 4)),
                       requantize(acc[i][2], vld1q_f32(multipliers + 8)),
                       requantize(acc[i][3], vld1q_f32(multipliers + 12)));
  }
  for (int i = 0; i < tile.count; ++i) neon_store_bytes(tile.output[i], q[i], channels);
}

}  // namespace

size_t conv2d_qs8_igemm_2x16c8_armv7neon_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g).total(g);
}

void conv2d_qs8_igemm_2x16c8_armv7neon_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                            const Conv2dQs8Weights& w, void* packed) {
  const PackedLayout layout(g);
  igemm_pack(
      g, p, w, layout.zero_row_bytes, layout.block_bytes, layout.total(g), packed,
      [&layout](uint8_t* weights, size_t tap, size_t ic, int lane, int8_t value) {
        // [tap][ic][lane], int16
        reinterpret_cast<int16_t*>(
            weights)[(tap * layout.depth + ic) * kIgemmBlockChannels + static_cast<size_t>(lane)] =
            value;
      });
}

void conv2d_qs8_igemm_2x16c8_armv7neon(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                       const Conv2dQs8Weights& w, const int8_t* input,
                                       int8_t* output, const Conv2dSlice& slice) {
  igemm_run<kPixels, PackedLayout, compute_tile>(g, p, w, input, output, slice);
}

}  // namespace qrun::kernels
