// Int8 Conv2D on ARMv8.2 NEON with the dot product (sdot) as an implicit GEMM: tiles of 4 output
// pixels x 16 output channels (16 int32 accumulators), the reduction over the kernel's taps and,
// within a tap, over input channels four at a time, the grain of sdot. Sixteen input bytes of a
// pixel are loaded at once and each group of four is broadcast by the indexed form (sdot v.4s,
// w.16b, x.4b[lane]) against four vectors of 4 channels x 4 weights.
//
// sdot multiplies signed by signed bytes, so no sign flip is needed: the input's zero point is
// folded into the bias at load time,
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w,
// and padded taps read a row filled with the zero point, contributing exactly zero, as in the
// reference. Weights are zero-padded to a multiple of four input channels and of 16 output
// channels, so the bytes read past a pixel's channels are multiplied by zero. The int32 sums wrap
// exactly as the corrected bias does and the loader bounds the true sum, so they are the
// reference's; requantization is the reference's too (common/requantize_neon.h).
//
// The tile: 4x16 keeps every operand in registers (16 accumulators, 4 inputs, 4 weights).
// llvm-mca (Cortex-A76 model) puts its loop of 64 sdot at 36 cycles, 28 MAC/cycle of the 32 the
// sdot ports give (benchmarks/ARM.md). 6x16 and 8x16 need more registers than there are: GCC
// spilled their accumulators inside the loop (23 and 14 MAC/cycle).
#include <arm_neon.h>

#include "common/requantize_neon.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_igemm_tiles.h"

namespace qrun::kernels {
namespace {

constexpr int kPixels = 4;
constexpr int kDepth = 4;  // input channels per sdot
constexpr int kStep = 16;  // input channels per iteration of the inner loop: one load per pixel

// A block: the header (conv2d_igemm_tiles.h), then [tap][input / 4][4 vectors][4 channels][4
// inputs].
struct PackedLayout {
  size_t depth;  // input channels per group, padded to kDepth
  size_t taps;
  size_t zero_row_bytes;
  size_t block_bytes;

