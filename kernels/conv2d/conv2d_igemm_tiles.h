// The walk shared by the ARM implicit-GEMM Conv2D kernels, which differ only in their inner
// product and the packed layout it reads: blocks of 16 output channels outside (a block and its
// whole reduction stay in cache), tiles of `Pixels` output pixels inside, and for each tap the
// input row each pixel of a tile reads, or the zero-point row where the tap falls in the padding.
//
// Packed buffer of every such kernel: the zero-point row (zero_row_bytes), then for each group its
// blocks of 16 output channels, each `block_bytes` long, starting with a header: the corrected
// bias (16 int32) and the multipliers (16 floats), both zero past the last channel, so that the
// tile never reads past the caller's arrays nor needs a partial load.
//
// Arithmetic-free and in an unnamed namespace, so each kernel file compiles its own copy with its
// own -march.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/overread.h"
#include "conv2d/conv2d.h"

namespace qrun::kernels {
namespace {

constexpr int kIgemmBlockChannels = 16;
constexpr size_t kIgemmBlockHeaderBytes = kIgemmBlockChannels * 8;

inline size_t igemm_round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// The zero-point row is read like an input pixel: as wide as the padded reduction plus the slack.
inline size_t igemm_zero_row_bytes(size_t input_channels_padded) {
  return igemm_round_up(input_channels_padded + kInputOverreadBytes, 64);
}

inline size_t igemm_blocks_per_group(const Conv2dGeometry& g) {
  return igemm_round_up(static_cast<size_t>(g.output_channels_per_group()), kIgemmBlockChannels) /
         kIgemmBlockChannels;
}

// Fills the packed buffer (`total` bytes): the zero-point row, then each block's header and its
// weights, each weight placed by place(block_weights, tap, input_channel, lane, value) in the
// kernel's own order; everything not placed (padding) is zero.
template <typename Place>
void igemm_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p, const Conv2dQs8Weights& w,
                size_t zero_row_bytes, size_t block_bytes, size_t total, void* packed,
                Place place) {
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, total);
  std::memset(bytes, static_cast<uint8_t>(p.input_zero_point), zero_row_bytes);
  bytes += zero_row_bytes;
  const size_t taps = static_cast<size_t>(g.kernel_height) * g.kernel_width;
  const size_t cin = static_cast<size_t>(g.input_channels_per_group());
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  for (int group = 0; group < g.groups; ++group) {
    for (size_t first = 0; first < cout; first += kIgemmBlockChannels, bytes += block_bytes) {
      auto* bias = reinterpret_cast<int32_t*>(bytes);
      auto* multipliers = reinterpret_cast<float*>(bytes + kIgemmBlockChannels * 4);
      uint8_t* weights = bytes + kIgemmBlockHeaderBytes;
      for (int lane = 0; lane < kIgemmBlockChannels && first + lane < cout; ++lane) {
        const size_t oc = group * cout + first + lane;
        const int8_t* ohwi = w.ohwi + oc * taps * cin;
        // Unsigned: the corrected bias may wrap, exactly as the kernels' int32 sums do.
        uint32_t column_sum = 0;
        for (size_t tap = 0; tap < taps; ++tap) {
          for (size_t ic = 0; ic < cin; ++ic) {
            const int8_t value = ohwi[tap * cin + ic];
            column_sum += static_cast<uint32_t>(static_cast<int32_t>(value));
            place(weights, tap, ic, lane, value);
          }
        }
        bias[lane] = static_cast<int32_t>(static_cast<uint32_t>(w.bias[oc]) -
                                          static_cast<uint32_t>(p.input_zero_point) * column_sum);
        multipliers[lane] = p.multipliers[oc];
      }
    }
  }
}

// The output pixels of one tile, and where each reads at every tap.
template <int Pixels>
struct PixelTile {
  const int8_t* image[Pixels];
  int oy[Pixels];
  int ox[Pixels];
  int8_t* output[Pixels];
  int count;  // pixels that are real; the rest repeat the last one and are dropped
  // When no window of the tile touches the padding, a tap's rows are the windows' corners plus
  // one offset; otherwise each row is placed, or sent to the zero row, one by one.
  const int8_t* corner[Pixels];
  bool clear;

