// RESIZE's taps (ONNX's coordinate transformations and nearest modes, worked out by hand), its
// reference kernels against direct formulas (tf_crop_and_resize's extrapolation too), its SIMD
// kernels against the reference, and CHANNEL_SHUFFLE's permutation and split.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "channel_shuffle/channel_shuffle.h"
#include "cpu_features.h"
#include "registry.h"
#include "resize/resize.h"

namespace qrun::kernels {
namespace {

std::vector<int32_t> NearestTaps(ResizeCoordinates coordinates, ResizeNearestRounding rounding,
                                 size_t in, size_t out, double scale) {
  std::vector<int32_t> index(out);
  resize_nearest_taps(coordinates, rounding, {in, out, scale}, index.data());
  return index;
}

std::vector<int32_t> CropNearestTaps(ResizeNearestRounding rounding, size_t in, size_t out,
                                     float roi_start, float roi_end) {
  std::vector<int32_t> index(out);
  resize_nearest_taps(ResizeCoordinates::kTfCropAndResize, rounding,
                      {in, out, double(out) / double(in), roi_start, roi_end}, index.data());
  return index;
}

constexpr int32_t kOut = kResizeOutside;

// Bilinear taps of both axes of `g` under `coordinates`, tf_crop_and_resize's regions drawn at
// random in [-0.5, 1.5].
struct RandomLinearTaps {
  std::vector<int32_t> y0, y1, wy, x0, x1, wx;
  std::vector<float> fy, fx;

  RandomLinearTaps(ResizeCoordinates coordinates, const ResizeGeometry& g, std::mt19937& rng)
      : y0(g.output_height),
        y1(g.output_height),
        wy(g.output_height),
        x0(g.output_width),
        x1(g.output_width),
        wx(g.output_width),
        fy(g.output_height),
        fx(g.output_width) {
    std::uniform_real_distribution<float> roi_bound(-0.5f, 1.5f);
    const ResizeAxis axis_h{g.input_height, g.output_height,
                            double(g.output_height) / double(g.input_height), roi_bound(rng),
                            roi_bound(rng)};
    const ResizeAxis axis_w{g.input_width, g.output_width,
                            double(g.output_width) / double(g.input_width), roi_bound(rng),
                            roi_bound(rng)};
    resize_linear_taps(coordinates, axis_h, y0.data(), y1.data(), wy.data(), fy.data());
    resize_linear_taps(coordinates, axis_w, x0.data(), x1.data(), wx.data(), fx.data());
  }
  ResizeLinearTaps view() const {
    return {y0.data(), y1.data(), wy.data(), fy.data(), x0.data(), x1.data(), wx.data(), fx.data()};
  }
};

constexpr ResizeCoordinates kAllCoordinates[] = {
    ResizeCoordinates::kHalfPixel,        ResizeCoordinates::kPytorchHalfPixel,
    ResizeCoordinates::kAlignCorners,     ResizeCoordinates::kAsymmetric,
    ResizeCoordinates::kTfHalfPixelForNn, ResizeCoordinates::kTfCropAndResize};

TEST(ResizeTaps, CoordinateTransformations) {
  const ResizeAxis up{4, 8, 2.0};
  EXPECT_DOUBLE_EQ(resize_source_coordinate(ResizeCoordinates::kHalfPixel, up, 0), -0.25);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(ResizeCoordinates::kHalfPixel, up, 3), 1.25);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(ResizeCoordinates::kPytorchHalfPixel, up, 3), 1.25);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(ResizeCoordinates::kAsymmetric, up, 3), 1.5);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(ResizeCoordinates::kTfHalfPixelForNn, up, 3), 1.75);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(ResizeCoordinates::kAlignCorners, up, 7), 3.0);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(ResizeCoordinates::kAlignCorners, up, 1), 3.0 / 7);
  // An output of one pixel: pytorch_half_pixel and align_corners read the first input pixel.
  const ResizeAxis to_one{4, 1, 0.25};
  EXPECT_DOUBLE_EQ(resize_source_coordinate(ResizeCoordinates::kPytorchHalfPixel, to_one, 0), 0);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(ResizeCoordinates::kAlignCorners, to_one, 0), 0);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(ResizeCoordinates::kHalfPixel, to_one, 0), 1.5);
}

