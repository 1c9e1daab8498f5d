// Int8 Conv2D on x86 AVX-VNNI (the 256-bit, VEX-encoded vpdpbusd) as an implicit GEMM: rows are
// output pixels (4 per tile), columns output channels (up to 24 per tile, in ymm of 8), and the
// reduction runs over the kernel's taps and, within a tap, over input channels four at a time, the
// grain of vpdpbusd. 4x24 fills the 16 registers: 12 accumulators, 3 weight vectors and the
// broadcast input.
//
// vpdpbusd multiplies unsigned by signed bytes. The input is made unsigned by flipping its sign
// bit (u = x + 128), and the packed bias absorbs the difference once, at load time:
//   sum (x - zx) * w  =  sum u * w  -  (128 + zx) * sum w.
// Padded taps read a row filled with the zero point, so they contribute exactly zero, as in the
// reference. Weights are zero-padded up to a multiple of four input channels and of 8 output
// channels, so the few bytes read past a pixel's channels are multiplied by zero. The int32 sums
// are exact (the loader bounds them), and requantization is the reference's, step by step
// (common/requantize_avx2.h).
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/overread.h"
#include "common/requantize_avx2.h"
#include "conv2d/conv2d.h"

namespace qrun::kernels {
namespace {

constexpr int kTilePixels = 4;
constexpr int kMaxVectors = 3;
constexpr int kLanes = 8;

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Where each part of the packed buffer is, all of it derived from the geometry.
struct PackedLayout {
  size_t block_vectors;          // vectors of 8 output channels in a full block
  size_t input_channels_padded;  // a multiple of 4
  size_t taps;
  size_t zero_row_bytes;  // the input's zero point, for taps that fall in the padding
  size_t groups;
  size_t group_bytes;

  PackedLayout(const Conv2dGeometry& g, int max_vectors)
      : block_vectors(static_cast<size_t>(max_vectors)),
        input_channels_padded(round_up(static_cast<size_t>(g.input_channels_per_group()), 4)),
        taps(static_cast<size_t>(g.kernel_height) * g.kernel_width),
        zero_row_bytes(round_up(input_channels_padded + kInputOverreadBytes, 64)),
        groups(static_cast<size_t>(g.groups)),
        group_bytes(0) {
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
  // A block: its bias (one int32 per lane), then for each tap and each group of four input
  // channels, `vectors` x 8 channels x 4 bytes.
  size_t block_bytes(int vectors) const {
    return static_cast<size_t>(vectors) * 32 * (1 + taps * input_channels_padded / 4);
  }
  size_t total() const { return zero_row_bytes + group_bytes * groups; }
};

// The output pixels of one tile: for each, its image and its position.
struct PixelTile {
  const int8_t* image[kTilePixels];
  int oy[kTilePixels];
  int ox[kTilePixels];
  int8_t* output[kTilePixels];
};

template <int Vectors>
void compute_tile(const Conv2dGeometry& g, const PackedLayout& layout, const PixelTile& tile,
                  int pixels, size_t channel_offset, const uint8_t* block, const int8_t* zero_row,
                  const float* multipliers, const Avx2Requantization& requantize, int channels) {
  __m256i acc[kTilePixels][Vectors];
  const int32_t* bias = reinterpret_cast<const int32_t*>(block);
#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) {
    const __m256i b = _mm256_load_si256(reinterpret_cast<const __m256i*>(bias + kLanes * v));
#pragma GCC unroll 8
    for (int i = 0; i < kTilePixels; ++i) acc[i][v] = b;
  }

  const uint8_t* w = block + Vectors * 32;
  // Each tile also asks for the next block's weights (into L2), as the AVX512-VNNI GEMM does.
  const uintptr_t next_block = layout.block_bytes(Vectors);
  const __m256i sign_flip = _mm256_set1_epi8(static_cast<char>(0x80));
  const int cin4 = static_cast<int>(layout.input_channels_padded);
  // When no window of the tile touches the padding, a tap's rows are the windows' corners plus
  // one offset; otherwise each row is placed, or sent to the zero row, one by one.
  const int8_t* corners[kTilePixels];
  bool clear = true;
#pragma GCC unroll 8
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
#pragma GCC unroll 8
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
      for (int c = 0; c < cin4; c += 4) {
        __m256i weights[Vectors];
#pragma GCC unroll 4
        for (int v = 0; v < Vectors; ++v) {
          weights[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + 32 * v));
        }
        _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(w) + next_block),
                     _MM_HINT_T1);
        w += 32 * Vectors;
#pragma GCC unroll 8
        for (int i = 0; i < kTilePixels; ++i) {
          int32_t quad;
          std::memcpy(&quad, rows[i] + c, 4);
          const __m256i x = _mm256_xor_si256(_mm256_set1_epi32(quad), sign_flip);
#pragma GCC unroll 4
          for (int v = 0; v < Vectors; ++v) {
            acc[i][v] = _mm256_dpbusd_avx_epi32(acc[i][v], x, weights[v]);
          }
        }
      }
    }
  }

