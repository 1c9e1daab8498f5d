// Int8 Conv2D on x86 AVX2 as an implicit GEMM: tiles of 3 output pixels x 8 output channels, the
// reduction over the kernel's taps and, within a tap, over input channels eight at a time.
//
// AVX2 has no exact 8-bit multiply-add (vpmaddubsw saturates its 16-bit pair sums on full-range
// weights), so both sides are sign-extended to int16 and multiplied with vpmaddwd, whose pair sums
// are exact in int32: eight inputs, widened and repeated in both halves of a ymm, meet two output
// channels' eight weights (widened at load time), giving four partial sums per channel. After the
// reduction three vphaddd fold the 4 x 2 x 4 partial sums of each pixel into eight channels; the
// packing puts channels in the order that makes the result come out in natural order.
//
// The input's zero point is folded into the bias at load time:
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w,
// so padded taps read a row filled with the zero point and contribute exactly zero, as in the
// reference. Weights are zero-padded to a multiple of eight input channels and of eight output
// channels, so the bytes read past a pixel's channels are multiplied by zero. The int32 sums are
// exact modulo 2^32 (the correction may wrap and unwrap) and the loader bounds the true sum, so
// they are the reference's; requantization is the reference's too (common/requantize_avx2.h).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/overread.h"
#include "common/requantize_avx2.h"
#include "conv2d/conv2d.h"

namespace qrun::kernels {
namespace {

constexpr int kTilePixels = 3;
constexpr int kBlockChannels = 8;
constexpr int kDepth = 8;  // input channels per step

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Where each part of the packed buffer is, all of it derived from the geometry.
struct PackedLayout {
  size_t input_channels_padded;  // a multiple of kDepth
  size_t taps;
  size_t zero_row_bytes;  // the input's zero point, for taps that fall in the padding
  size_t blocks_per_group;
  size_t block_bytes;  // bias (8 int32), then [tap][input / 8][8 channels][8 inputs] as int16

