// Int8 Conv2D on x86 AVX512-VNNI as an implicit GEMM: rows are output pixels (6 or 7 per tile),
// columns output channels (up to 64 or 48 per tile, in zmm of 16), and the reduction runs over the
// kernel's taps and, within a tap, over input channels four at a time, the grain of vpdpbusd.
// Two tile shapes fill the 32 registers: 6x64 (24 accumulators) and 7x48 (21), the second for
// small images whose pixel count 7 divides (7x7), where the weights are most of the traffic and
// one more pixel per tile reads them less often.
//
// vpdpbusd multiplies unsigned by signed bytes. The input is made unsigned by flipping its sign
// bit (u = x + 128), and the packed bias absorbs the difference once, at load time:
//   sum (x - zx) * w  =  sum u * w  -  (128 + zx) * sum w.
// Padded taps read a row filled with the zero point, so they contribute exactly zero, as in the
// reference. Weights are zero-padded up to a multiple of four input channels and of 16 output
// channels, so the few bytes read past a pixel's channels are multiplied by zero. The int32 sums
// are exact (the loader bounds them), and requantization follows the reference step by step:
// float(acc) * m, clamp to the output range, round half to even (vcvtps2dq), add the zero point.
// A fused Add (Conv2dQs8Params::residual) continues from that int8 value in registers with Add's
// own steps, as the AVX-512 Add kernel does, and only the sum is stored.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/dpbusd_in_place.h"
#include "common/overread.h"
#include "conv2d/conv2d.h"

namespace qrun::kernels {
namespace {

constexpr int kMaxTilePixels = 7;
constexpr int kLanes = 16;

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// A folded window row (below) holds at most this many bytes, so that a tile can gather its
// windows on the stack.
constexpr size_t kMaxFoldedWindowBytes = 512;

// Where each part of the packed buffer is, all of it derived from the geometry.
//
// The reduction runs in steps of four bytes. Normally a step is four input channels of one tap
// (channels padded to a multiple of four). When the channels are few and not a multiple of four
// (a 3-channel stem), a window row's taps are "folded": its kernel_width x channels bytes, which
// NHWC keeps side by side, are cut into steps as one run, so that a 7x7 stem takes 6 steps a row
// instead of 7. Its weights are packed in the same order, zero past the row's end.
struct PackedLayout {
  size_t block_vectors;          // vectors of 16 output channels in a full block
  size_t input_channels_padded;  // a multiple of 4
  size_t taps;
  bool folded;
  size_t row_steps;       // folded: steps per window row
  size_t zero_row_bytes;  // the input's zero point, for taps that fall in the padding
  size_t steps;           // reduction steps of four bytes
  size_t offsets_bytes;   // for each step, where its four bytes are from a window's corner
  size_t groups;
  size_t group_bytes;

