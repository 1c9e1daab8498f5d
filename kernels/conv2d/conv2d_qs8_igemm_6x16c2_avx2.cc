// Int8 Conv2D on x86 AVX2 as an implicit GEMM: tiles of 6 output pixels x 16 output channels
// (12 ymm accumulators), the reduction over each pixel's whole window two values at a time.
//
// AVX2 has no exact 8-bit multiply-add (vpmaddubsw saturates its 16-bit pair sums on full-range
// weights), so both sides are int16 and vpmaddwd multiplies them, its pair sums exact in int32.
// The weights are widened at load time, [pair][16 channels][2]. The activations are widened per
// tile: each pixel's window, (ky, kx, channel) in the order of the OHWI weights, is copied once
// into an int16 buffer on the stack, the zero point standing in for taps in the padding. Every
// reduction step is then two weight loads, and for each pixel one 32-bit broadcast of its next
// pair from the buffer (common/madd_6x16c2_avx2.h): no conversion, no horizontal sums at the end,
// the results in channel order. (Widening eight bytes in the loop instead, as a 3x8c8 tile does,
// left the vpmaddwd pipes a third idle on Zen 3.)
//
// The input's zero point is folded into the bias at load time:
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w,
// so padded taps contribute exactly zero, as in the reference. The int32 sums are exact modulo
// 2^32 (the correction may wrap and unwrap) and the loader bounds the true sum, so they are the
// reference's; requantization is the reference's too (common/requantize_avx2.h).
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "common/madd_6x16c2_avx2.h"
#include "common/requantize_avx2.h"
#include "conv2d/conv2d.h"

namespace qrun::kernels {
namespace {

constexpr int kTilePixels = kMadd6x16c2Rows;
constexpr int kBlockChannels = 16;
// A pixel's window is widened in chunks of at most this many pairs (a 3x3 window of 512
// channels): six pixels' chunks, 55 KB, are read once per block in order, which L2 serves.
constexpr size_t kChunkPairs = 2304;
// Each pixel's buffer has room for a chunk and for the 16 values a widening step may write past
// its end.
constexpr size_t kBufferStride = 2 * kChunkPairs + 16;
// Blocks of a dense convolution that together take at most this much stay in L2 while a tile
// goes through each of them in turn, so that its windows are widened once per pass of blocks
// rather than once per block.
constexpr size_t kPassMaxWeightBytes = 256 * 1024;

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Where each part of the packed buffer is, all of it derived from the geometry.
struct PackedLayout {
  size_t window;  // values in a window: kernel_height x kernel_width x input channels per group
  size_t pairs;   // the window rounded up to whole pairs
  size_t blocks_per_group;
  size_t block_bytes;  // bias (16 int32), then [pair][16 channels][2] int16

  explicit PackedLayout(const Conv2dGeometry& g)
      : window(static_cast<size_t>(g.kernel_height) * g.kernel_width *
               g.input_channels_per_group()),
        pairs((window + 1) / 2),
        blocks_per_group(
            round_up(static_cast<size_t>(g.output_channels_per_group()), kBlockChannels) /
            kBlockChannels),
        block_bytes(kBlockChannels * 4 + pairs * kBlockChannels * 4) {}
  size_t total(const Conv2dGeometry& g) const {
    return static_cast<size_t>(g.groups) * blocks_per_group * block_bytes;
  }
};

// The output pixels of one tile: for each, its image and its position.
struct PixelTile {
  const int8_t* image[kTilePixels];
  int oy[kTilePixels];
  int ox[kTilePixels];
  size_t at[kTilePixels];  // where the pixel's channels start in the output (and residual)
};

// `count` int8 values at `from` as int16 at `to`, 16 at a time: up to 15 values past the end are
// read (the input's slack) and written (the buffer's, or the next run's place, written after).
void widen_run(int16_t* to, const int8_t* from, size_t count) {
  for (size_t i = 0; i < count; i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + i), _mm256_cvtepi8_epi16(bytes));
  }
}

void fill_run(int16_t* to, __m256i value, size_t count) {
  for (size_t i = 0; i < count; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + i), value);
  }
}