  explicit PackedLayout(const Conv2dGeometry& g)
      : input_channels_padded(round_up(static_cast<size_t>(g.input_channels_per_group()), kDepth)),
        taps(static_cast<size_t>(g.kernel_height) * g.kernel_width),
        zero_row_bytes(round_up(input_channels_padded + kInputOverreadBytes, 64)),
        blocks_per_group(
            round_up(static_cast<size_t>(g.output_channels_per_group()), kBlockChannels) /
            kBlockChannels),
        block_bytes(kBlockChannels * 4 + taps * input_channels_padded * kBlockChannels * 2) {}
  size_t total(const Conv2dGeometry& g) const {
    return zero_row_bytes + static_cast<size_t>(g.groups) * blocks_per_group * block_bytes;
  }
};

// The packed slot of channel `lane` of a block. Slot pairs (2j, 2j + 1) share a vector; the
// vphaddd cascade leaves slots in the order 0 2 4 6 1 3 5 7, so slot s holds channel
// s / 2 + 4 * (s % 2) and the sums come out as channels 0..7.
int slot_of_lane(int lane) {
  return lane < 4 ? 2 * lane : 2 * (lane - 4) + 1;
}

// The output pixels of one tile: for each, its image and its position.
struct PixelTile {
  const int8_t* image[kTilePixels];
  int oy[kTilePixels];
  int ox[kTilePixels];
  int8_t* output[kTilePixels];
};

void compute_tile(const Conv2dGeometry& g, const PackedLayout& layout, const PixelTile& tile,
                  int pixels, size_t channel_offset, const uint8_t* block, const int8_t* zero_row,
                  const float* multipliers, const Avx2Requantization& requantize, int channels) {
  __m256i acc[kTilePixels][4];
#pragma GCC unroll 3
  for (int i = 0; i < kTilePixels; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) acc[i][j] = _mm256_setzero_si256();
  }
  const auto* w = reinterpret_cast<const __m256i*>(block + kBlockChannels * 4);
  // Each tile also asks for the next block's weights (into L2), as the AVX512-VNNI GEMM does.
  const uintptr_t next_block = layout.block_bytes;
  const int depth = static_cast<int>(layout.input_channels_padded);
  // When no window of the tile touches the padding, a tap's rows are the windows' corners plus
  // one offset; otherwise each row is placed, or sent to the zero row, one by one.
  const int8_t* corners[kTilePixels];
  bool clear = true;
#pragma GCC unroll 3
  for (int i = 0; i < kTilePixels; ++i) {
    const int y0 = tile.oy[i] * g.stride_height - g.pad_top;
    const int x0 = tile.ox[i] * g.stride_width - g.pad_left;
    clear = clear && y0 >= 0 && y0 + (g.kernel_height - 1) * g.dilation_height < g.input_height &&
            x0 >= 0 && x0 + (g.kernel_width - 1) * g.dilation_width < g.input_width;
    corners[i] = tile.image[i] +
                 (static_cast<ptrdiff_t>(y0) * g.input_width + x0) * g.input_channels +
                 static_cast<ptrdiff_t>(channel_offset);
  }
  for (int ky = 0; ky < g.kernel_height; ++ky) {
    for (int kx = 0; kx < g.kernel_width; ++kx) {
      const int8_t* rows[kTilePixels];
      const ptrdiff_t tap_offset =
          (static_cast<ptrdiff_t>(ky) * g.dilation_height * g.input_width + kx * g.dilation_width) *
          g.input_channels;
#pragma GCC unroll 3
      for (int i = 0; i < kTilePixels; ++i) {
        if (clear) {
          rows[i] = corners[i] + tap_offset;
          continue;
        }
        const int iy = tile.oy[i] * g.stride_height - g.pad_top + ky * g.dilation_height;
        const int ix = tile.ox[i] * g.stride_width - g.pad_left + kx * g.dilation_width;
        const bool inside = iy >= 0 && iy < g.input_height && ix >= 0 && ix < g.input_width;
        rows[i] = inside ? tile.image[i] +
                               (static_cast<size_t>(iy) * g.input_width + ix) * g.input_channels +
                               channel_offset
                         : zero_row;
      }
      for (int c = 0; c < depth; c += kDepth) {
        __m256i x[kTilePixels];
#pragma GCC unroll 3
        for (int i = 0; i < kTilePixels; ++i) {
          const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(rows[i] + c));
          x[i] = _mm256_cvtepi8_epi16(_mm_broadcastq_epi64(bytes));
        }
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
          const __m256i weights = _mm256_load_si256(w + j);
          if (j % 2 == 0) {
            _mm_prefetch(
                reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(w + j) + next_block),
                _MM_HINT_T1);
          }
#pragma GCC unroll 3
          for (int i = 0; i < kTilePixels; ++i) {
            acc[i][j] = _mm256_add_epi32(acc[i][j], _mm256_madd_epi16(x[i], weights));
          }
        }
        w += 4;
      }
    }
  }

  const __m256i bias = _mm256_load_si256(reinterpret_cast<const __m256i*>(block));
  const __m256 m = avx2_load_multipliers(multipliers, channels);
#pragma GCC unroll 3
  for (int i = 0; i < kTilePixels; ++i) {
    if (i >= pixels) break;
    const __m256i sums = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[i][0], acc[i][1]),
                                           _mm256_hadd_epi32(acc[i][2], acc[i][3]));
    const __m256i q = requantize(_mm256_add_epi32(sums, bias), m);
    avx2_store_bytes(tile.output[i], avx2_narrow(q), channels);
  }
}

}  // namespace

size_t conv2d_qs8_igemm_3x8c8_avx2_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g).total(g);
}