#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) {
    const int left = channels - kLanes * v;
    const __m256 m = avx2_load_multipliers(multipliers + kLanes * v, left);
#pragma GCC unroll 8
    for (int i = 0; i < kTilePixels; ++i) {
      if (i >= pixels) break;
      avx2_store_bytes(tile.output[i] + kLanes * v, avx2_narrow(requantize(acc[i][v], m)),
                       left < kLanes ? left : kLanes);
    }
  }
}

void pack(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
          void* packed) {
  const PackedLayout layout(g, kMaxVectors);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, static_cast<uint8_t>(p.input_zero_point), layout.zero_row_bytes);
  bytes += layout.zero_row_bytes;
  const size_t cin = static_cast<size_t>(g.input_channels_per_group());
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  const size_t cin4 = layout.input_channels_padded;
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
        for (size_t tap = 0; tap < layout.taps; ++tap) {
          for (size_t ic = 0; ic < cin; ++ic) {
            const int8_t value = ohwi[tap * cin + ic];
            column_sum += static_cast<uint32_t>(static_cast<int32_t>(value));
            // [tap][ic / 4][lane][ic % 4]
            weights[((tap * cin4 + ic - ic % 4) * lanes) + lane * 4 + ic % 4] = value;
          }
        }
        bias[lane] =
            static_cast<int32_t>(static_cast<uint32_t>(w.bias[oc]) - sign_shift * column_sum);
      }
      bytes += layout.block_bytes(vectors);
    }
  }
}

}  // namespace

size_t conv2d_qs8_igemm_4x24c4_avxvnni_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g, kMaxVectors).total();
}

void conv2d_qs8_igemm_4x24c4_avxvnni_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                          const Conv2dQs8Weights& w, void* packed) {
  pack(g, p, w, packed);
}

void conv2d_qs8_igemm_4x24c4_avxvnni(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                     const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                     const Conv2dSlice& slice) {
  const PackedLayout layout(g, kMaxVectors);
  const Avx2Requantization requantize(p.output);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  const size_t image_bytes = static_cast<size_t>(g.input_height) * g.input_width * g.input_channels;
  const size_t pixel_begin = slice.row_begin * g.output_width;
  const size_t pixel_end = slice.row_end * g.output_width;
  // A dense convolution may be given a range of channels (whole blocks); grouped ones get all.
  const size_t channel_begin = g.groups == 1 ? slice.channel_begin : 0;
  const size_t channel_end = g.groups == 1 ? slice.channel_end : cout;

  // Blocks of weights outside, pixel tiles inside: a block (up to 24 channels x the whole
  // reduction) stays in cache while every pixel of the range streams past it.
  // Every block before channel_begin is a full one.
  const uint8_t* block = packed + layout.zero_row_bytes +
                         channel_begin / layout.block_channels() *
                             layout.block_bytes(static_cast<int>(layout.block_vectors));
  for (int group = 0; group < g.groups; ++group) {
    const size_t channel_offset = static_cast<size_t>(group) * g.input_channels_per_group();
    for (size_t c = channel_begin; c < channel_end; c += layout.block_channels()) {
      const int channels = static_cast<int>(std::min(channel_end - c, layout.block_channels()));
      const int vectors = layout.vectors_in_block(cout - c);
      const float* multipliers = p.multipliers + group * cout + c;
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
        switch (vectors) {
          case 1:
            compute_tile<1>(g, layout, tile, pixels, channel_offset, block, zero_row, multipliers,
                            requantize, channels);
            break;
          case 2:
            compute_tile<2>(g, layout, tile, pixels, channel_offset, block, zero_row, multipliers,
                            requantize, channels);
            break;
          default:
            compute_tile<kMaxVectors>(g, layout, tile, pixels, channel_offset, block, zero_row,
                                      multipliers, requantize, channels);
            break;
        }
      }
      block += layout.block_bytes(vectors);
    }
  }
}

}  // namespace qrun::kernels