TEST(ResizeTaps, NearestRoundingModesAndClamping) {
  // Half-pixel x2 up on a 3-pixel axis: -0.25, 0.25, 0.75, 1.25, 1.75, 2.25.
  const auto half = ResizeCoordinates::kHalfPixel;
  EXPECT_EQ(NearestTaps(half, ResizeNearestRounding::kRoundPreferFloor, 3, 6, 2.0),
            (std::vector<int32_t>{0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(NearestTaps(half, ResizeNearestRounding::kFloor, 3, 6, 2.0),
            (std::vector<int32_t>{0, 0, 0, 1, 1, 2}));  // floor(-0.25) = -1 clamps to 0
  EXPECT_EQ(NearestTaps(half, ResizeNearestRounding::kCeil, 3, 6, 2.0),
            (std::vector<int32_t>{0, 1, 1, 2, 2, 2}));  // ceil(2.25) = 3 clamps to 2
  // Coordinates of exactly k + 0.5: tf_half_pixel_for_nn at scale 1 gives 0.5, 1.5, 2.5.
  const auto tf = ResizeCoordinates::kTfHalfPixelForNn;
  EXPECT_EQ(NearestTaps(tf, ResizeNearestRounding::kRoundPreferFloor, 4, 3, 1.0),
            (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(NearestTaps(tf, ResizeNearestRounding::kRoundPreferCeil, 4, 3, 1.0),
            (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(NearestTaps(ResizeCoordinates::kAsymmetric, ResizeNearestRounding::kFloor, 4, 8, 2.0),
            (std::vector<int32_t>{0, 0, 1, 1, 2, 2, 3, 3}));
}

TEST(ResizeTaps, TfCropAndResizeMapsTheRoiOntoTheOutput) {
  const auto crop = ResizeCoordinates::kTfCropAndResize;
  // roi [0.25, 0.75] of 5 pixels (last index 4) onto 3: 1, 2, 3; onto 1: its middle, 2.
  const ResizeAxis inner{5, 3, 0.6, 0.25f, 0.75f};
  EXPECT_DOUBLE_EQ(resize_source_coordinate(crop, inner, 0), 1.0);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(crop, inner, 2), 3.0);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(crop, {5, 1, 0.2, 0.25f, 0.75f}, 0), 2.0);
  // A reversed roi runs backwards: [1, 0] of 3 onto 3 is 2, 1, 0.
  EXPECT_DOUBLE_EQ(resize_source_coordinate(crop, {3, 3, 1.0, 1.0f, 0.0f}, 0), 2.0);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(crop, {3, 3, 1.0, 1.0f, 0.0f}, 2), 0.0);
  // Scales that do not give a whole length: ONNX's reference divides by 5 * 0.5 - 1 = 1.5, not by
  // the output's 2 - 1; a scale of exactly 2 / 5 in float32 is the output's length.
  EXPECT_DOUBLE_EQ(resize_source_coordinate(crop, {5, 2, 0.5, 0.0f, 1.0f}, 1), 4.0 / 1.5);
  EXPECT_DOUBLE_EQ(resize_source_coordinate(crop, {5, 2, double(2.0f / 5.0f), 0.0f, 1.0f}, 1), 4);
  // The roi's extent is a float32 difference, as ONNX's reference takes it: 1.3f - 0.2f.
  EXPECT_EQ(resize_source_coordinate(crop, {4, 3, 0.75, 0.2f, 1.3f}, 1),
            double(1.3f - 0.2f) * 3 / 2 + double(0.2f) * 3);
}

TEST(ResizeTaps, TfCropAndResizeNearestRoundsInsideAndMarksOutside) {
  const auto prefer_floor = ResizeNearestRounding::kRoundPreferFloor;
  const auto prefer_ceil = ResizeNearestRounding::kRoundPreferCeil;
  // roi [0, 1] of 3 onto 5: 0, 0.5, 1, 1.5, 2; the halves go down or up as the mode says.
  EXPECT_EQ(CropNearestTaps(prefer_floor, 3, 5, 0.0f, 1.0f), (std::vector<int32_t>{0, 0, 1, 1, 2}));
  EXPECT_EQ(CropNearestTaps(prefer_ceil, 3, 5, 0.0f, 1.0f), (std::vector<int32_t>{0, 1, 1, 2, 2}));
  EXPECT_EQ(CropNearestTaps(ResizeNearestRounding::kCeil, 3, 5, 0.0f, 1.0f),
            (std::vector<int32_t>{0, 1, 1, 2, 2}));
  // roi [-0.5, 1.5] of 3 onto 5: -1 and 3 lie outside [0, 2], whatever the rounding would give;
  // 0 and 2, on the edges, are inside.
  EXPECT_EQ(CropNearestTaps(prefer_floor, 3, 5, -0.5f, 1.5f),
            (std::vector<int32_t>{kOut, 0, 1, 2, kOut}));
  EXPECT_EQ(CropNearestTaps(ResizeNearestRounding::kFloor, 3, 4, -0.25f, 1.25f),
            (std::vector<int32_t>{kOut, 0, 1, kOut}));  // -0.5, 0.5, 1.5, 2.5
}

TEST(ResizeTaps, TfCropAndResizeLinearBlendsInsideWithoutClamping) {
  // roi [-0.25, 1.25] of 3 (last index 2) onto 4: -0.5 (outside), 0.5, 1.5, 2.5 (outside).
  std::vector<int32_t> i0(4), i1(4), w1(4);
  std::vector<float> f1(4);
  resize_linear_taps(ResizeCoordinates::kTfCropAndResize, {3, 4, 4.0 / 3, -0.25f, 1.25f}, i0.data(),
                     i1.data(), w1.data(), f1.data());
  EXPECT_EQ(i0, (std::vector<int32_t>{kOut, 0, 1, kOut}));
  EXPECT_EQ(i1, (std::vector<int32_t>{kOut, 1, 2, kOut}));
  EXPECT_EQ(w1, (std::vector<int32_t>{0, 1024, 1024, 0}));
  EXPECT_EQ(f1, (std::vector<float>{0, 0.5f, 0.5f, 0}));
}

TEST(ResizeTaps, LinearWeightsAreElevenBitFractionsOfClampedCoordinates) {
  // Half-pixel x2 up on 3 pixels: -0.25 (clamped to 0), 0.25, 0.75, 1.25, 1.75, 2.25 (to 2).
  std::vector<int32_t> i0(6), i1(6), w1(6);
  std::vector<float> f1(6);
  resize_linear_taps(ResizeCoordinates::kHalfPixel, {3, 6, 2.0}, i0.data(), i1.data(), w1.data(),
                     f1.data());
  EXPECT_EQ(i0, (std::vector<int32_t>{0, 0, 0, 1, 1, 2}));
  EXPECT_EQ(i1, (std::vector<int32_t>{1, 1, 1, 2, 2, 2}));
  EXPECT_EQ(w1, (std::vector<int32_t>{0, 512, 1536, 512, 1536, 0}));
  EXPECT_EQ(f1, (std::vector<float>{0, 0.25f, 0.75f, 0.25f, 0.75f, 0}));
}

TEST(ResizeReference, NearestCopiesWholePixels) {
  const ResizeGeometry g{1, 2, 2, 4, 4, 2};
  const std::vector<int32_t> y = {0, 0, 1, 1}, x = {0, 0, 1, 1};
  const std::vector<float> in = {1, -1, 2, -2, 3, -3, 4, -4};
  std::vector<float> out(32);
  resize_nearest_reference(g, {y.data(), x.data()}, sizeof(float), nullptr, in.data(), out.data());
  const std::vector<float> row0 = {1, -1, 1, -1, 2, -2, 2, -2};
  const std::vector<float> row2 = {3, -3, 3, -3, 4, -4, 4, -4};
  EXPECT_EQ(std::vector<float>(out.begin(), out.begin() + 8), row0);
  EXPECT_EQ(std::vector<float>(out.begin() + 8, out.begin() + 16), row0);
  EXPECT_EQ(std::vector<float>(out.begin() + 16, out.begin() + 24), row2);
  EXPECT_EQ(std::vector<float>(out.begin() + 24, out.end()), row2);
}

TEST(ResizeReference, NearestWritesTheOutsidePixelWhereEitherTapIsOutside) {
  // Rows: input row 1, outside; columns: outside, input column 0, input column 1.
  const ResizeGeometry g{1, 2, 2, 2, 3, 2};
  const std::vector<int32_t> y = {1, kOut}, x = {kOut, 0, 1};
  const std::vector<int8_t> in = {1, -1, 2, -2, 3, -3, 4, -4};
  const std::vector<int8_t> outside = {9, 9};
  std::vector<int8_t> out(12);
  resize_nearest_reference(g, {y.data(), x.data()}, 1, outside.data(), in.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{9, 9, 3, -3, 4, -4, 9, 9, 9, 9, 9, 9}));
}

// Random shapes, every coordinate transformation (tf_crop_and_resize with random rois that may
// reach outside the input): int8 linear within one step of the exact blend of the dequantized
// input (the weights' rounding to 1/2048 and one requantization), float linear equal to the blend
// with its fractions, both the outside value wherever a tap is outside.
TEST(ResizeReference, LinearInt8AndFloatFollowTheExactBlend) {
  std::mt19937 rng(7);
  size_t outside_count = 0;
  for (int trial = 0; trial < 60; ++trial) {
    ResizeGeometry g;
    g.batch = 1 + rng() % 2;
    g.input_height = 1 + rng() % 6;
    g.input_width = 1 + rng() % 6;
    g.output_height = 1 + rng() % 11;
    g.output_width = 1 + rng() % 11;
    g.channels = 1 + rng() % 5;
    const RandomLinearTaps random_taps(kAllCoordinates[trial % 6], g, rng);
    const ResizeLinearTaps taps = random_taps.view();
    const auto& [y0, y1, wy, x0, x1, wx, fy, fx] = random_taps;
    const size_t in_count = g.batch * g.input_height * g.input_width * g.channels;
    const size_t out_count = g.batch * g.output_height * g.output_width * g.channels;
    std::vector<int8_t> q(in_count);
    for (int8_t& v : q) v = static_cast<int8_t>(int(rng() % 256) - 128);
    std::vector<float> real(in_count);
    const int32_t zp_in = int32_t(rng() % 41) - 20, zp_out = int32_t(rng() % 41) - 20;
    const float s_in = 0.05f, s_out = 0.04f;
    for (size_t i = 0; i < in_count; ++i) real[i] = s_in * float(q[i] - zp_in);
    ResizeLinearQs8Params params;
    params.input_zero_point = zp_in;
    params.multiplier = std::ldexp(s_in / s_out, -2 * kResizeWeightBits);
    params.output.zero_point = zp_out;
    params.outside = static_cast<int8_t>(int(rng() % 256) - 128);
    const float outside_f = 1.25f;
    std::vector<int8_t> out_q(out_count);
    std::vector<float> out_f(out_count);
    resize_linear_qs8_reference(g, taps, params, q.data(), out_q.data());
    resize_linear_f32_reference(g, taps, outside_f, real.data(), out_f.data());
    size_t o = 0;
    for (size_t n = 0; n < g.batch; ++n) {
      for (size_t oy = 0; oy < g.output_height; ++oy) {
        for (size_t ox = 0; ox < g.output_width; ++ox) {
          for (size_t c = 0; c < g.channels; ++c, ++o) {
            if (y0[oy] == kOut || x0[ox] == kOut) {
              ASSERT_EQ(out_f[o], outside_f) << "trial " << trial << " element " << o;
              ASSERT_EQ(out_q[o], params.outside) << "trial " << trial << " element " << o;
              ++outside_count;
              continue;
            }
            auto at = [&](int32_t yy, int32_t xx) {
              return double(
                  real[((n * g.input_height + yy) * g.input_width + xx) * g.channels + c]);
            };
            const double top = at(y0[oy], x0[ox]) * (1 - fx[ox]) + at(y0[oy], x1[ox]) * fx[ox];
            const double bottom = at(y1[oy], x0[ox]) * (1 - fx[ox]) + at(y1[oy], x1[ox]) * fx[ox];
            const double exact = top * (1 - fy[oy]) + bottom * fy[oy];
            ASSERT_NEAR(out_f[o], exact, 1e-5) << "trial " << trial << " element " << o;
            const double expected_q =
                std::min(127.0, std::max(-128.0, std::nearbyint(exact / s_out) + zp_out));
            ASSERT_LE(std::fabs(double(out_q[o]) - expected_q), 1.0)
                << "trial " << trial << " element " << o;
          }
        }
      }
    }
  }
  EXPECT_GT(outside_count, 0u);
}

// Every int8 bilinear kernel this CPU has gives the reference's bytes: every coordinate mode
// (tf_crop_and_resize's outside pixels too), up and down, channel counts around the vector widths,
// extreme zero points and multipliers, output ranges a fused activation would narrow.
TEST(ResizeLinearQs8Kernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 rng(11);
  const auto pick = [&](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(rng);
  };
  for (int trial = 0; trial < 200; ++trial) {
    ResizeGeometry g;
    g.batch = static_cast<size_t>(pick(1, 2));
    g.input_height = static_cast<size_t>(pick(1, 8));
    g.input_width = static_cast<size_t>(pick(1, 8));
    g.output_height = static_cast<size_t>(pick(1, 12));
    g.output_width = static_cast<size_t>(pick(1, 12));
    g.channels = static_cast<size_t>(pick(0, 2) == 0 ? pick(1, 100) : pick(1, 17));
    const RandomLinearTaps random_taps(kAllCoordinates[trial % 6], g, rng);
    const ResizeLinearTaps taps = random_taps.view();
    std::vector<int8_t> in(g.batch * g.input_height * g.input_width * g.channels);
    for (int8_t& v : in) v = static_cast<int8_t>(pick(-128, 127));
    ResizeLinearQs8Params p;
    p.input_zero_point = pick(0, 2) == 0 ? (pick(0, 1) ? -128 : 127) : pick(-128, 127);
    p.multiplier = static_cast<float>(
        std::ldexp(std::pow(10.0, std::uniform_real_distribution<double>(-1, 1)(rng)),
                   -2 * kResizeWeightBits));
    p.output.zero_point = pick(-128, 127);
    p.output.min = pick(0, 1) ? -128 : p.output.zero_point;
    p.output.max = pick(0, 2) == 0 ? pick(p.output.min, 127) : 127;
    p.outside = static_cast<int8_t>(pick(-128, 127));
    const size_t out_count = g.batch * g.output_height * g.output_width * g.channels;
    std::vector<int8_t> expected(out_count);
    resize_linear_qs8_reference(g, taps, p, in.data(), expected.data());
    for (const ResizeLinearQs8Kernel& kernel : resize_linear_qs8_candidates(cpu)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      std::vector<int8_t> actual(out_count);
      kernel.run(g, taps, p, in.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial;
    }
  }
}

TEST(ChannelShuffleReference, PermutesAndSplitsEachPixel) {
  // Two pixels of 6 channels in 2 groups of 3: output channel a * 2 + b is input b * 3 + a, so
  // the order is 0 3 1 4 2 5; then two outputs of 3 channels each.
  const std::vector<int8_t> in = {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15};
  std::vector<int8_t> first(6), second(6), whole(12);
  ChannelShuffleGeometry g{2, 6, 2, 2, 1};
  void* const parts[] = {first.data(), second.data()};
  channel_shuffle_reference(g, in.data(), parts);
  EXPECT_EQ(first, (std::vector<int8_t>{0, 3, 1, 10, 13, 11}));
  EXPECT_EQ(second, (std::vector<int8_t>{4, 2, 5, 14, 12, 15}));
  g.output_count = 1;
  void* const one[] = {whole.data()};
  channel_shuffle_reference(g, in.data(), one);
  EXPECT_EQ(whole, (std::vector<int8_t>{0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15}));
  // Float: the same permutation of 4-byte elements.
  const std::vector<float> in_f = {0.5f, 1.5f, 2.5f, 3.5f};
  std::vector<float> out_f(4);
  void* const out_parts[] = {out_f.data()};
  channel_shuffle_reference({1, 4, 2, 1, sizeof(float)}, in_f.data(), out_parts);
  EXPECT_EQ(out_f, (std::vector<float>{0.5f, 2.5f, 1.5f, 3.5f}));
}

// The portable kernel gives the reference's bytes: random pixel counts, groups, parts and element
// sizes, ShuffleNet's two groups of bytes (its interleaving path) often.
TEST(ChannelShufflePortable, MatchesTheReference) {
  std::mt19937 random(7);
  const auto pick = [&](int low, int high) {
    return static_cast<size_t>(std::uniform_int_distribution<int>(low, high)(random));
  };
  const size_t element_sizes[] = {1, 2, 4};
  for (int trial = 0; trial < 300; ++trial) {
    ChannelShuffleGeometry g;
    g.pixels = pick(1, 20);
    g.groups = trial % 2 == 0 ? 2 : pick(1, 5);
    g.channels = g.groups * pick(1, 40);
    g.element_size = trial % 2 == 0 ? 1 : element_sizes[pick(0, 2)];
    std::vector<size_t> divisors;
    for (size_t d = 1; d <= g.channels && d <= kMaxChannelShuffleOutputs; ++d) {
      if (g.channels % d == 0) divisors.push_back(d);
    }
    g.output_count = divisors[pick(0, static_cast<int>(divisors.size()) - 1)];
    std::vector<uint8_t> in(g.pixels * g.channels * g.element_size);
    for (uint8_t& x : in) x = static_cast<uint8_t>(pick(0, 255));
    const size_t part_bytes = in.size() / g.output_count;
    std::vector<uint8_t> expected(in.size()), actual(in.size());
    void* expected_parts[kMaxChannelShuffleOutputs];
    void* actual_parts[kMaxChannelShuffleOutputs];
    for (size_t k = 0; k < g.output_count; ++k) {
      expected_parts[k] = expected.data() + k * part_bytes;
      actual_parts[k] = actual.data() + k * part_bytes;
    }
    channel_shuffle_reference(g, in.data(), expected_parts);
    channel_shuffle_portable(g, in.data(), actual_parts);
    ASSERT_EQ(expected, actual) << "trial " << trial << ": " << g.pixels << " pixels of "
                                << g.channels << " channels, " << g.groups << " groups, "
                                << g.output_count << " parts, " << g.element_size << "-byte";
  }
}

}  // namespace
}  // namespace qrun::kernels