  void find_corners(const Conv2dGeometry& g, size_t channel_offset) {
    clear = true;
    for (int i = 0; i < Pixels; ++i) {
      const int y0 = oy[i] * g.stride_height - g.pad_top;
      const int x0 = ox[i] * g.stride_width - g.pad_left;
      clear = clear && y0 >= 0 && y0 + (g.kernel_height - 1) * g.dilation_height < g.input_height &&
              x0 >= 0 && x0 + (g.kernel_width - 1) * g.dilation_width < g.input_width;
      corner[i] = image[i] + (static_cast<ptrdiff_t>(y0) * g.input_width + x0) * g.input_channels +
                  static_cast<ptrdiff_t>(channel_offset);
    }
  }

  void rows(const Conv2dGeometry& g, int ky, int kx, size_t channel_offset, const int8_t* zero_row,
            const int8_t* (&out)[Pixels]) const {
    if (clear) {
      const ptrdiff_t tap_offset =
          (static_cast<ptrdiff_t>(ky) * g.dilation_height * g.input_width + kx * g.dilation_width) *
          g.input_channels;
      for (int i = 0; i < Pixels; ++i) out[i] = corner[i] + tap_offset;
      return;
    }
    for (int i = 0; i < Pixels; ++i) {
      const int iy = oy[i] * g.stride_height - g.pad_top + ky * g.dilation_height;
      const int ix = ox[i] * g.stride_width - g.pad_left + kx * g.dilation_width;
      const bool inside = iy >= 0 && iy < g.input_height && ix >= 0 && ix < g.input_width;
      out[i] = inside
                   ? image[i] + (static_cast<size_t>(iy) * g.input_width + ix) * g.input_channels +
                         channel_offset
                   : zero_row;
    }
  }
};

// Calls compute(tile, channel_offset, block, channels) for every tile of the slice's output rows,
// block by block over its channels; `channels` is how many of the block's 16 are real.
template <int Pixels, typename Compute>
void igemm_for_each_tile(const Conv2dGeometry& g, const uint8_t* blocks, size_t block_bytes,
                         const int8_t* input, int8_t* output, const Conv2dSlice& slice,
                         Compute compute) {
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  const size_t image_bytes = static_cast<size_t>(g.input_height) * g.input_width * g.input_channels;
  const size_t pixel_begin = slice.row_begin * g.output_width;
  const size_t pixel_end = slice.row_end * g.output_width;
  // A dense convolution may be given a range of channels (whole blocks); grouped ones get all.
  const size_t channel_begin = g.groups == 1 ? slice.channel_begin : 0;
  const size_t channel_end = g.groups == 1 ? slice.channel_end : cout;

  const uint8_t* block = blocks + channel_begin / kIgemmBlockChannels * block_bytes;
  for (int group = 0; group < g.groups; ++group) {
    const size_t channel_offset = static_cast<size_t>(group) * g.input_channels_per_group();
    for (size_t c = channel_begin; c < channel_end;
         c += kIgemmBlockChannels, block += block_bytes) {
      const int channels = static_cast<int>(
          channel_end - c < kIgemmBlockChannels ? channel_end - c : kIgemmBlockChannels);
      const size_t first_channel = group * cout + c;
      // The first pixel's place; later ones step through it without dividing.
      size_t image = slice.row_begin / g.output_height;
      int oy = static_cast<int>(slice.row_begin % g.output_height);
      int ox = 0;
      for (size_t first = pixel_begin; first < pixel_end; first += Pixels) {
        PixelTile<Pixels> tile;
        tile.count = static_cast<int>(pixel_end - first < Pixels ? pixel_end - first : Pixels);
        for (int i = 0; i < Pixels; ++i) {
          // A short tile repeats its last pixel (reading where it reads, never past the batch);
          // those results are computed and dropped.
          const int from = i < tile.count ? i : tile.count - 1;
          if (i != from) {
            tile.image[i] = tile.image[from];
            tile.oy[i] = tile.oy[from];
            tile.ox[i] = tile.ox[from];
            tile.output[i] = tile.output[from];
            continue;
          }
          tile.image[i] = input + image * image_bytes;
          tile.oy[i] = oy;
          tile.ox[i] = ox;
          tile.output[i] = output + (first + i) * g.output_channels + first_channel;
          if (++ox == g.output_width) {
            ox = 0;
            if (++oy == g.output_height) {
              oy = 0;
              ++image;
            }
          }
        }
        tile.find_corners(g, channel_offset);
        compute(tile, channel_offset, block, channels);
      }
    }
  }
}

}  // namespace
}  // namespace qrun::kernels
