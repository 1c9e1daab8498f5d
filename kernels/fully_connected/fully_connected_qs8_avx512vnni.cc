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

namespace {

// The sums of `Vectors` x 16 output channels over the whole reduction, in registers (a runtime
// vector count would leave them on the stack, one store-to-load round trip per vpdpbusd). Even and
// odd quads go to separate sums, so that two chains of vpdpbusd latency overlap: one row has no
// other independent work.
template <int Vectors>
void sum_block(const uint8_t* block, size_t block_bytes, const int8_t* x, size_t quads,
               __m512i (&sums)[4]) {
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i even[Vectors], odd[Vectors];
  for (int v = 0; v < Vectors; ++v) even[v] = odd[v] = _mm512_setzero_si512();
  const auto quad_at = [&](size_t q) {
    int32_t quad;
    // The last quad may read up to three bytes past the row: they meet zero weights.
    std::memcpy(&quad, x + 4 * q, 4);
    return _mm512_xor_si512(_mm512_set1_epi32(quad), sign_flip);
  };
  size_t q = 0;
  for (; q + 2 <= quads; q += 2) {
    const __m512i x0 = quad_at(q), x1 = quad_at(q + 1);
    for (int v = 0; v < Vectors; ++v) {
      const uint8_t* w = block + v * block_bytes + q * 64;
      even[v] = _mm512_dpbusd_epi32(even[v], x0, _mm512_load_si512(w));
      odd[v] = _mm512_dpbusd_epi32(odd[v], x1, _mm512_load_si512(w + 64));
    }
  }
  if (q < quads) {
    const __m512i x0 = quad_at(q);
    for (int v = 0; v < Vectors; ++v) {
      even[v] =
          _mm512_dpbusd_epi32(even[v], x0, _mm512_load_si512(block + v * block_bytes + q * 64));
    }
  }
  for (int v = 0; v < Vectors; ++v) sums[v] = _mm512_add_epi32(even[v], odd[v]);
}

}  // namespace

void fully_connected_qs8_avx512vnni(const FullyConnectedGeometry& g,
                                    const FullyConnectedQs8Params& p,
                                    const FullyConnectedQs8Weights& w, const int8_t* input,
                                    int8_t* output, size_t channel_begin, size_t channel_end) {
  const FullyConnectedLayout layout(g);
  const auto* bias = static_cast<const int32_t*>(w.packed);
  const auto* weights = reinterpret_cast<const uint8_t*>(bias + layout.channels_padded);
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
      switch (vectors) {
        case 1: sum_block<1>(block, layout.block_bytes(), x, quads, acc); break;
        case 2: sum_block<2>(block, layout.block_bytes(), x, quads, acc); break;
        case 3: sum_block<3>(block, layout.block_bytes(), x, quads, acc); break;
        default: sum_block<4>(block, layout.block_bytes(), x, quads, acc); break;
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
