// The float arithmetic of the test models written out plainly, in double and in ONNX's NCHW
// layout, so that the converter's output is checked against an independent statement of the
// math rather than against itself.
#pragma once

#include <cstdint>
#include <vector>

namespace qrun::converter::testing {

struct ConvSpec {
  int64_t n = 1, c = 1, h = 1, w = 1;  // input
  int64_t m = 1, kh = 1, kw = 1;       // weights [m, c / group, kh, kw]
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t group = 1;

  int64_t out_h() const {
    return (h + pad_top + pad_bottom - (kh - 1) * dilation_h - 1) / stride_h + 1;
  }
  int64_t out_w() const {
    return (w + pad_left + pad_right - (kw - 1) * dilation_w - 1) / stride_w + 1;
  }
};

inline std::vector<double> conv_nchw(const ConvSpec& s, const std::vector<float>& x,
                                     const std::vector<float>& weights,
                                     const std::vector<float>& bias) {
  const int64_t oh = s.out_h(), ow = s.out_w();
  const int64_t cg = s.c / s.group, mg = s.m / s.group;
  std::vector<double> y(static_cast<size_t>(s.n * s.m * oh * ow));
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t m = 0; m < s.m; ++m)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double acc = bias.empty() ? 0.0 : bias[m];
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < s.kh; ++ky)
              for (int64_t kx = 0; kx < s.kw; ++kx) {
                const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
                const int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
                if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
                const int64_t c = (m / mg) * cg + ci;
                acc += double(x[((n * s.c + c) * s.h + iy) * s.w + ix]) *
                       weights[((m * cg + ci) * s.kh + ky) * s.kw + kx];
              }
          y[((n * s.m + m) * oh + oy) * ow + ox] = acc;
        }
  return y;
}

template <typename T>
std::vector<T> nchw_to_nhwc(const std::vector<T>& x, int64_t n, int64_t c, int64_t h, int64_t w) {
  std::vector<T> y(x.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < h * w; ++i) y[(b * h * w + i) * c + ch] = x[(b * c + ch) * h * w + i];
  return y;
}

}  // namespace qrun::converter::testing