  PackedLayout(const Conv2dGeometry& g, int max_vectors)
      : block_vectors(static_cast<size_t>(max_vectors)),
        input_channels_padded(round_up(static_cast<size_t>(g.input_channels_per_group()), 4)),
        taps(static_cast<size_t>(g.kernel_height) * g.kernel_width),
        folded(false),
        row_steps(round_up(static_cast<size_t>(g.kernel_width) * g.input_channels_per_group(), 4) /
                  4),
        zero_row_bytes(round_up(input_channels_padded + kInputOverreadBytes, 64)),
        steps(taps * input_channels_padded / 4),
        offsets_bytes(0),
        groups(static_cast<size_t>(g.groups)),
        group_bytes(0) {
    const size_t folded_steps = static_cast<size_t>(g.kernel_height) * row_steps;
    folded = g.groups == 1 && g.dilation_width == 1 && folded_steps < steps &&
             folded_steps * 4 <= kMaxFoldedWindowBytes;
    if (folded) steps = folded_steps;
    offsets_bytes = round_up(steps * sizeof(ptrdiff_t), 64);
    const size_t channels = static_cast<size_t>(g.output_channels_per_group());
    for (size_t first = 0; first < channels; first += block_channels()) {
      group_bytes += block_bytes(vectors_in_block(channels - first));
    }
  }
  size_t block_channels() const { return block_vectors * kLanes; }
  int vectors_in_block(size_t channels_left) const {
    const size_t channels = channels_left < block_channels() ? channels_left : block_channels();
    return static_cast<int>((channels + kLanes - 1) / kLanes);
  }
  // A block: its bias (one int32 per lane), then for each step `vectors` x 16 channels x 4 bytes.
  size_t block_bytes(int vectors) const { return static_cast<size_t>(vectors) * 64 * (1 + steps); }
  size_t blocks_offset() const { return zero_row_bytes + offsets_bytes; }
  size_t total() const { return blocks_offset() + group_bytes * groups; }
  // The (ky, kx, channel) of byte `b` of step `step`'s four, or false for a zero byte past a
  // folded row's end or a padded channel.
  bool byte_source(const Conv2dGeometry& g, size_t step, size_t b, size_t* ky, size_t* kx,
                   size_t* channel) const {
    const size_t cin = static_cast<size_t>(g.input_channels_per_group());
    if (folded) {
      *ky = step / row_steps;
      const size_t at = step % row_steps * 4 + b;
      *kx = at / cin;
      *channel = at % cin;
      return *kx < static_cast<size_t>(g.kernel_width);
    }
    const size_t tap = step / (input_channels_padded / 4);
    *ky = tap / g.kernel_width;
    *kx = tap % g.kernel_width;
    *channel = step * 4 % input_channels_padded + b;
    return *channel < cin;
  }
};

// The output pixels of one tile: for each, its image and its position.
struct PixelTile {
  const int8_t* image[kMaxTilePixels];
  int oy[kMaxTilePixels];
  int ox[kMaxTilePixels];
  int8_t* output[kMaxTilePixels];
  const int8_t* residual[kMaxTilePixels];  // with a fused Add: its operand, where output is
};

// A fused Add's constants in registers, and its arithmetic for 16 lanes.
struct ResidualAdd {
  ResidualAdd(const AddQs8Params& p, const Qs8Output& conv_output)
      : a_offset(_mm512_set1_ps(static_cast<float>(conv_output.zero_point - p.a_zero_point))),
        b_zero_point(_mm512_set1_epi32(p.b_zero_point)),
        a_multiplier(_mm512_set1_ps(p.a_multiplier)),
        b_multiplier(_mm512_set1_ps(p.b_multiplier)),
        high(_mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point))) {}

  // `conv_rounded`: the convolution's result before its zero point is added, already rounded to
  // an integer (in float, exact). Add's a - a_zero_point is that plus the two zero points'
  // difference (zero when, as always in the runtime, a's zero point is the convolution's; adding
  // it then changes at most the sign of a zero, which the rounding to an integer drops). Returns
  // the sum rounded, before Add's zero point and low clamp, which the caller applies to the
  // narrowed values as for the convolution alone.
  __m512i operator()(__m512 conv_rounded, __m512i r) const {
    const __m512 a = _mm512_add_ps(conv_rounded, a_offset);
    const __m512 scaled_a = _mm512_mul_ps(a, a_multiplier);
    const __m512 scaled_b =
        _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(r, b_zero_point)), b_multiplier);
    return _mm512_cvtps_epi32(_mm512_min_ps(_mm512_add_ps(scaled_a, scaled_b), high));
  }

  __m512 a_offset;
  __m512i b_zero_point;
  __m512 a_multiplier, b_multiplier, high;
};

// One reduction step: four input channels of every row (at `offset` from it), times `Vectors` x 16
// output channels of weights at `w`, which moves on past them.
template <int TilePixels, int Vectors>
[[gnu::always_inline]] inline void reduction_step(__m512i (&acc)[TilePixels][Vectors],
                                                  const int8_t* const* rows, ptrdiff_t offset,
                                                  const uint8_t*& w, uintptr_t next_block) {
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i weights[Vectors];
#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) {
    weights[v] = _mm512_load_si512(w + 64 * v);
    _mm_prefetch(
        reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(w + 64 * v) + next_block),
        _MM_HINT_T1);
  }
  w += 64 * Vectors;
#pragma GCC unroll 8
  for (int i = 0; i < TilePixels; ++i) {
    int32_t quad;
    std::memcpy(&quad, rows[i] + offset, 4);
    const __m512i x = _mm512_xor_si512(_mm512_set1_epi32(quad), sign_flip);
#pragma GCC unroll 4
    for (int v = 0; v < Vectors; ++v) dpbusd_in_place(acc[i][v], x, weights[v]);
  }
}

