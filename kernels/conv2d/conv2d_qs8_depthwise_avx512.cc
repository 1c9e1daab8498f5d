// Int8 depthwise Conv2D (one output channel per input channel) on x86 AVX-512: for each output
// pixel, 64 channels at a time in four vectors of 16 int32 lanes, each tap a sign-extending load,
// a 32-bit multiply and an add. The input's zero point is folded into the bias at load time,
// which needs padded taps to read the zero point itself:
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w,  with padding reading x = zx.
// Requantization is the reference's, step by step.
#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "common/overread.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_depthwise_int32_packing.h"
#include "conv2d/conv2d_depthwise_walk.h"

namespace qrun::kernels {
namespace {

constexpr int kLanes = 16;

using DepthwiseLayout = DepthwiseInt32Layout<kLanes>;

__mmask16 lanes_left(int left) {
  return left >= kLanes ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1);
}

// One output pixel, `Vectors` x 16 channels from channel `c`.
template <int Vectors>
void compute_channels(const int8_t* const* taps, int tap_count, const int32_t* bias,
                      const int32_t* weights, size_t weight_stride, const Conv2dQs8Params& p, int c,
                      int channels, int8_t* out) {
  __m512i acc[Vectors];
#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) acc[v] = _mm512_load_si512(bias + c + kLanes * v);
  for (int tap = 0; tap < tap_count; ++tap) {
    const int8_t* x = taps[tap] + c;
    const int32_t* k = weights + static_cast<size_t>(tap) * weight_stride + c;
#pragma GCC unroll 4
    for (int v = 0; v < Vectors; ++v) {
      // Lanes past the last channel read slack or a neighbour and meet zero weights.
      const __m512i xv =
          _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + kLanes * v)));
      acc[v] = _mm512_add_epi32(acc[v], _mm512_mullo_epi32(xv, _mm512_load_si512(k + kLanes * v)));
    }
  }
  const __m512 low = _mm512_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m512 high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m512i zero_point = _mm512_set1_epi32(p.output.zero_point);
#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) {
    const __mmask16 mask = lanes_left(channels - c - kLanes * v);
    const __m512 m = _mm512_maskz_loadu_ps(mask, p.multipliers + c + kLanes * v);
    __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[v]), m);
    scaled = _mm512_min_ps(_mm512_max_ps(scaled, low), high);
    const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(scaled), zero_point);
    _mm_mask_storeu_epi8(out + c + kLanes * v, mask, _mm512_cvtsepi32_epi8(q));
  }
}

}  // namespace

size_t conv2d_qs8_depthwise_avx512_packed_size(const Conv2dGeometry& g) {
  return DepthwiseLayout(g).total();
}

void conv2d_qs8_depthwise_avx512_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                      const Conv2dQs8Weights& w, void* packed) {
  pack_depthwise_int32<kLanes>(g, p, w, packed);
}

void conv2d_qs8_depthwise_avx512(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                 const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                                 const Conv2dSlice& slice) {
  const DepthwiseLayout layout(g);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const int32_t* bias = reinterpret_cast<const int32_t*>(packed + layout.zero_row_bytes);
  const int32_t* weights = bias + layout.channels_padded;
  const int tap_count = static_cast<int>(layout.taps);
  // Only this call's channels; the end also bounds the last vector's valid lanes.
  const int channel_begin = static_cast<int>(slice.channel_begin);
  const int channel_end = static_cast<int>(slice.channel_end);
  depthwise_for_each_pixel(
      g, input, output, slice, zero_row, tap_count, [&](const int8_t* const* taps, int8_t* out) {
        int c = channel_begin;
        for (; channel_end - c > 3 * kLanes; c += 4 * kLanes) {
          compute_channels<4>(taps, tap_count, bias, weights, layout.channels_padded, p, c,
                              channel_end, out);
        }
        switch ((channel_end - c + kLanes - 1) / kLanes) {
          case 3:
            compute_channels<3>(taps, tap_count, bias, weights, layout.channels_padded, p, c,
                                channel_end, out);
            break;
          case 2:
            compute_channels<2>(taps, tap_count, bias, weights, layout.channels_padded, p, c,
                                channel_end, out);
            break;
          case 1:
            compute_channels<1>(taps, tap_count, bias, weights, layout.channels_padded, p, c,
                                channel_end, out);
            break;
          default: break;
        }
      });
}

}  // namespace qrun::kernels
