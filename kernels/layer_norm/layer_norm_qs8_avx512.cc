// Int8 LayerNorm on x86 AVX-512 (F, BW). The row's statistics are exact integer sums (vpsadbw for
// the values; int16 squares paired by vpmaddwd, widened to int64 in time, for the squares, so no
// length overflows them); the row's mean and inverse deviation come from the reference's
// layer_norm_row_factors; each output follows the reference's float steps 16 lanes at a time:
// ((q - zp) - mean) * inverse, times scale[c], plus shift[c] (no FMA: kernels are built with
// -ffp-contract=off), clamp (a NaN to the low end, as vmaxps returns its second operand then),
// round half to even, add the zero point.
#include <immintrin.h>

#include "layer_norm/layer_norm.h"

namespace qrun::kernels {

namespace {

__mmask64 first_bytes(size_t count) {
  return count >= 64 ? ~__mmask64{0} : (__mmask64{1} << count) - 1;
}

// sum (x - zp) over the row: vpsadbw sums 8 unsigned bytes (x + 128) into each int64 lane, and the
// offset comes off once at the end.
int64_t centred_sum(const int8_t* x, size_t channels, int32_t zero_point) {
  const __m512i sign_flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i sums = _mm512_setzero_si512();
  for (size_t c = 0; c < channels; c += 64) {
    const __mmask64 mask = first_bytes(channels - c);
    // Lanes past the row would flip to 128: zeroed after the flip.
    const __m512i u = _mm512_maskz_mov_epi8(
        mask, _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, x + c), sign_flip));
    sums = _mm512_add_epi64(sums, _mm512_sad_epu8(u, _mm512_setzero_si512()));
  }
  return _mm512_reduce_add_epi64(sums) -
         static_cast<int64_t>(channels) * (128 + static_cast<int64_t>(zero_point));
}

// sum (x - zp)^2 over the row: int16 differences squared and paired by vpmaddwd (each pair at most
// 2 * 255^2) into int32 lanes, which take kChunk pairs each without overflow before they are
// widened into the int64 total.
int64_t centred_square_sum(const int8_t* x, size_t channels, int32_t zero_point) {
  constexpr size_t kChunk = 8192;
  const __m512i zero_point16 = _mm512_set1_epi16(static_cast<int16_t>(zero_point));
  __m512i total = _mm512_setzero_si512();
  for (size_t chunk = 0; chunk < channels; chunk += kChunk * 32) {
    const size_t end = channels - chunk < kChunk * 32 ? channels : chunk + kChunk * 32;
    __m512i squares = _mm512_setzero_si512();
    for (size_t c = chunk; c < end; c += 32) {
      const size_t left = end - c;
      const __mmask32 mask = left >= 32 ? ~__mmask32{0} : (__mmask32{1} << left) - 1;
      // Lanes past the row hold 0 after centring, adding nothing.
      const __m512i centred = _mm512_maskz_sub_epi16(
          mask, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(mask, x + c)), zero_point16);
      squares = _mm512_add_epi32(squares, _mm512_madd_epi16(centred, centred));
    }
    total = _mm512_add_epi64(total, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(squares)));
    total = _mm512_add_epi64(total, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(squares, 1)));
  }
  return _mm512_reduce_add_epi64(total);
}

}  // namespace

void layer_norm_qs8_avx512(const LayerNormGeometry& g, const LayerNormQs8Params& p,
                           const int8_t* input, int8_t* output) {
  const __m512 low = _mm512_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m512 high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m512i output_zero_point = _mm512_set1_epi32(p.output.zero_point);
  const __m512i input_zero_point32 = _mm512_set1_epi32(p.input_zero_point);
  // After in-lane packs of four 16-channel vectors, dword 4i + k holds channels 16k + 4i to
  // 16k + 4i + 3.
  const __m512i lane_order =
      _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  // Rows in groups: each row's statistics end in a long serial chain (reductions, a division, a
  // square root), and the group's chains, independent, overlap before any row is normalized.
  constexpr size_t kGroupRows = 8;
  LayerNormRowFactors factors[kGroupRows];
  for (size_t row = 0; row < g.rows; ++row) {
    const size_t in_group = row % kGroupRows;
    if (in_group == 0) {
      for (size_t r = row; r < g.rows && r < row + kGroupRows; ++r) {
        const int8_t* x = input + r * g.channels;
        factors[r - row] =
            layer_norm_row_factors(centred_sum(x, g.channels, p.input_zero_point),
                                   centred_square_sum(x, g.channels, p.input_zero_point),
                                   g.channels, p.epsilon_in_input_steps);
      }
    }
    const int8_t* x = input + row * g.channels;
    int8_t* y = output + row * g.channels;
    const __m512 inverse = _mm512_set1_ps(factors[in_group].inverse);
    const __m512 mean = _mm512_set1_ps(factors[in_group].mean);
    const auto level = [&](__m128i bytes, size_t c, __mmask16 mask) {
      const __m512i q = _mm512_sub_epi32(_mm512_cvtepi8_epi32(bytes), input_zero_point32);
      const __m512 centred = _mm512_sub_ps(_mm512_cvtepi32_ps(q), mean);
      const __m512 scaled =
          _mm512_mul_ps(_mm512_mul_ps(centred, inverse), _mm512_maskz_loadu_ps(mask, p.scale + c));
      const __m512 shifted = _mm512_add_ps(scaled, _mm512_maskz_loadu_ps(mask, p.shift + c));
      // Clamped before vcvtps2dq rounds (half to even): the bounds are integers, so that equals
      // rounding first.
      return _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(shifted, low), high)),
                              output_zero_point);
    };
    size_t c = 0;
    // 64 channels per step, narrowed by in-lane packs and put back in order by one dword
    // permute, then one store: a narrowing store per 16 channels (vpmovsdb to memory) costs
    // several times more on Zen.
    for (; c + 64 <= g.channels; c += 64) {
      __m512i levels[4];
      for (int k = 0; k < 4; ++k) {
        levels[k] = level(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + c + 16 * k)),
                          c + 16 * k, static_cast<__mmask16>(0xffff));
      }
      const __m512i packed = _mm512_packs_epi16(_mm512_packs_epi32(levels[0], levels[1]),
                                                _mm512_packs_epi32(levels[2], levels[3]));
      _mm512_storeu_si512(y + c, _mm512_permutexvar_epi32(lane_order, packed));
    }
    for (; c < g.channels; c += 16) {
      const size_t left = g.channels - c;
      const __mmask16 mask =
          left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1);
      _mm_mask_storeu_epi8(
          y + c, mask, _mm512_cvtsepi32_epi8(level(_mm_maskz_loadu_epi8(mask, x + c), c, mask)));
    }
  }
}

}  // namespace qrun::kernels