// Values [first, end) of the window of one output pixel, widened into `to`. Taps in the padding
// read as the zero point. A window row whose taps sit side by side in the input (a dense
// convolution without horizontal dilation) is one run; otherwise each tap is.
void widen_window(const Conv2dGeometry& g, const int8_t* image, int oy, int ox,
                  size_t channel_offset, size_t first, size_t end, __m256i zero_point,
                  int16_t* to) {
  const size_t cin = static_cast<size_t>(g.input_channels_per_group());
  const bool rows_contiguous = g.groups == 1 && g.dilation_width == 1;
  const size_t run_taps = rows_contiguous ? static_cast<size_t>(g.kernel_width) : 1;
  const size_t run_values = run_taps * cin;
  const int y0 = oy * g.stride_height - g.pad_top;
  const int x0 = ox * g.stride_width - g.pad_left;
  if (rows_contiguous && first == 0 && end == static_cast<size_t>(g.kernel_height) * run_values &&
      y0 >= 0 && y0 + (g.kernel_height - 1) * g.dilation_height < g.input_height && x0 >= 0 &&
      x0 + g.kernel_width <= g.input_width) {
    // The whole window, clear of the padding: one run per row, most windows of an image.
    const ptrdiff_t row_stride =
        static_cast<ptrdiff_t>(g.dilation_height) * g.input_width * g.input_channels;
    const int8_t* row = image +
                        (static_cast<ptrdiff_t>(y0) * g.input_width + x0) * g.input_channels +
                        static_cast<ptrdiff_t>(channel_offset);
    for (int ky = 0; ky < g.kernel_height; ++ky, row += row_stride, to += run_values) {
      widen_run(to, row, run_values);
    }
    return;
  }
  // The run that holds `first` and its first tap; later runs step on without dividing.
  const size_t first_run = first == 0 ? 0 : first / run_values;
  int ky = static_cast<int>(rows_contiguous ? first_run : first_run / g.kernel_width);
  int kx = static_cast<int>(rows_contiguous ? 0 : first_run % g.kernel_width);
  for (size_t run_first = first_run * run_values; run_first < end; run_first += run_values) {
    const int run_ky = ky;
    const int run_kx = kx;
    if (rows_contiguous || ++kx == g.kernel_width) {
      kx = 0;
      ++ky;
    }
    const int iy = y0 + run_ky * g.dilation_height;
    // The part of the run that lies in [first, end), as offsets into the run.
    const size_t begin = std::max(first, run_first) - run_first;
    const size_t stop = std::min(end, run_first + run_values) - run_first;
    int16_t* out = to + (run_first + begin - first);
    if (iy < 0 || iy >= g.input_height) {
      fill_run(out, zero_point, stop - begin);
      continue;
    }
    // The run's taps inside the image: [inside_begin, inside_end) of its values.
    const int ix = x0 + run_kx * g.dilation_width;
    const int taps_before = std::clamp(-ix, 0, static_cast<int>(run_taps));
    const int taps_inside_end = std::clamp(g.input_width - ix, 0, static_cast<int>(run_taps));
    const size_t inside_begin = std::max(begin, static_cast<size_t>(taps_before) * cin);
    const size_t inside_end = std::min(stop, static_cast<size_t>(taps_inside_end) * cin);
    if (inside_begin >= inside_end) {
      fill_run(out, zero_point, stop - begin);
      continue;
    }
    // In order, so that each step's overshoot is overwritten by the next part.
    fill_run(out, zero_point, inside_begin - begin);
    const int8_t* row = image +
                        (static_cast<ptrdiff_t>(iy) * g.input_width + ix) *
                            static_cast<ptrdiff_t>(g.input_channels) +
                        static_cast<ptrdiff_t>(channel_offset);
    widen_run(to + (run_first + inside_begin - first), row + inside_begin,
              inside_end - inside_begin);
    fill_run(to + (run_first + inside_end - first), zero_point, stop - inside_end);
  }
}

template <int Pixels>
[[gnu::always_inline]] inline void start(__m256i (&acc)[Pixels][2], const uint8_t* block) {
  const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(block));
  const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(block) + 1);
#pragma GCC unroll 6
  for (int i = 0; i < Pixels; ++i) {
    acc[i][0] = b0;
    acc[i][1] = b1;
  }
}

