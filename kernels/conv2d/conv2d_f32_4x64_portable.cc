// The float Conv2D for dense convolutions (one group), in plain C++ that compilers vectorize for
// any CPU: 4 output pixels x 64 output channels at a time, the weights packed at load time as
// [ky][kx][ic][oc] (oc padded to 64), so that the innermost loop is 64 independent multiply-adds
// over contiguous channels, each weight row read once for four pixels.
//
// Each output still sums exactly as the reference does: the bias, then the taps in row-major
// order (those in the padding skipped), each tap's input channels in order, a rounded multiply
// and a rounded add at each step (-ffp-contract=off). Vectorizing across output channels does not
// reorder any single sum, so the result is the reference's to the bit, on every CPU: calibration
// gets faster and stays the same.
#include <algorithm>
#include <cstring>

#include "conv2d/conv2d.h"

namespace qrun::kernels {
namespace {

constexpr int kPixels = 4;
constexpr int kChannels = 64;

size_t padded_channels(const Conv2dGeometry& g) {
  return (static_cast<size_t>(g.output_channels) + kChannels - 1) / kChannels * kChannels;
}

}  // namespace

size_t conv2d_f32_4x64_portable_packed_size(const Conv2dGeometry& g) {
  return static_cast<size_t>(g.kernel_height) * g.kernel_width * g.input_channels *
         padded_channels(g) * sizeof(float);
}

void conv2d_f32_4x64_portable_pack(const Conv2dGeometry& g, const F32Range&,
                                   const Conv2dF32Weights& w, void* packed) {
  const size_t taps = static_cast<size_t>(g.kernel_height) * g.kernel_width;
  const size_t cin = static_cast<size_t>(g.input_channels);
  const size_t stride = padded_channels(g);
  auto* out = static_cast<float*>(packed);
  std::memset(out, 0, conv2d_f32_4x64_portable_packed_size(g));
  for (size_t oc = 0; oc < static_cast<size_t>(g.output_channels); ++oc) {
    for (size_t k = 0; k < taps * cin; ++k) out[k * stride + oc] = w.ohwi[oc * taps * cin + k];
  }
}

void conv2d_f32_4x64_portable(const Conv2dGeometry& g, F32Range range, const Conv2dF32Weights& w,
                              const float* input, float* output, const Conv2dSlice& slice) {
  const auto* packed = static_cast<const float*>(w.packed);
  const size_t stride = padded_channels(g);
  const int cin = g.input_channels;
  for (size_t row = slice.row_begin; row < slice.row_end; ++row) {
    const int n = static_cast<int>(row / g.output_height);
    const int oy = static_cast<int>(row % g.output_height);
    const float* image = input + static_cast<size_t>(n) * g.input_height * g.input_width * cin;
    for (int ox0 = 0; ox0 < g.output_width; ox0 += kPixels) {
      const int pixels = std::min(kPixels, g.output_width - ox0);
      for (size_t c0 = slice.channel_begin; c0 < slice.channel_end; c0 += kChannels) {
        const int channels = static_cast<int>(std::min<size_t>(kChannels, slice.channel_end - c0));
        float acc[kPixels][kChannels] = {};
        for (int p = 0; p < kPixels; ++p) {
          for (int j = 0; j < channels; ++j) acc[p][j] = w.bias[c0 + j];
        }
        for (int ky = 0; ky < g.kernel_height; ++ky) {
          const int iy = oy * g.stride_height - g.pad_top + ky * g.dilation_height;
          if (iy < 0 || iy >= g.input_height) continue;
          for (int kx = 0; kx < g.kernel_width; ++kx) {
            const float* in[kPixels];
            bool inside[kPixels];
            for (int p = 0; p < kPixels; ++p) {
              const int ix = (ox0 + p) * g.stride_width - g.pad_left + kx * g.dilation_width;
              inside[p] = p < pixels && ix >= 0 && ix < g.input_width;
              in[p] =
                  image + (static_cast<size_t>(iy) * g.input_width + (inside[p] ? ix : 0)) * cin;
            }
            const float* weights =
                packed + (static_cast<size_t>(ky) * g.kernel_width + kx) * cin * stride + c0;
            for (int ic = 0; ic < cin; ++ic, weights += stride) {
              for (int p = 0; p < kPixels; ++p) {
                if (!inside[p]) continue;
                const float x = in[p][ic];
                for (int j = 0; j < kChannels; ++j) acc[p][j] += x * weights[j];
              }
            }
          }
        }
        for (int p = 0; p < pixels; ++p) {
          float* out = output + (row * g.output_width + ox0 + p) * g.output_channels + c0;
          for (int j = 0; j < channels; ++j) out[j] = clamp_f32(acc[p][j], range);
        }
      }
    }
  }
}

}  // namespace qrun::kernels
