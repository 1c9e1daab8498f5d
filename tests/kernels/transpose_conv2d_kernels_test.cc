// The TransposeConv2D references (a gather: each output pixel sums the input pixels that reach
// it) against the scatter that defines the operation (each input pixel adds its products into a
// full-size output, which is then cropped), over randomized geometries: strides, dilations,
// paddings, output padding, groups, extreme zero points. int8 must match exactly, float to
// rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "common/requantize.h"
#include "transpose_conv2d/transpose_conv2d.h"

namespace qrun::kernels {
namespace {

struct Case {
  TransposeConv2dGeometry g;
  int pad_bottom = 0, pad_right = 0, output_padding_h = 0, output_padding_w = 0;
};

Case RandomCase(std::mt19937& rng) {
  auto pick = [&rng](int low, int high) {
    return low + static_cast<int>(rng() % (high - low + 1));
  };
  Case c;
  TransposeConv2dGeometry& g = c.g;
  g.batch = pick(1, 2);
  g.groups = pick(1, 3);
  g.input_channels = g.groups * pick(1, 4);
  g.output_channels = g.groups * pick(1, 5);
  g.input_height = pick(1, 5);
  g.input_width = pick(1, 5);
  g.kernel_height = pick(1, 4);
  g.kernel_width = pick(1, 4);
  g.stride_height = pick(1, 3);
  g.stride_width = pick(1, 3);
  g.dilation_height = pick(1, 2);
  g.dilation_width = pick(1, 2);
  c.output_padding_h = pick(0, std::max(g.stride_height, g.dilation_height) - 1);
  c.output_padding_w = pick(0, std::max(g.stride_width, g.dilation_width) - 1);
  const int full_h = (g.input_height - 1) * g.stride_height +
                     (g.kernel_height - 1) * g.dilation_height + 1 + c.output_padding_h;
  const int full_w = (g.input_width - 1) * g.stride_width +
                     (g.kernel_width - 1) * g.dilation_width + 1 + c.output_padding_w;
  g.pad_top = pick(0, (full_h - 1) / 2);
  c.pad_bottom = pick(0, (full_h - 1) / 2);
  g.pad_left = pick(0, (full_w - 1) / 2);
  c.pad_right = pick(0, (full_w - 1) / 2);
  g.output_height = full_h - g.pad_top - c.pad_bottom;
  g.output_width = full_w - g.pad_left - c.pad_right;
  return c;
}

// The definition as a scatter into the full-size output, in int64 (int8) or double (float).
template <typename Element, typename Accumulator>
std::vector<Accumulator> Scatter(const Case& c, const std::vector<Element>& input,
                                 const std::vector<Element>& ohwi, int32_t input_zero_point) {
  const TransposeConv2dGeometry& g = c.g;
  const int full_h = g.output_height + g.pad_top + c.pad_bottom;
  const int full_w = g.output_width + g.pad_left + c.pad_right;
  const int group_in = g.input_channels_per_group(), group_out = g.output_channels_per_group();
  std::vector<Accumulator> full(static_cast<size_t>(g.batch) * full_h * full_w * g.output_channels,
                                0);
  for (int n = 0; n < g.batch; ++n)
    for (int iy = 0; iy < g.input_height; ++iy)
      for (int ix = 0; ix < g.input_width; ++ix)
        for (int ic = 0; ic < g.input_channels; ++ic) {
          const Accumulator x =
              static_cast<Accumulator>(
                  input[((static_cast<size_t>(n) * g.input_height + iy) * g.input_width + ix) *
                            g.input_channels +
                        ic]) -
              input_zero_point;
          const int group = ic / group_in;
          for (int ocg = 0; ocg < group_out; ++ocg) {
            const int oc = group * group_out + ocg;
            for (int ky = 0; ky < g.kernel_height; ++ky)
              for (int kx = 0; kx < g.kernel_width; ++kx) {
                const int y = iy * g.stride_height + ky * g.dilation_height;
                const int x_at = ix * g.stride_width + kx * g.dilation_width;
                const Accumulator w =
                    ohwi[((static_cast<size_t>(oc) * g.kernel_height + ky) * g.kernel_width + kx) *
                             group_in +
                         ic % group_in];
                full[((static_cast<size_t>(n) * full_h + y) * full_w + x_at) * g.output_channels +
                     oc] += x * w;
              }
          }
        }
  std::vector<Accumulator> cropped;
  for (int n = 0; n < g.batch; ++n)
    for (int oy = 0; oy < g.output_height; ++oy)
      for (int ox = 0; ox < g.output_width; ++ox)
        for (int oc = 0; oc < g.output_channels; ++oc) {
          cropped.push_back(
              full[((static_cast<size_t>(n) * full_h + oy + g.pad_top) * full_w + ox + g.pad_left) *
                       g.output_channels +
                   oc]);
        }
  return cropped;
}

TEST(TransposeConv2dReference, Qs8MatchesTheScatterExactly) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    const Case c = RandomCase(rng);
    const TransposeConv2dGeometry& g = c.g;
    std::vector<int8_t> input(static_cast<size_t>(g.batch) * g.input_height * g.input_width *
                              g.input_channels);
    std::vector<int8_t> weights(static_cast<size_t>(g.output_channels) * g.kernel_height *
                                g.kernel_width * g.input_channels_per_group());
    for (int8_t& v : input) v = static_cast<int8_t>(static_cast<int>(rng() % 256) - 128);
    for (int8_t& v : weights) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    std::vector<int32_t> bias(g.output_channels);
    std::vector<float> multipliers(g.output_channels);
    for (int oc = 0; oc < g.output_channels; ++oc) {
      bias[oc] = static_cast<int32_t>(rng() % 20001) - 10000;
      multipliers[oc] = std::ldexp(1.0f + static_cast<float>(rng() % 1000) / 1000.0f, -10);
    }
    TransposeConv2dQs8Params p;
    const int32_t zero_points[] = {-128, 127, 0, 5};
    p.input_zero_point = zero_points[trial % 4];
    p.multipliers = multipliers.data();
    p.output = {zero_points[(trial + 1) % 4], trial % 3 == 0 ? -20 : -128, 127};
    std::vector<int8_t> out(static_cast<size_t>(g.batch) * g.output_height * g.output_width *
                            g.output_channels);
    transpose_conv2d_qs8_reference(g, p, weights.data(), bias.data(), input.data(), out.data(), 0,
                                   g.output_rows());
    const std::vector<int64_t> sums =
        Scatter<int8_t, int64_t>(c, input, weights, p.input_zero_point);
    for (size_t i = 0; i < out.size(); ++i) {
      const int oc = static_cast<int>(i % g.output_channels);
      const int32_t acc = static_cast<int32_t>(sums[i] + bias[oc]);
      ASSERT_EQ(out[i],
                requantize(acc, multipliers[oc], p.output.zero_point, p.output.min, p.output.max))
          << "trial " << trial << " element " << i;
    }
  }
}

