// Int8 bilinear resize on x86 AVX-512 (F, BW): 16 channels of one output pixel at a time. The four
// taps' centred values are blended in int32 exactly as the reference blends them (the same
// products and sums: at most 2^11 * 2^11 * 255 * 2 in magnitude, far inside int32), then the
// reference's requantization: float(acc) * multiplier, clamp, round half to even (vcvtps2dq),
// add the zero point. The walk over the output, and the extrapolation value where a tap lies
// outside the input, are the reference's (resize_linear_walk.h).
#include <immintrin.h>

#include "resize/resize_linear_walk.h"

namespace qrun::kernels {

void resize_linear_qs8_avx512(const ResizeGeometry& g, const ResizeLinearTaps& taps,
                              const ResizeLinearQs8Params& p, const int8_t* input, int8_t* output) {
  const __m512i zero_point = _mm512_set1_epi32(p.input_zero_point);
  const __m512 multiplier = _mm512_set1_ps(p.multiplier);
  const __m512 low = _mm512_set1_ps(static_cast<float>(p.output.min - p.output.zero_point));
  const __m512 high = _mm512_set1_ps(static_cast<float>(p.output.max - p.output.zero_point));
  const __m512i output_zero_point = _mm512_set1_epi32(p.output.zero_point);
  resize_linear_walk(g, taps, p.outside, input, output, [&](const ResizeLinearPixel<int8_t>& px) {
    const __m512i wy1 = _mm512_set1_epi32(taps.y_weight1[px.y]);
    const __m512i wy0 = _mm512_set1_epi32(kResizeWeightOne - taps.y_weight1[px.y]);
    const __m512i wx1 = _mm512_set1_epi32(taps.x_weight1[px.x]);
    const __m512i wx0 = _mm512_set1_epi32(kResizeWeightOne - taps.x_weight1[px.x]);
    for (size_t c = 0; c < g.channels; c += 16) {
      const size_t rest = g.channels - c;
      const __mmask16 mask =
          rest >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << rest) - 1);
      const auto centred = [&](const int8_t* at) {
        return _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, at)), zero_point);
      };
      const __m512i top = _mm512_add_epi32(_mm512_mullo_epi32(wx0, centred(px.top_left + c)),
                                           _mm512_mullo_epi32(wx1, centred(px.top_right + c)));
      const __m512i bottom =
          _mm512_add_epi32(_mm512_mullo_epi32(wx0, centred(px.bottom_left + c)),
                           _mm512_mullo_epi32(wx1, centred(px.bottom_right + c)));
      const __m512i acc =
          _mm512_add_epi32(_mm512_mullo_epi32(wy0, top), _mm512_mullo_epi32(wy1, bottom));
      const __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), multiplier);
      const __m512i q = _mm512_add_epi32(
          _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(scaled, low), high)), output_zero_point);
      _mm_mask_storeu_epi8(px.output + c, mask, _mm512_cvtsepi32_epi8(q));
    }
  });
}

}  // namespace qrun::kernels
