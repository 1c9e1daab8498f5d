// Int8 FullyConnected on x86 AVX2: for each batch row, up to 64 output channels at a time in eight
// vectors of 8 int32 lanes, the reduction two inputs per vpmaddwd.
//
// AVX2 has no exact 8-bit multiply-add (vpmaddubsw saturates its 16-bit pair sums on full-range
// weights), so both sides are sign-extended to int16. Eight inputs are widened in one step, each
// pair of them broadcast to all lanes (vpshufd, within 128-bit halves, where the pair already sits
// in both), and multiplied with the weights' matching pairs: vpmaddwd's pair sums are exact in
// int32. The weights stay int8 in memory and are widened as they are loaded (vpmovsxbw): one row of
// a batch reads every weight once, so a layer is bound by the bytes it streams:
// MobileNet-v3-large's two classifier layers took 0.29-0.32 ms with int16 weights, 0.16-0.19 ms
// with int8 (sum of qrun --profile medians, two alternating runs each). The input's zero point is
// folded into the bias:
//   sum (x - zx) * w  =  sum x * w  -  zx * sum w.
// Weights are zero-padded to a multiple of eight inputs and of eight outputs, so the bytes read
// past a row meet zero weights. A call's channel range must start on a multiple of
// kFullyConnectedChannelStep (16), as the runtime's tiles do; blocks are 8 channels wide.
#include <immintrin.h>

#include <cstring>

#include "common/requantize_avx2.h"
#include "fully_connected/fully_connected.h"

namespace qrun::kernels {
namespace {

constexpr int kLanes = 8;
constexpr int kMaxVectors = 8;
constexpr int kDepth = 8;  // inputs per step

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Packed: corrected bias (int32, channels padded to 8), then per block of 8 channels the weights,
// [input / 2][8 channels][2 inputs].
struct FullyConnectedLayout {
  size_t inputs_padded;
  size_t channels_padded;
  explicit FullyConnectedLayout(const FullyConnectedGeometry& g)
      : inputs_padded(round_up(static_cast<size_t>(g.input_channels), kDepth)),
        channels_padded(round_up(static_cast<size_t>(g.output_channels), kLanes)) {}
  size_t block_bytes() const { return inputs_padded * kLanes; }
  size_t total() const { return channels_padded * 4 + channels_padded / kLanes * block_bytes(); }
};

__m256i widen(const __m128i* weights) {
  return _mm256_cvtepi8_epi16(_mm_load_si128(weights));
}

// One batch row, `Vectors` x 8 channels from channel `c`.
template <int Vectors>
void compute_channels(const FullyConnectedLayout& layout, const int8_t* x, const int32_t* bias,
                      const uint8_t* blocks, const float* multipliers,
                      const Avx2Requantization& requantize, size_t c, size_t channel_end,
                      int8_t* out) {
  __m256i acc[Vectors];
#pragma GCC unroll 8
  for (int v = 0; v < Vectors; ++v) acc[v] = _mm256_setzero_si256();
  // 16 bytes: one pair of inputs for 8 channels.
  const auto* w = reinterpret_cast<const __m128i*>(blocks + c / kLanes * layout.block_bytes());
  const size_t vector_stride = layout.block_bytes() / sizeof(__m128i);
  for (size_t k = 0; k < layout.inputs_padded; k += kDepth, w += kDepth / 2) {
    // The last step may read up to seven bytes past the row: they meet zero weights.
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + k));
    const __m256i pairs = _mm256_cvtepi8_epi16(_mm_broadcastq_epi64(bytes));
    const __m256i x01 = _mm256_shuffle_epi32(pairs, 0x00);
    const __m256i x23 = _mm256_shuffle_epi32(pairs, 0x55);
    const __m256i x45 = _mm256_shuffle_epi32(pairs, 0xaa);
    const __m256i x67 = _mm256_shuffle_epi32(pairs, 0xff);
#pragma GCC unroll 8
    for (int v = 0; v < Vectors; ++v) {
      const __m128i* wv = w + v * vector_stride;
      const __m256i low = _mm256_add_epi32(_mm256_madd_epi16(x01, widen(wv)),
                                           _mm256_madd_epi16(x23, widen(wv + 1)));
      const __m256i high = _mm256_add_epi32(_mm256_madd_epi16(x45, widen(wv + 2)),
                                            _mm256_madd_epi16(x67, widen(wv + 3)));
      acc[v] = _mm256_add_epi32(acc[v], _mm256_add_epi32(low, high));
    }
  }
#pragma GCC unroll 8
  for (int v = 0; v < Vectors; ++v) {
    const size_t first = c + kLanes * v;
    const int left = static_cast<int>(channel_end - first < kLanes ? channel_end - first : kLanes);
    const __m256i sum =
        _mm256_add_epi32(acc[v], _mm256_load_si256(reinterpret_cast<const __m256i*>(bias + first)));
    const __m256 m = avx2_load_multipliers(multipliers + first, left);
    avx2_store_bytes(out + first, avx2_narrow(requantize(sum, m)), left);
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

size_t fully_connected_qs8_avx2_packed_size(const FullyConnectedGeometry& g) {
  return FullyConnectedLayout(g).total();
}

void fully_connected_qs8_avx2_pack(const FullyConnectedGeometry& g,
                                   const FullyConnectedQs8Params& p,
                                   const FullyConnectedQs8Weights& w, void* packed) {
  const FullyConnectedLayout layout(g);
  auto* bytes = static_cast<uint8_t*>(packed);
  std::memset(bytes, 0, layout.total());
  auto* bias = reinterpret_cast<int32_t*>(bytes);
  auto* weights = reinterpret_cast<int8_t*>(bytes + layout.channels_padded * 4);
  const size_t inputs = static_cast<size_t>(g.input_channels);
  for (size_t c = 0; c < static_cast<size_t>(g.output_channels); ++c) {
    int8_t* block = weights + c / kLanes * layout.block_bytes();
    const size_t lane = c % kLanes;
    uint32_t column_sum = 0;
    for (size_t i = 0; i < inputs; ++i) {
      const int8_t value = w.oi[c * inputs + i];
      block[(i / 2) * kLanes * 2 + lane * 2 + i % 2] = value;
      column_sum += static_cast<uint32_t>(static_cast<int32_t>(value));
    }
    // Unsigned: the corrected bias may wrap, exactly as the kernel's int32 sums do.
    bias[c] = static_cast<int32_t>(static_cast<uint32_t>(w.bias[c]) -
                                   static_cast<uint32_t>(p.input_zero_point) * column_sum);
  }
}

void fully_connected_qs8_avx2(const FullyConnectedGeometry& g, const FullyConnectedQs8Params& p,
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