template <int TilePixels, int Vectors, bool Pointwise>
void compute_tile(const Conv2dGeometry& g, const PackedLayout& layout, const PixelTile& tile,
                  int pixels, size_t channel_offset, const uint8_t* block, const int8_t* zero_row,
                  const float* multipliers, const Qs8Output& out, const Conv2dQs8Residual* residual,
                  size_t output_channel, int channels) {
  __m512i acc[TilePixels][Vectors];
  const int32_t* bias = reinterpret_cast<const int32_t*>(block);
  const auto* step_offsets = reinterpret_cast<const ptrdiff_t*>(zero_row + layout.zero_row_bytes);
#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) {
    const __m512i b = _mm512_load_si512(bias + kLanes * v);
#pragma GCC unroll 8
    for (int i = 0; i < TilePixels; ++i) acc[i][v] = b;
  }

  // A fused Add reads the residual's rows only in the epilogue: asked for now, they arrive while
  // the tile computes instead of stalling it at the end.
  if (residual != nullptr) {
#pragma GCC unroll 8
    for (int i = 0; i < TilePixels; ++i) {
      _mm_prefetch(reinterpret_cast<const char*>(tile.residual[i] + output_channel), _MM_HINT_T0);
    }
  }
  const uint8_t* w = block + Vectors * 64;
  // Every tile also asks for the same bytes of the next block's weights (into L2): a block is
  // used by many tiles in turn, so the next one arrives while this one computes, and a large
  // layer no longer waits on memory at each block's first tile (resnet50 and mobilenet_v2 2-3%
  // faster, resnet18 1-3%). Past the last block the hint is simply dropped.
  const uintptr_t next_block = layout.block_bytes(Vectors);
  // When no window of the tile touches the padding, every step reads each window's corner plus
  // the same offset, from a table packed at load time: one flat loop, whatever the taps (a stem
  // with three input channels has a step per tap, and would otherwise pay a tap's set-up for
  // each). Otherwise each tap's rows are placed, or sent to the zero row, one by one. A pointwise
  // convolution (1x1, stride 1, unpadded) has each pixel's own input as its only row.
  const int8_t* corners[TilePixels];
  bool clear = true;
