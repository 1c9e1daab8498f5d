// The walk of the implicit-GEMM Conv2D kernels, which differ only in their inner product, tile
// shape and packed layout. The ARM kernels use it; the x86 ones still carry their own copy of the
// same walk: moved onto this header, the AVX-VNNI kernel ran 2x slower (GCC 12, not understood
// yet), so they wait until that is. Blocks of output channels outside
// (a block and its whole reduction stay in cache while the pixels stream past), tiles of `Pixels`
// output pixels inside, and for each tap the input row each pixel of a tile reads, or the
// zero-point row where the tap falls in the padding.
//
// Arithmetic-free and in an unnamed namespace, so each kernel file compiles its own copy with its
// own instruction set.
#pragma once

#include <cstddef>
#include <cstdint>

#include "conv2d/conv2d.h"

namespace qrun::kernels {
namespace {

// The output pixels of one tile, and where each reads at every tap.
template <int Pixels>
struct PixelTile {
  const int8_t* image[Pixels];
  int oy[Pixels];
  int ox[Pixels];
  int8_t* output[Pixels];  // the pixel's first channel of the current block
  int count;               // pixels that are real; the rest repeat the last one and are dropped
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
      // Unrolled, so that the kernel keeps each pixel's row in a register of its own.
#pragma GCC unroll 8
      for (int i = 0; i < Pixels; ++i) out[i] = corner[i] + tap_offset;
      return;
    }
#pragma GCC unroll 8
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

// Calls compute(tile, channel_offset, block, first_channel, channels) for every tile of the
// slice's output rows, block by block over its channels: `block` is the packed block (blocks lie
// one after another, group by group, from `blocks`; block_bytes(channels_left) is the size of the
// block that starts with that many of its group's channels left), `first_channel` its first
// output channel, `channels` how many of its block_channels are real. A dense convolution may be
// given a range of channels in whole blocks; a grouped one always gets all.
template <int Pixels, typename BlockBytes, typename Compute>
void igemm_for_each_tile(const Conv2dGeometry& g, const uint8_t* blocks, size_t block_channels,
                         BlockBytes block_bytes, const int8_t* input, int8_t* output,
                         const Conv2dSlice& slice, Compute compute) {
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  const size_t image_bytes = static_cast<size_t>(g.input_height) * g.input_width * g.input_channels;
  const size_t pixel_begin = slice.row_begin * g.output_width;
  const size_t pixel_end = slice.row_end * g.output_width;
  const size_t channel_begin = g.groups == 1 ? slice.channel_begin : 0;
  const size_t channel_end = g.groups == 1 ? slice.channel_end : cout;
  // Every block before channel_begin is a full one.
  const uint8_t* block = blocks + channel_begin / block_channels * block_bytes(block_channels);
  for (int group = 0; group < g.groups; ++group) {
    const size_t channel_offset = static_cast<size_t>(group) * g.input_channels_per_group();
    for (size_t c = channel_begin; c < channel_end; c += block_channels) {
      const int channels =
          static_cast<int>(channel_end - c < block_channels ? channel_end - c : block_channels);
      const size_t first_channel = group * cout + c;
      // The first pixel's place; later ones step through it without dividing.
      size_t image = slice.row_begin / g.output_height;
      int oy = static_cast<int>(slice.row_begin % g.output_height);
      int ox = 0;
      for (size_t first = pixel_begin; first < pixel_end; first += Pixels) {
        PixelTile<Pixels> tile;
        tile.count = static_cast<int>(pixel_end - first < Pixels ? pixel_end - first : Pixels);
        for (int i = 0; i < Pixels; ++i) {
          if (i >= tile.count) {
            // A short tile repeats its last pixel (reading where it reads, never past the
            // batch); those results are computed and dropped.
            tile.image[i] = tile.image[tile.count - 1];
            tile.oy[i] = tile.oy[tile.count - 1];
            tile.ox[i] = tile.ox[tile.count - 1];
            tile.output[i] = tile.output[tile.count - 1];
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
        compute(tile, channel_offset, block, first_channel, channels);
      }
      block += block_bytes(cout - c);
    }
  }
}

}  // namespace
}  // namespace qrun::kernels