TEST(TransposeConv2dReference, F32MatchesTheScatter) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (int trial = 0; trial < 200; ++trial) {
    const Case c = RandomCase(rng);
    const TransposeConv2dGeometry& g = c.g;
    std::vector<float> input(static_cast<size_t>(g.batch) * g.input_height * g.input_width *
                             g.input_channels);
    std::vector<float> weights(static_cast<size_t>(g.output_channels) * g.kernel_height *
                               g.kernel_width * g.input_channels_per_group());
    std::vector<float> bias(g.output_channels);
    for (float& v : input) v = uniform(rng);
    for (float& v : weights) v = uniform(rng);
    for (float& v : bias) v = uniform(rng);
    const F32Range range{trial % 2 ? 0.0f : -INFINITY, INFINITY};
    std::vector<float> out(static_cast<size_t>(g.batch) * g.output_height * g.output_width *
                           g.output_channels);
    // Two calls over the rows, as threads would make them.
    const size_t half = g.output_rows() / 2;
    transpose_conv2d_f32_reference(g, range, weights.data(), bias.data(), input.data(), out.data(),
                                   0, half);
    transpose_conv2d_f32_reference(g, range, weights.data(), bias.data(), input.data(), out.data(),
                                   half, g.output_rows());
    const std::vector<double> sums = Scatter<float, double>(c, input, weights, 0);
    for (size_t i = 0; i < out.size(); ++i) {
      const double expected = std::max<double>(range.min, sums[i] + bias[i % g.output_channels]);
      ASSERT_NEAR(out[i], expected, 1e-4) << "trial " << trial << " element " << i;
    }
  }
}

}  // namespace
}  // namespace qrun::kernels
