// Int8 FullyConnected on x86 AVX512-VNNI: for each batch row, 64 output channels at a time in four
// vectors of 16, the reduction four input values per vpdpbusd. As in the Conv2D GEMM, the input
// is made unsigned by flipping its sign bit and the packed bias absorbs the difference:
//   sum (x - zx) * w  =  sum (x + 128) * w  -  (128 + zx) * sum w.
// Weights are zero-padded to a multiple of four inputs and 16 outputs. A call's channel range
// must start on a multiple of 16 (the runtime tiles FC work in such steps).
#include <immintrin.h>

#include <cstring>

#include "fully_connected/fully_connected.h"
#include "fully_connected/fully_connected_c4_packing.h"

namespace qrun::kernels {
namespace {

constexpr int kLanes = 16;

using FullyConnectedLayout = FullyConnectedC4Layout<kLanes>;

}  // namespace

size_t fully_connected_qs8_avx512vnni_packed_size(const FullyConnectedGeometry& g) {
  return FullyConnectedLayout(g).total();
}

void fully_connected_qs8_avx512vnni_pack(const FullyConnectedGeometry& g,
                                         const FullyConnectedQs8Params& p,
                                         const FullyConnectedQs8Weights& w, void* packed) {
  pack_fully_connected_c4<kLanes>(g, w, static_cast<uint32_t>(128 + p.input_zero_point), packed);
}

void fully_connected_qs8_avx512vnni(const FullyConnectedGeometry& g,
                                    const FullyConnectedQs8Params& p,
                                    const FullyConnectedQs8Weights& w, const int8_t* input,
                                    int8_t* output, size_t channel_begin, size_t channel_end) {
  const FullyConnectedLayout layout(g);
  const auto* bias = static_cast<const int32_t*>(w.packed);
  const auto* weights = reinterpret_cast<const uint8_t*>(bias + layout.channels_padded);
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512 low = _mm512_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m512 high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m512i zero_point = _mm512_set1_epi32(p.output.zero_point);
  const size_t quads = layout.inputs_padded / 4;
  for (int n = 0; n < g.batch; ++n) {
    const int8_t* x = input + static_cast<size_t>(n) * g.input_channels;
    int8_t* out = output + static_cast<size_t>(n) * g.output_channels;
    for (size_t c = channel_begin; c < channel_end; c += 4 * kLanes) {
      const int vectors = static_cast<int>((channel_end - c + kLanes - 1) / kLanes < 4
                                               ? (channel_end - c + kLanes - 1) / kLanes
                                               : 4);
      const uint8_t* block = weights + c / kLanes * layout.block_bytes();
      __m512i acc[4];
      for (int v = 0; v < 4; ++v) acc[v] = _mm512_setzero_si512();
      for (size_t q = 0; q < quads; ++q) {
        int32_t quad;
        // The last quad may read up to three bytes past the row: they meet zero weights.
        std::memcpy(&quad, x + 4 * q, 4);
        const __m512i xv = _mm512_xor_si512(_mm512_set1_epi32(quad), sign_flip);
        for (int v = 0; v < vectors; ++v) {
          const __m512i wv = _mm512_load_si512(block + v * layout.block_bytes() + q * 64);
          acc[v] = _mm512_dpbusd_epi32(acc[v], xv, wv);
        }
      }
      for (int v = 0; v < vectors; ++v) {
        const size_t first = c + kLanes * v;
        const size_t left = channel_end - first;
        const __mmask16 mask = left >= kLanes ? static_cast<__mmask16>(0xffff)
                                              : static_cast<__mmask16>((1u << left) - 1);
        const __m512i sum = _mm512_add_epi32(acc[v], _mm512_load_si512(bias + first));
        const __m512 m = _mm512_maskz_loadu_ps(mask, p.multipliers + first);
        __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(sum), m);
        scaled = _mm512_min_ps(_mm512_max_ps(scaled, low), high);
        const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(scaled), zero_point);
        _mm_mask_storeu_epi8(out + first, mask, _mm512_cvtsepi32_epi8(q));
      }
    }
  }
}

}  // namespace qrun::kernels