#pragma GCC unroll 8
  for (int i = 0; i < TilePixels; ++i) {
    if (Pointwise) {
      corners[i] = tile.image[i] + channel_offset;
      continue;
    }
    const int y0 = tile.oy[i] * g.stride_height - g.pad_top;
    const int x0 = tile.ox[i] * g.stride_width - g.pad_left;
    clear = clear && y0 >= 0 && y0 + (g.kernel_height - 1) * g.dilation_height < g.input_height &&
            x0 >= 0 && x0 + (g.kernel_width - 1) * g.dilation_width < g.input_width;
    corners[i] = tile.image[i] +
                 (static_cast<ptrdiff_t>(y0) * g.input_width + x0) * g.input_channels +
                 static_cast<ptrdiff_t>(channel_offset);
  }
  if (Pointwise) {
    const int cin4 = static_cast<int>(layout.input_channels_padded);
    for (int c = 0; c < cin4; c += 4)
      reduction_step<TilePixels, Vectors>(acc, corners, c, w, next_block);
  } else if (clear) {
    for (size_t s = 0; s < layout.steps; ++s)
      reduction_step<TilePixels, Vectors>(acc, corners, step_offsets[s], w, next_block);
  } else if (layout.folded) {
    // A step may span two taps, one in the padding: each pixel's window is gathered row by row,
    // the zero point standing in for padded taps, and the steps run over the copy.
    alignas(64) int8_t windows[TilePixels][kMaxFoldedWindowBytes + 4];
    const int8_t* rows[TilePixels];
    const size_t cin = static_cast<size_t>(g.input_channels_per_group());
    const size_t row_bytes = layout.row_steps * 4;
#pragma GCC unroll 8
    for (int i = 0; i < TilePixels; ++i) {
      int8_t* window = windows[i];
      std::memset(window, static_cast<int8_t>(zero_row[0]), layout.steps * 4 + 4);
      // The taps of a window row that fall in the image are side by side: one copy a row.
      const int x0 = tile.ox[i] * g.stride_width - g.pad_left;
      const int first_kx = std::max(0, -x0);
      const int end_kx = std::min(g.kernel_width, g.input_width - x0);
      for (int ky = 0; ky < g.kernel_height; ++ky) {
        const int iy = tile.oy[i] * g.stride_height - g.pad_top + ky * g.dilation_height;
        if (iy < 0 || iy >= g.input_height || first_kx >= end_kx) continue;
        std::memcpy(window + ky * row_bytes + first_kx * cin,
                    tile.image[i] + (static_cast<size_t>(iy) * g.input_width + x0 + first_kx) *
                                        g.input_channels,
                    (end_kx - first_kx) * cin);
      }
      rows[i] = window;
    }
    for (size_t s = 0; s < layout.steps; ++s)
      reduction_step<TilePixels, Vectors>(acc, rows, s * 4, w, next_block);
  } else {
    const int cin4 = static_cast<int>(layout.input_channels_padded);
    for (int ky = 0; ky < g.kernel_height; ++ky) {
      for (int kx = 0; kx < g.kernel_width; ++kx) {
        const int8_t* rows[TilePixels];
#pragma GCC unroll 8
        for (int i = 0; i < TilePixels; ++i) {
          const int iy = tile.oy[i] * g.stride_height - g.pad_top + ky * g.dilation_height;
          const int ix = tile.ox[i] * g.stride_width - g.pad_left + kx * g.dilation_width;
          const bool inside = iy >= 0 && iy < g.input_height && ix >= 0 && ix < g.input_width;
          rows[i] = inside ? tile.image[i] +
                                 (static_cast<size_t>(iy) * g.input_width + ix) * g.input_channels +
                                 channel_offset
                           : zero_row;
        }
        for (int c = 0; c < cin4; c += 4)
          reduction_step<TilePixels, Vectors>(acc, rows, c, w, next_block);
      }
    }
  }

  // Each pixel's int32 results, up to 64 channels, are narrowed together: two saturating packs
  // and one permutation back to channel order, instead of a two-uop vpmovsdb per vector. The
  // float clamp stays on the high side; the zero point is added to the int16 values with
  // saturation and the low side is taken on the bytes. That equals the reference's clamp first,
  // round, add: both bounds are integers and rounding is monotonic, and a value below the int32
  // range (vcvtps2dq gives INT32_MIN) stays at the bottom through each saturating step.
  const __m512 high = _mm512_set1_ps(static_cast<float>(out.max - out.zero_point));
  // Read before the stores below, which as bytes may alias anything and would make the compiler
  // read it again for every vector.
  const __m512 low = _mm512_set1_ps(static_cast<float>(out.min - out.zero_point));
  const Qs8Output& stored = residual != nullptr ? residual->add.output : out;
  const __m512i zero_point = _mm512_set1_epi16(static_cast<int16_t>(stored.zero_point));
  const __m512i low_bytes = _mm512_set1_epi8(static_cast<char>(stored.min));
  const __m512i channel_order =
      _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __mmask64 store_mask = channels >= 64 ? ~__mmask64{0} : (__mmask64{1} << channels) - 1;
  const ResidualAdd add(residual != nullptr ? residual->add : AddQs8Params{}, out);
  __m512 m[Vectors];
#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) {
    m[v] = _mm512_maskz_loadu_ps(static_cast<__mmask16>(store_mask >> (kLanes * v)),
                                 multipliers + kLanes * v);
  }
#pragma GCC unroll 8
  for (int i = 0; i < TilePixels; ++i) {
    if (i >= pixels) break;
    int8_t* output_row = tile.output[i] + output_channel;
    // Without a fused Add the tile's residual pointers are null: no offset may be added to them.
    const int8_t* residual_row = residual != nullptr ? tile.residual[i] + output_channel : nullptr;
    __m512i q[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(),
                    _mm512_setzero_si512()};
#pragma GCC unroll 4
    for (int v = 0; v < Vectors; ++v) {
      const __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[i][v]), m[v]);
      if (residual == nullptr) {
        q[v] = _mm512_cvtps_epi32(_mm512_min_ps(scaled, high));
      } else {
        // The convolution's own clamp, then rounding in float (half to even, as vcvtps2dq),
        // which keeps the value for the Add in float.
        const __m128i r_bytes = _mm_maskz_loadu_epi8(
            static_cast<__mmask16>(store_mask >> (kLanes * v)), residual_row + kLanes * v);
        q[v] = add(_mm512_roundscale_ps(_mm512_min_ps(_mm512_max_ps(scaled, low), high),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
                   _mm512_cvtepi8_epi32(r_bytes));
      }
    }
    if (Vectors == 1) {
      // One vector: narrowing alone is cheaper than packing against zeros.
      const __m256i words =
          _mm256_adds_epi16(_mm512_cvtsepi32_epi16(q[0]), _mm512_castsi512_si256(zero_point));
      _mm_mask_storeu_epi8(
          output_row, static_cast<__mmask16>(store_mask),
          _mm_max_epi8(_mm256_cvtsepi16_epi8(words), _mm512_castsi512_si128(low_bytes)));
      continue;
    }
    // Per 128-bit lane k: q0[4k..4k+3], q1[..], q2[..], q3[..] as bytes.
    const __m512i bytes =
        _mm512_packs_epi16(_mm512_adds_epi16(_mm512_packs_epi32(q[0], q[1]), zero_point),
                           _mm512_adds_epi16(_mm512_packs_epi32(q[2], q[3]), zero_point));
    _mm512_mask_storeu_epi8(
        output_row, store_mask,
        _mm512_max_epi8(_mm512_permutexvar_epi32(channel_order, bytes), low_bytes));
  }
}

