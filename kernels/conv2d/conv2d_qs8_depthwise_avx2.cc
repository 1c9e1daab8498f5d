// Int8 depthwise Conv2D (one output channel per input channel) on x86 AVX2: for each output pixel,
// 32 channels at a time in four vectors of 8 int32 lanes, each tap a sign-extending load, a 32-bit
// multiply (exact: no 8-bit product can saturate there) and an add. The input's zero point is
// folded into the bias at load time, which needs padded taps to read the zero point itself:
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w,  with padding reading x = zx.
// Requantization is the reference's, step by step (common/requantize_avx2.h).
#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "common/overread.h"
#include "common/requantize_avx2.h"
#include "conv2d/conv2d.h"
#include "conv2d/conv2d_depthwise_int32_packing.h"
#include "conv2d/conv2d_depthwise_walk.h"

namespace qrun::kernels {
namespace {

constexpr int kLanes = 8;

using DepthwiseLayout = DepthwiseInt32Layout<kLanes>;

// One output pixel, `Vectors` x 8 channels from channel `c`.
template <int Vectors>
void compute_channels(const int8_t* const* taps, int tap_count, const int32_t* bias,
                      const int32_t* weights, size_t weight_stride, const Conv2dQs8Params& p,
                      const Avx2Requantization& requantize, int c, int channels, int8_t* out) {
  __m256i acc[Vectors];
#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) {
    acc[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + c + kLanes * v));
  }
  for (int tap = 0; tap < tap_count; ++tap) {
    const int8_t* x = taps[tap] + c;
    const int32_t* k = weights + static_cast<size_t>(tap) * weight_stride + c;
#pragma GCC unroll 4
    for (int v = 0; v < Vectors; ++v) {
      // Lanes past the last channel read slack or a neighbour and meet zero weights.
      const __m256i xv =
          _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + kLanes * v)));
      const __m256i kv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + kLanes * v));
      acc[v] = _mm256_add_epi32(acc[v], _mm256_mullo_epi32(xv, kv));
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < Vectors; ++v) {
    const int left = channels - c - kLanes * v;
    const __m256 m = avx2_load_multipliers(p.multipliers + c + kLanes * v, left);
    avx2_store_bytes(out + c + kLanes * v, avx2_narrow(requantize(acc[v], m)),
                     left < kLanes ? left : kLanes);
  }
}

}  // namespace

size_t conv2d_qs8_depthwise_avx2_packed_size(const Conv2dGeometry& g) {
  return DepthwiseLayout(g).total();
}

void conv2d_qs8_depthwise_avx2_pack(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                                    const Conv2dQs8Weights& w, void* packed) {
  pack_depthwise_int32<kLanes>(g, p, w, packed);
}

void conv2d_qs8_depthwise_avx2(const Conv2dGeometry& g, const Conv2dQs8Params& p,
                               const Conv2dQs8Weights& w, const int8_t* input, int8_t* output,
                               const Conv2dSlice& slice) {
  const DepthwiseLayout layout(g);
  const auto* packed = static_cast<const uint8_t*>(w.packed);
  const int8_t* zero_row = reinterpret_cast<const int8_t*>(packed);
  const int32_t* bias = reinterpret_cast<const int32_t*>(packed + layout.zero_row_bytes);
  const int32_t* weights = bias + layout.channels_padded;
  const Avx2Requantization requantize(p.output);
  const int tap_count = static_cast<int>(layout.taps);
  // Only this call's channels; the end also bounds the last vector's valid lanes.
  const int channel_begin = static_cast<int>(slice.channel_begin);
  const int channel_end = static_cast<int>(slice.channel_end);
  depthwise_for_each_pixel(
      g, input, output, slice, zero_row, tap_count, [&](const int8_t* const* taps, int8_t* out) {
        int c = channel_begin;
        for (; channel_end - c > 3 * kLanes; c += 4 * kLanes) {
          compute_channels<4>(taps, tap_count, bias, weights, layout.channels_padded, p, requantize,
                              c, channel_end, out);
        }
        switch ((channel_end - c + kLanes - 1) / kLanes) {
          case 3:
            compute_channels<3>(taps, tap_count, bias, weights, layout.channels_padded, p,
                                requantize, c, channel_end, out);
            break;
          case 2:
            compute_channels<2>(taps, tap_count, bias, weights, layout.channels_padded, p,
                                requantize, c, channel_end, out);
            break;
          case 1:
            compute_channels<1>(taps, tap_count, bias, weights, layout.channels_padded, p,
                                requantize, c, channel_end, out);
            break;
          default: break;
        }
      });
}

}  // namespace qrun::kernels