// The requantization of a tile's sums, and with a fused Add (Conv2dQs8Params::residual) Add's
// own steps after it, in registers, as the AVX2 Add kernel takes them: only the sum is stored.
struct Epilogue {
  Epilogue(const Conv2dQs8Params& p, int8_t* output)
      : conv(p.output),
        add_output(p.residual != nullptr ? p.residual->add.output : p.output),
        output(output),
        residual(p.residual != nullptr ? p.residual->data : nullptr) {
    if (p.residual != nullptr) {
      const AddQs8Params& add = p.residual->add;
      a_offset = _mm256_set1_epi32(p.output.zero_point - add.a_zero_point);
      b_zero_point = _mm256_set1_epi32(add.b_zero_point);
      a_multiplier = _mm256_set1_ps(add.a_multiplier);
      b_multiplier = _mm256_set1_ps(add.b_multiplier);
    }
  }

  // Add's result for eight lanes of the convolution's rounded values and the residual's bytes at
  // `r` (the first `lanes` of them), rounded_capped() to Add's output.
  __m256i added(__m256i rounded, const int8_t* r, int lanes) const {
    alignas(8) int8_t staged[8] = {};
    if (lanes < 8) {
      std::memcpy(staged, r, static_cast<size_t>(std::max(lanes, 0)));
      r = staged;
    }
    const __m256i b = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(r)));
    const __m256 scaled_a =
        _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(rounded, a_offset)), a_multiplier);
    const __m256 scaled_b =
        _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(b, b_zero_point)), b_multiplier);
    return add_output.rounded_capped(_mm256_add_ps(scaled_a, scaled_b));
  }

  // One pixel's 16 sums as int16 words in vpackssdw's order (Avx2Requantization::words): the
  // convolution's requantization, or with a fused Add, Add's of the convolution's int8 result and
  // the residual.
  [[gnu::always_inline]] inline __m256i requantized(const __m256i (&acc)[2], const PixelTile& tile,
                                                    int i, size_t channel, __m256 m0, __m256 m1,
                                                    int channels) const {
    const __m256 scaled0 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[0]), m0);
    const __m256 scaled1 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[1]), m1);
    if (residual == nullptr) {
      return conv.words(conv.rounded_capped(scaled0), conv.rounded_capped(scaled1));
    }
    const int8_t* r = residual + tile.at[i] + channel;
    return add_output.words(added(conv.rounded(scaled0), r, channels),
                            added(conv.rounded(scaled1), r + 8, channels - 8));
  }

  // Requantizes each real pixel's 16 sums and stores the first `channels` of them.
  template <int Pixels>
  [[gnu::always_inline]] inline void operator()(const __m256i (&acc)[Pixels][2],
                                                const PixelTile& tile, int pixels, size_t channel,
                                                const float* multipliers, int channels) const {
    const __m256 m0 = avx2_load_multipliers(multipliers, channels);
    const __m256 m1 = avx2_load_multipliers(multipliers + 8, channels - 8);
    // Unrolled, with constant indices: a loop to `pixels` would index the accumulators at run
    // time and so keep them in memory.
#pragma GCC unroll 6
    for (int i = 0; i < Pixels; ++i) {
      if (i >= pixels) break;
      const __m128i bytes =
          avx2_ordered_bytes(requantized(acc[i], tile, i, channel, m0, m1, channels));
      avx2_store_bytes(output + tile.at[i] + channel, bytes, channels);
    }
  }

  Avx2Requantization conv;
  // The stored values' requantization: Add's with a fused Add, else the convolution's own.
  Avx2Requantization add_output;
  int8_t* output;
  const int8_t* residual;
  __m256i a_offset = _mm256_setzero_si256(), b_zero_point = _mm256_setzero_si256();
  __m256 a_multiplier = _mm256_setzero_ps(), b_multiplier = _mm256_setzero_ps();
};

// Steps through the output pixels of a slice in tiles, knowing each one's image and position
// without dividing. A short tile repeats its last pixel (reading where it reads, never past the
// batch); those results are computed and dropped.
class PixelWalk {
 public:
  PixelWalk(const Conv2dGeometry& g, const int8_t* input, size_t first_row)
      : g_(g),
        input_(input),
        image_bytes_(static_cast<size_t>(g.input_height) * g.input_width * g.input_channels),
        image_(first_row / g.output_height),
        oy_(static_cast<int>(first_row % g.output_height)) {}