// compute_tile for a block of `vectors` x 16 channels (a layer's last block may be narrower).
template <int TilePixels, int MaxVectors, bool Pointwise>
[[gnu::always_inline]] inline void compute_block(const Conv2dGeometry& g,
                                                 const PackedLayout& layout, const PixelTile& tile,
                                                 int pixels, size_t channel_offset,
                                                 const uint8_t* block, const int8_t* zero_row,
                                                 const float* multipliers, const Qs8Output& out,
                                                 const Conv2dQs8Residual* residual,
                                                 size_t output_channel, int channels, int vectors) {
  switch (vectors) {
    case 1:
      return compute_tile<TilePixels, 1, Pointwise>(g, layout, tile, pixels, channel_offset, block,
                                                    zero_row, multipliers, out, residual,
                                                    output_channel, channels);
    case 2:
      return compute_tile<TilePixels, 2, Pointwise>(g, layout, tile, pixels, channel_offset, block,
                                                    zero_row, multipliers, out, residual,
                                                    output_channel, channels);
    case 3:
      return compute_tile<TilePixels, 3, Pointwise>(g, layout, tile, pixels, channel_offset, block,
                                                    zero_row, multipliers, out, residual,
                                                    output_channel, channels);
    default:
      return compute_tile<TilePixels, MaxVectors, Pointwise>(
          g, layout, tile, pixels, channel_offset, block, zero_row, multipliers, out, residual,
          output_channel, channels);
  }
}

template <int MaxVectors>
void pack(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
          void* packed) {
  const PackedLayout layout(g, MaxVectors);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, static_cast<uint8_t>(p.input_zero_point), layout.zero_row_bytes);
  bytes += layout.zero_row_bytes;
  auto* step_offsets = reinterpret_cast<ptrdiff_t*>(bytes);
  for (size_t step = 0; step < layout.steps; ++step) {
    size_t ky = 0, kx = 0, channel = 0;
    layout.byte_source(g, step, 0, &ky, &kx, &channel);
    step_offsets[step] = (static_cast<ptrdiff_t>(ky) * g.dilation_height * g.input_width +
                          static_cast<ptrdiff_t>(kx) * g.dilation_width) *
                             g.input_channels +
                         static_cast<ptrdiff_t>(channel);
  }
  bytes += layout.offsets_bytes;
  const size_t cin = static_cast<size_t>(g.input_channels_per_group());
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  // Unsigned arithmetic: the corrected bias may wrap, exactly as the kernel's int32 sums do.
  const uint32_t sign_shift = static_cast<uint32_t>(128 + p.input_zero_point);
  for (int group = 0; group < g.groups; ++group) {
    for (size_t first = 0; first < cout; first += layout.block_channels()) {
      const int vectors = layout.vectors_in_block(cout - first);
      const size_t lanes = static_cast<size_t>(vectors) * kLanes;
      auto* bias = reinterpret_cast<int32_t*>(bytes);
      int8_t* weights = reinterpret_cast<int8_t*>(bytes + lanes * 4);
      std::memset(bytes, 0, layout.block_bytes(vectors));
      for (size_t lane = 0; lane < lanes; ++lane) {
        const size_t c = first + lane;
        if (c >= cout) continue;
        const size_t oc = group * cout + c;
        const int8_t* ohwi = w.ohwi + oc * layout.taps * cin;
        uint32_t column_sum = 0;
        for (size_t k = 0; k < layout.taps * cin; ++k) {
          column_sum += static_cast<uint32_t>(static_cast<int32_t>(ohwi[k]));
        }
        for (size_t step = 0; step < layout.steps; ++step) {
          for (size_t b = 0; b < 4; ++b) {
            size_t ky = 0, kx = 0, channel = 0;
            if (!layout.byte_source(g, step, b, &ky, &kx, &channel)) continue;
            // [step][lane][byte]
            weights[(step * lanes + lane) * 4 + b] =
                ohwi[(ky * g.kernel_width + kx) * cin + channel];
          }
        }
        bias[lane] =
            static_cast<int32_t>(static_cast<uint32_t>(w.bias[oc]) - sign_shift * column_sum);
      }
      bytes += layout.block_bytes(vectors);
    }
  }
}

