// Int8 FullyConnected on x86 AVX-VNNI (the 256-bit, VEX-encoded vpdpbusd): for each batch row, up
// to 64 output channels at a time in eight vectors of 8, the reduction four input values per
// vpdpbusd. As in the Conv2D GEMM, the input is made unsigned by flipping its sign bit and the
// packed bias absorbs the difference:
//   sum (x - zx) * w  =  sum (x + 128) * w  -  (128 + zx) * sum w.
// Weights are zero-padded to a multiple of four inputs and 8 outputs, so the bytes read past a
// row meet zero weights. A call's channel range must start on a multiple of
// kFullyConnectedChannelStep (16), as the runtime's tiles do; blocks are 8 channels wide.
// Requantization is the reference's, step by step (common/requantize_avx2.h).
#include <immintrin.h>

#include <cstring>

#include "common/requantize_avx2.h"
#include "fully_connected/fully_connected.h"
#include "fully_connected/fully_connected_c4_packing.h"

namespace qrun::kernels {
namespace {

constexpr int kLanes = 8;
constexpr int kMaxVectors = 8;

using FullyConnectedLayout = FullyConnectedC4Layout<kLanes>;

// One batch row, `Vectors` x 8 channels from channel `c`.
template <int Vectors>
void compute_channels(const FullyConnectedLayout& layout, const int8_t* x, const int32_t* bias,
                      const uint8_t* blocks, const float* multipliers,
                      const Avx2Requantization& requantize, size_t c, size_t channel_end,
                      int8_t* out) {
  __m256i acc[Vectors];
#pragma GCC unroll 8
  for (int v = 0; v < Vectors; ++v) {
    acc[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(bias + c + kLanes * v));
  }
  const auto* w = reinterpret_cast<const __m256i*>(blocks + c / kLanes * layout.block_bytes());
  const size_t vector_stride = layout.block_bytes() / sizeof(__m256i);
  const __m256i sign_flip = _mm256_set1_epi8(static_cast<char>(0x80));
  for (size_t q = 0; q < layout.inputs_padded / 4; ++q, ++w) {
    int32_t quad;
    // The last quad may read up to three bytes past the row: they meet zero weights.
    std::memcpy(&quad, x + 4 * q, 4);
    const __m256i xv = _mm256_xor_si256(_mm256_set1_epi32(quad), sign_flip);
#pragma GCC unroll 8
    for (int v = 0; v < Vectors; ++v) {
      acc[v] = _mm256_dpbusd_avx_epi32(acc[v], xv, _mm256_load_si256(w + v * vector_stride));
    }
  }
#pragma GCC unroll 8
  for (int v = 0; v < Vectors; ++v) {
    const size_t first = c + kLanes * v;
    const int left = static_cast<int>(channel_end - first < kLanes ? channel_end - first : kLanes);
    const __m256 m = avx2_load_multipliers(multipliers + first, left);
    avx2_store_bytes(out + first, avx2_narrow(requantize(acc[v], m)), left);
  }
}

// compute_channels for each number of vectors a step can have, indexed by it.
constexpr decltype(&compute_channels<1>) kComputeChannels[kMaxVectors + 1] = {nullptr,
                                                                              compute_channels<1>,
                                                                              compute_channels<2>,
                                                                              compute_channels<3>,
                                                                              compute_channels<4>,
                                                                              compute_channels<5>,
                                                                              compute_channels<6>,
                                                                              compute_channels<7>,
                                                                              compute_channels<8>};

}  // namespace

size_t fully_connected_qs8_avxvnni_packed_size(const FullyConnectedGeometry& g) {
  return FullyConnectedLayout(g).total();
}

void fully_connected_qs8_avxvnni_pack(const FullyConnectedGeometry& g,
                                      const FullyConnectedQs8Params& p,
                                      const FullyConnectedQs8Weights& w, void* packed) {
  pack_fully_connected_c4<kLanes>(g, w, static_cast<uint32_t>(128 + p.input_zero_point), packed);
}

void fully_connected_qs8_avxvnni(const FullyConnectedGeometry& g, const FullyConnectedQs8Params& p,
                                 const FullyConnectedQs8Weights& w, const int8_t* input,
                                 int8_t* output, size_t channel_begin, size_t channel_end) {
  const FullyConnectedLayout layout(g);
  const auto* bias = static_cast<const int32_t*>(w.packed);
  const auto* blocks = reinterpret_cast<const uint8_t*>(bias + layout.channels_padded);
  const Avx2Requantization requantize(p.output);
  for (int n = 0; n < g.batch; ++n) {
    const int8_t* x = input + static_cast<size_t>(n) * g.input_channels;
    int8_t* out = output + static_cast<size_t>(n) * g.output_channels;
    for (size_t c = channel_begin; c < channel_end; c += kLanes * kMaxVectors) {
      const size_t vectors = (channel_end - c + kLanes - 1) / kLanes;
      kComputeChannels[vectors < kMaxVectors ? vectors : kMaxVectors](
          layout, x, bias, blocks, p.multipliers, requantize, c, channel_end, out);
    }
  }
}

}  // namespace qrun::kernels