void conv2d_qs8_igemm_3x8c8_avx2_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                      const Conv2dQs8Weights& w, void* packed) {
  const PackedLayout layout(g);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, layout.total(g));
  std::memset(bytes, static_cast<uint8_t>(p.input_zero_point), layout.zero_row_bytes);
  bytes += layout.zero_row_bytes;
  const size_t cin = static_cast<size_t>(g.input_channels_per_group());
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  const size_t depth = layout.input_channels_padded;
  for (int group = 0; group < g.groups; ++group) {
    for (size_t first = 0; first < cout; first += kBlockChannels, bytes += layout.block_bytes) {
      auto* bias = reinterpret_cast<int32_t*>(bytes);
      auto* weights = reinterpret_cast<int16_t*>(bytes + kBlockChannels * 4);
      for (int lane = 0; lane < kBlockChannels && first + lane < cout; ++lane) {
        const size_t oc = group * cout + first + lane;
        const size_t slot = static_cast<size_t>(slot_of_lane(lane));
        const int8_t* ohwi = w.ohwi + oc * layout.taps * cin;
        // Unsigned: the corrected bias may wrap, exactly as the kernel's int32 sums do.
        uint32_t column_sum = 0;
        for (size_t tap = 0; tap < layout.taps; ++tap) {
          for (size_t ic = 0; ic < cin; ++ic) {
            const int8_t value = ohwi[tap * cin + ic];
            column_sum += static_cast<uint32_t>(static_cast<int32_t>(value));
            // [tap][ic / 8][slot][ic % 8]
            weights[(tap * depth + ic - ic % kDepth) * kBlockChannels + slot * kDepth +
                    ic % kDepth] = value;
          }
        }
        bias[lane] = static_cast<int32_t>(static_cast<uint32_t>(w.bias[oc]) -
                                          static_cast<uint32_t>(p.input_zero_point) * column_sum);
      }
    }
  }
}

void conv2d_qs8_igemm_3x8c8_avx2(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                 const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                 const Conv2dSlice& slice) {
  const PackedLayout layout(g);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const Avx2Requantization requantize(p.output);
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  const size_t image_bytes = static_cast<size_t>(g.input_height) * g.input_width * g.input_channels;
  const size_t pixel_begin = slice.row_begin * g.output_width;
  const size_t pixel_end = slice.row_end * g.output_width;
  // A dense convolution may be given a range of channels (whole blocks); grouped ones get all.
  const size_t channel_begin = g.groups == 1 ? slice.channel_begin : 0;
  const size_t channel_end = g.groups == 1 ? slice.channel_end : cout;

  // Blocks of weights outside, pixel tiles inside: a block (8 channels x the whole reduction)
  // stays in cache while every pixel of the range streams past it.
  const uint8_t* block =
      packed + layout.zero_row_bytes + channel_begin / kBlockChannels * layout.block_bytes;
  for (int group = 0; group < g.groups; ++group) {
    const size_t channel_offset = static_cast<size_t>(group) * g.input_channels_per_group();
    for (size_t c = channel_begin; c < channel_end;
         c += kBlockChannels, block += layout.block_bytes) {
      const int channels =
          static_cast<int>(channel_end - c < kBlockChannels ? channel_end - c : kBlockChannels);
      int8_t* block_output = output + group * cout + c;
      // The first pixel's place; later ones step through it without dividing.
      size_t image = slice.row_begin / g.output_height;
      int oy = static_cast<int>(slice.row_begin % g.output_height);
      int ox = 0;
      for (size_t first = pixel_begin; first < pixel_end; first += kTilePixels) {
        const int pixels =
            static_cast<int>(pixel_end - first < kTilePixels ? pixel_end - first : kTilePixels);
        PixelTile tile;
        for (int i = 0; i < kTilePixels; ++i) {
          if (i >= pixels) {
            // A short tile repeats its last pixel (reading where it reads, never past the batch);
            // those results are computed and dropped.
            tile.image[i] = tile.image[pixels - 1];
            tile.oy[i] = tile.oy[pixels - 1];
            tile.ox[i] = tile.ox[pixels - 1];
            tile.output[i] = tile.output[pixels - 1];
            continue;
          }
          tile.image[i] = input + image * image_bytes;
          tile.oy[i] = oy;
          tile.ox[i] = ox;
          tile.output[i] = block_output + (first + i) * g.output_channels;
          if (++ox == g.output_width) {
            ox = 0;
            if (++oy == g.output_height) {
              oy = 0;
              ++image;
            }
          }
        }
        compute_tile(g, layout, tile, pixels, channel_offset, block, zero_row,
                     p.multipliers + group * cout + c, requantize, channels);
      }
    }
  }
}

}  // namespace qrun::kernels