// Steps through the output pixels of a slice in tiles, knowing each one's image and position
// without dividing.
template <int TilePixels>
class PixelWalk {
 public:
  // `pointwise`: a 1x1, stride 1, unpadded convolution, whose tiles' `image` pointers go straight
  // to each pixel's own input (see compute_tile).
  PixelWalk(const Conv2dGeometry& g, const int8_t* input, size_t first_row, bool pointwise)
      : g_(g),
        pointwise_(pointwise),
        input_(input),
        image_bytes_(static_cast<size_t>(g.input_height) * g.input_width * g.input_channels),
        image_(first_row / g.output_height),
        oy_(static_cast<int>(first_row % g.output_height)) {}

  // The next `pixels` pixels, starting at output pixel `first`; output and residual pointers at
  // the pixel's channel 0 (the residual's only with a fused Add).
  PixelTile next(size_t first, int pixels, int8_t* output, const int8_t* residual) {
    PixelTile tile;
    for (int i = 0; i < TilePixels; ++i) {
      if (i >= pixels) {
        // A short tile repeats its last pixel (reading where it reads, never past the batch);
        // those results are computed and dropped.
        tile.image[i] = tile.image[pixels - 1];
        tile.oy[i] = tile.oy[pixels - 1];
        tile.ox[i] = tile.ox[pixels - 1];
        tile.output[i] = tile.output[pixels - 1];
        tile.residual[i] = tile.residual[pixels - 1];
        continue;
      }
      const size_t at = (first + i) * g_.output_channels;
      tile.image[i] =
          pointwise_ ? input_ + (first + i) * g_.input_channels : input_ + image_ * image_bytes_;
      tile.oy[i] = oy_;
      tile.ox[i] = ox_;
      tile.output[i] = output + at;
      tile.residual[i] = residual != nullptr ? residual + at : nullptr;
      if (++ox_ == g_.output_width) {
        ox_ = 0;
        if (++oy_ == g_.output_height) {
          oy_ = 0;
          ++image_;
        }
      }
    }
    return tile;
  }

 private:
  const Conv2dGeometry& g_;
  bool pointwise_;
  const int8_t* input_;
  size_t image_bytes_;
  size_t image_;
  int oy_;
  int ox_ = 0;
};

// Weights this small (all blocks of a dense convolution: 1x1 layers with few input channels)
// stay in L1 anyway: each pixel tile then goes through every block, so its output row is written
// once, whole, instead of once per block in parts of cache lines.
constexpr size_t kPixelsOutsideMaxWeightBytes = 32 * 1024;