  PixelTile next(size_t first, int pixels) {
    PixelTile tile;
    for (int i = 0; i < kTilePixels; ++i) {
      if (i >= pixels) {
        tile.image[i] = tile.image[pixels - 1];
        tile.oy[i] = tile.oy[pixels - 1];
        tile.ox[i] = tile.ox[pixels - 1];
        tile.at[i] = tile.at[pixels - 1];
        continue;
      }
      tile.image[i] = input_ + image_ * image_bytes_;
      tile.oy[i] = oy_;
      tile.ox[i] = ox_;
      tile.at[i] = (first + i) * g_.output_channels;
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
  const int8_t* input_;
  size_t image_bytes_;
  size_t image_;
  int oy_;
  int ox_ = 0;
};

}  // namespace

size_t conv2d_qs8_igemm_6x16c2_avx2_packed_size(const Conv2dGeometry& g) {
  return PackedLayout(g).total(g);
}

void conv2d_qs8_igemm_6x16c2_avx2_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                       const Conv2dQs8Weights& w, void* packed) {
  const PackedLayout layout(g);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, layout.total(g));
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  for (int group = 0; group < g.groups; ++group) {
    for (size_t first = 0; first < cout; first += kBlockChannels, bytes += layout.block_bytes) {
      auto* bias = reinterpret_cast<int32_t*>(bytes);
      auto* weights = reinterpret_cast<int16_t*>(bytes + kBlockChannels * 4);
      for (size_t lane = 0; lane < kBlockChannels && first + lane < cout; ++lane) {
        const size_t oc = group * cout + first + lane;
        const int8_t* ohwi = w.ohwi + oc * layout.window;
        // Unsigned: the corrected bias may wrap, exactly as the kernel's int32 sums do.
        uint32_t column_sum = 0;
        for (size_t k = 0; k < layout.window; ++k) {
          column_sum += static_cast<uint32_t>(static_cast<int32_t>(ohwi[k]));
          // [pair][lane][k % 2]
          weights[(k / 2 * kBlockChannels + lane) * 2 + k % 2] = ohwi[k];
        }
        bias[lane] = static_cast<int32_t>(static_cast<uint32_t>(w.bias[oc]) -
                                          static_cast<uint32_t>(p.input_zero_point) * column_sum);
      }
    }
  }
}