  explicit PackedLayout(const Conv2dGeometry& g)
      : depth(igemm_round_up(static_cast<size_t>(g.input_channels_per_group()), kDepth)),
        taps(static_cast<size_t>(g.kernel_height) * g.kernel_width),
        zero_row_bytes(igemm_zero_row_bytes(depth)),
        block_bytes(kIgemmBlockHeaderBytes + taps * depth * kIgemmBlockChannels) {}
  size_t total(const Conv2dGeometry& g) const {
    return zero_row_bytes + static_cast<size_t>(g.groups) * igemm_blocks_per_group(g) * block_bytes;
  }
};

// Four input channels (lane `Lane` of each pixel's 16 bytes) against 16 output channels.
template <int Lane>
inline void dot_step(int32x4_t (&acc)[kPixels][4], const int8x16_t (&x)[kPixels], const int8_t* w) {
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const int8x16_t weights = vld1q_s8(w + 16 * j);
#pragma GCC unroll 8
    for (int i = 0; i < kPixels; ++i) acc[i][j] = vdotq_laneq_s32(acc[i][j], weights, x[i], Lane);
  }
}

// One weight vector `W` (4 output channels x 4 inputs; the pair's first or second column, `C`)
// against lane `LANE` of the four pixels' inputs; and both columns of the pair.
// clang-format off
#define QRUN_SDOT_PIXELS(C, W, LANE)                         \
  "sdot %[p0c" #C "].4s, " W ".16b, %[x0].4b[" #LANE "]\n"  \
  "sdot %[p1c" #C "].4s, " W ".16b, %[x1].4b[" #LANE "]\n"  \
  "sdot %[p2c" #C "].4s, " W ".16b, %[x2].4b[" #LANE "]\n"  \
  "sdot %[p3c" #C "].4s, " W ".16b, %[x3].4b[" #LANE "]\n"
#define QRUN_SDOT_LANE(LANE, W0, W1) \
  QRUN_SDOT_PIXELS(0, W0, LANE)      \
  QRUN_SDOT_PIXELS(1, W1, LANE)
// clang-format on

// Columns `J` and `J` + 1 of the tile (eight output channels) over the 16 input channels in x: the
// pair's weights for each group of four channels in one load (ldp), then 32 sdot. Assembly,
// because GCC 12 compiles the same step written with intrinsics into unpaired weight loads,
// address arithmetic and register moves (88 instructions per iteration of the inner loop where
// 80 do). Two such steps rather than one for the whole tile: an asm statement takes at most 30
// operands, and 16 accumulators read and written are 32.
template <int J>
inline void dot_columns(int32x4_t (&acc)[kPixels][4], const int8x16_t (&x)[kPixels],
                        const int8_t* w) {
  int8x16_t w0, w1, w2, w3;
  // clang-format off
  __asm__(
      "ldp %q[w0], %q[w1], [%[w], #%[lane0]]\n"
      "ldp %q[w2], %q[w3], [%[w], #%[lane1]]\n"
      QRUN_SDOT_LANE(0, "%[w0]", "%[w1]")
      "ldp %q[w0], %q[w1], [%[w], #%[lane2]]\n"
      QRUN_SDOT_LANE(1, "%[w2]", "%[w3]")
      "ldp %q[w2], %q[w3], [%[w], #%[lane3]]\n"
      QRUN_SDOT_LANE(2, "%[w0]", "%[w1]")
      QRUN_SDOT_LANE(3, "%[w2]", "%[w3]")
      // clang-format on
      : [p0c0] "+w"(acc[0][J]), [p0c1] "+w"(acc[0][J + 1]), [p1c0] "+w"(acc[1][J]),
        [p1c1] "+w"(acc[1][J + 1]), [p2c0] "+w"(acc[2][J]), [p2c1] "+w"(acc[2][J + 1]),
        [p3c0] "+w"(acc[3][J]), [p3c1] "+w"(acc[3][J + 1]), [w0] "=&w"(w0), [w1] "=&w"(w1),
        [w2] "=&w"(w2), [w3] "=&w"(w3)
      : [x0] "w"(x[0]), [x1] "w"(x[1]), [x2] "w"(x[2]), [x3] "w"(x[3]), [w] "r"(w),
        // The 256 bytes of weights it reads, so that GCC knows the asm reads memory.
        "m"(*reinterpret_cast<const int8_t(*)[kStep * kIgemmBlockChannels]>(w)),
        [lane0] "i"(16 * J), [lane1] "i"(64 + 16 * J), [lane2] "i"(128 + 16 * J),
        [lane3] "i"(192 + 16 * J));
}
#undef QRUN_SDOT_LANE
#undef QRUN_SDOT_PIXELS

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
  const auto* w = reinterpret_cast<const int8_t*>(block + kIgemmBlockHeaderBytes);
  const size_t depth = layout.depth;
  for (int ky = 0; ky < g.kernel_height; ++ky) {
    for (int kx = 0; kx < g.kernel_width; ++kx) {
      const int8_t* rows[kPixels];
      tile.rows(g, ky, kx, channel_offset, zero_row, rows);
      for (size_t n = depth / kStep; n != 0; --n) {
        int8x16_t x[kPixels];
#pragma GCC unroll 8
        for (int i = 0; i < kPixels; ++i) {
          x[i] = vld1q_s8(rows[i]);
          rows[i] += kStep;
        }
        dot_columns<0>(acc, x, w);
        dot_columns<2>(acc, x, w);
        w += kStep * kIgemmBlockChannels;
      }
      if (const size_t left = depth % kStep; left != 0) {
        // The last 4, 8 or 12 channels; the bytes after them are read (slack) and left unused.
        int8x16_t x[kPixels];
#pragma GCC unroll 8
        for (int i = 0; i < kPixels; ++i) x[i] = vld1q_s8(rows[i]);
        dot_step<0>(acc, x, w);
        if (left > 4) dot_step<1>(acc, x, w + 64);
        if (left > 8) dot_step<2>(acc, x, w + 128);
        w += left * kIgemmBlockChannels;
      }
    }
  }

  igemm_store_tile<kPixels>(acc, block, requantize, tile, channels);
}

}  // namespace

size_t conv2d_qs8_igemm_4x16c4_neondot_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g).total(g);
}

void conv2d_qs8_igemm_4x16c4_neondot_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                          const Conv2dQs8Weights& w, void* packed) {
  const PackedLayout layout(g);
  igemm_pack(g, p, w, layout.zero_row_bytes, layout.block_bytes, layout.total(g), packed,
             [&layout](uint8_t* weights, size_t tap, size_t ic, int lane, int8_t value) {
               // [tap][ic / 4][lane][ic % 4]
               weights[(tap * layout.depth + ic - ic % kDepth) * kIgemmBlockChannels +
                       static_cast<size_t>(lane) * kDepth + ic % kDepth] =
                   static_cast<uint8_t>(value);
             });
}

void conv2d_qs8_igemm_4x16c4_neondot(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                     const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                     const Conv2dSlice& slice) {
  igemm_run<kPixels, PackedLayout, compute_tile>(g, p, w, input, output, slice);
}

}  // namespace qrun::kernels