template <int TilePixels, int MaxVectors, bool Pointwise>
void run_tiles(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
               const int8_t* input, int8_t* output, const Conv2dSlice& slice) {
  const PackedLayout layout(g, MaxVectors);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  const size_t pixel_begin = slice.row_begin * g.output_width;
  const size_t pixel_end = slice.row_end * g.output_width;
  const int8_t* residual = p.residual != nullptr ? p.residual->data : nullptr;
  // A dense convolution may be given a range of channels (whole blocks); grouped ones get all.
  const size_t channel_begin = g.groups == 1 ? slice.channel_begin : 0;
  const size_t channel_end = g.groups == 1 ? slice.channel_end : cout;
  // Every block before channel_begin is a full one.
  const uint8_t* first_block = packed + layout.blocks_offset() +
                               channel_begin / layout.block_channels() *
                                   layout.block_bytes(static_cast<int>(layout.block_vectors));
  auto tile_pixels = [&](size_t first) {
    return static_cast<int>(pixel_end - first < TilePixels ? pixel_end - first : TilePixels);
  };
  // One tile of one block: channels [c, c + block) of group `group`. A range's last tile, when
  // it holds at most half a tile's pixels, runs with half the rows: the rows it would compute
  // only to drop them cost as much as real ones (a 128-row GEMM ends on 2 of 6; a 7x7 image on 1).
  auto compute = [&](const PixelTile& tile, int pixels, int group, size_t c, const uint8_t* block,
                     int vectors) {
    const size_t channel_offset = static_cast<size_t>(group) * g.input_channels_per_group();
    const int channels = static_cast<int>(std::min(channel_end - c, layout.block_channels()));
    const float* multipliers = p.multipliers + group * cout + c;
    if (pixels * 2 > TilePixels) {
      compute_block<TilePixels, MaxVectors, Pointwise>(
          g, layout, tile, pixels, channel_offset, block, zero_row, multipliers, p.output,
          p.residual, group * cout + c, channels, vectors);
    } else {
      compute_block<TilePixels / 2, MaxVectors, Pointwise>(
          g, layout, tile, pixels, channel_offset, block, zero_row, multipliers, p.output,
          p.residual, group * cout + c, channels, vectors);
    }
  };

  if (g.groups == 1 && layout.total() <= kPixelsOutsideMaxWeightBytes) {
    PixelWalk<TilePixels> walk(g, input, slice.row_begin, Pointwise);
    for (size_t first = pixel_begin; first < pixel_end; first += TilePixels) {
      const int pixels = tile_pixels(first);
      const PixelTile tile = walk.next(first, pixels, output, residual);
      const uint8_t* block = first_block;
      for (size_t c = channel_begin; c < channel_end; c += layout.block_channels()) {
        const int vectors = layout.vectors_in_block(cout - c);
        compute(tile, pixels, 0, c, block, vectors);
        block += layout.block_bytes(vectors);
      }
    }
    return;
  }
  // Blocks of weights outside, pixel tiles inside: a block (up to 64 channels x the whole
  // reduction) stays in cache while every pixel of the range streams past it.
  const uint8_t* block = first_block;
  for (int group = 0; group < g.groups; ++group) {
    for (size_t c = channel_begin; c < channel_end; c += layout.block_channels()) {
      const int vectors = layout.vectors_in_block(cout - c);
      PixelWalk<TilePixels> walk(g, input, slice.row_begin, Pointwise);
      for (size_t first = pixel_begin; first < pixel_end; first += TilePixels) {
        const int pixels = tile_pixels(first);
        compute(walk.next(first, pixels, output, residual), pixels, group, c, block, vectors);
      }
      block += layout.block_bytes(vectors);
    }
  }
}

template <int TilePixels, int MaxVectors>
void run(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
         const int8_t* input, int8_t* output, const Conv2dSlice& slice) {
  const bool pointwise = g.kernel_height == 1 && g.kernel_width == 1 && g.stride_height == 1 &&
                         g.stride_width == 1 && g.pad_top == 0 && g.pad_left == 0 &&
                         g.output_height == g.input_height && g.output_width == g.input_width;
  if (pointwise) {
    run_tiles<TilePixels, MaxVectors, true>(g, p, w, input, output, slice);
  } else {
    run_tiles<TilePixels, MaxVectors, false>(g, p, w, input, output, slice);
  }
}

}  // namespace

size_t conv2d_qs8_igemm_6x64c4_avx512vnni_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g, 4).total();
}
void conv2d_qs8_igemm_6x64c4_avx512vnni_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                             const Conv2dQs8Weights& w, void* packed) {
  pack<4>(g, p, w, packed);
}
void conv2d_qs8_igemm_6x64c4_avx512vnni(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                        const Conv2dQs8Weights& w, const int8_t* input,
                                        int8_t* output, const Conv2dSlice& slice) {
  run<6, 4>(g, p, w, input, output, slice);
}

size_t conv2d_qs8_igemm_7x48c4_avx512vnni_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g, 3).total();
}
void conv2d_qs8_igemm_7x48c4_avx512vnni_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                             const Conv2dQs8Weights& w, void* packed) {
  pack<3>(g, p, w, packed);
}
void conv2d_qs8_igemm_7x48c4_avx512vnni(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                        const Conv2dQs8Weights& w, const int8_t* input,
                                        int8_t* output, const Conv2dSlice& slice) {
  run<7, 3>(g, p, w, input, output, slice);
}

}  // namespace qrun::kernels