void conv2d_qs8_igemm_6x16c2_avx2(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                  const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                  const Conv2dSlice& slice) {
  const PackedLayout layout(g);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const Epilogue finish(p, output);
  const __m256i zero_point = _mm256_set1_epi16(static_cast<int16_t>(p.input_zero_point));
  const size_t cout = static_cast<size_t>(g.output_channels_per_group());
  const size_t pixel_begin = slice.row_begin * g.output_width;
  const size_t pixel_end = slice.row_end * g.output_width;
  // A dense convolution may be given a range of channels (whole blocks); grouped ones get all.
  const size_t channel_begin = g.groups == 1 ? slice.channel_begin : 0;
  const size_t channel_end = g.groups == 1 ? slice.channel_end : cout;
  auto tile_pixels = [&](size_t first) {
    return static_cast<int>(std::min<size_t>(pixel_end - first, kTilePixels));
  };
  auto block_channels = [&](size_t c) {
    return static_cast<int>(std::min<size_t>(channel_end - c, kBlockChannels));
  };
  alignas(32) int16_t buffers[kTilePixels * kBufferStride];
  // The tile's windows, values [first, first + 2 * pairs), one buffer per pixel.
  // A 1x1 window that never touches the padding is one run of the pixel's input channels.
  const bool pointwise = g.kernel_height == 1 && g.kernel_width == 1 && g.pad_top == 0 &&
                         g.pad_left == 0 &&
                         (g.output_height - 1) * g.stride_height < g.input_height &&
                         (g.output_width - 1) * g.stride_width < g.input_width;
  auto widen_tile = [&](const PixelTile& tile, size_t channel_offset, size_t first, size_t pairs) {
    const size_t end = std::min(first + 2 * pairs, layout.window);
    for (int i = 0; i < kTilePixels; ++i) {
      int16_t* to = buffers + i * kBufferStride;
      // An odd window's last pair ends on a value whose weight is 0; it is still read.
      to[2 * pairs - 1] = 0;
      if (pointwise) {
        const ptrdiff_t pixel =
            static_cast<ptrdiff_t>(tile.oy[i]) * g.stride_height * g.input_width +
            static_cast<ptrdiff_t>(tile.ox[i]) * g.stride_width;
        widen_run(to, tile.image[i] + pixel * g.input_channels + channel_offset + first,
                  end - first);
      } else {
        widen_window(g, tile.image[i], tile.oy[i], tile.ox[i], channel_offset, first, end,
                     zero_point, to);
      }
    }
  };

  // One block of one tile: from the bias through the window's pairs, `widen(pair, pairs)` filling
  // the buffers before each chunk of `chunk_pairs`, to the stored bytes. `c` is the block's first
  // channel within its group, `channel` within the output. A tile with at most half its pixels
  // real runs as a half tile: a range's last tile (a 7x7 image's 49th pixel, a 128-row GEMM's
  // last 2) would otherwise compute six rows to keep one or two.
  auto compute_block = [&](const PixelTile& tile, int pixels, const uint8_t* block, size_t c,
                           size_t channel, size_t chunk_pairs, auto&& widen) {
    auto run = [&](auto rows) {
      constexpr int kPixels = decltype(rows)::value;
      __m256i acc[kPixels][2];
      start<kPixels>(acc, block);
      const auto* weights = reinterpret_cast<const __m256i*>(block + kBlockChannels * 4);
      for (size_t pair = 0; pair < layout.pairs; pair += chunk_pairs) {
        const size_t pairs = std::min(chunk_pairs, layout.pairs - pair);
        widen(pair, pairs);
        madd_6x16c2_avx2<kPixels, kBufferStride>(acc, buffers, pairs, weights + 2 * pair);
      }
      finish(acc, tile, pixels, channel, p.multipliers + channel, block_channels(c));
    };
    if (pixels * 2 > kTilePixels) {
      run(std::integral_constant<int, kTilePixels>{});
    } else {
      run(std::integral_constant<int, kTilePixels / 2>{});
    }
  };

  if (g.groups == 1 && layout.pairs <= kChunkPairs) {
    // Passes of blocks, each tile's windows widened once per pass and taken through its blocks.
    const size_t pass_channels =
        std::max<size_t>(1, kPassMaxWeightBytes / layout.block_bytes) * kBlockChannels;
    for (size_t pass = channel_begin; pass < channel_end; pass += pass_channels) {
      const size_t pass_end = std::min(channel_end, pass + pass_channels);
      const uint8_t* pass_block = packed + pass / kBlockChannels * layout.block_bytes;
      PixelWalk walk(g, input, slice.row_begin);
      for (size_t first = pixel_begin; first < pixel_end; first += kTilePixels) {
        const int pixels = tile_pixels(first);
        const PixelTile tile = walk.next(first, pixels);
        widen_tile(tile, 0, 0, layout.pairs);
        const uint8_t* block = pass_block;
        for (size_t c = pass; c < pass_end; c += kBlockChannels, block += layout.block_bytes) {
          compute_block(tile, pixels, block, c, c, layout.pairs, [](size_t, size_t) {});
        }
      }
    }
    return;
  }
  // Blocks of weights outside, pixel tiles inside: a block (16 channels x the whole reduction)
  // stays in cache while every pixel of the range streams past it, each tile's windows widened
  // chunk by chunk.
  const uint8_t* block = packed + channel_begin / kBlockChannels * layout.block_bytes;
  for (int group = 0; group < g.groups; ++group) {
    const size_t channel_offset = static_cast<size_t>(group) * g.input_channels_per_group();
    for (size_t c = channel_begin; c < channel_end; c += kBlockChannels) {
      PixelWalk walk(g, input, slice.row_begin);
      for (size_t first = pixel_begin; first < pixel_end; first += kTilePixels) {
        const int pixels = tile_pixels(first);
        const PixelTile tile = walk.next(first, pixels);
        compute_block(
            tile, pixels, block, c, group * cout + c, kChunkPairs,
            [&](size_t pair, size_t pairs) { widen_tile(tile, channel_offset, 2 * pair, pairs); });
      }
      block += layout.block_bytes;
    }
  }
}

}  // namespace qrun::kernels
