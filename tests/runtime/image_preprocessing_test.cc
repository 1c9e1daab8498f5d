// The image preprocessing arithmetic (schema/qfb.fbs, Preprocessing) against values worked out by
// hand: bilinear weights and rounding, torchvision's shorter-side sizes and centre-crop offsets,
// (pixel / 255 - mean) / std, BGR, and where each value lands for an NCHW or NHWC source model.
#include "image_preprocessing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace qrun::tools {
namespace {

Image make_image(int height, int width, int channels, std::vector<uint8_t> pixels) {
  Image image;
  image.height = height;
  image.width = width;
  image.channels = channels;
  image.pixels = std::move(pixels);
  return image;
}

qrun_tensor_info input_of_shape(std::vector<int> shape) {
  qrun_tensor_info info{};
  info.name = "x";
  info.type = QRUN_FLOAT32;
  info.rank = static_cast<int>(shape.size());
  for (int d = 0; d < info.rank; ++d) info.shape[d] = shape[d];
  return info;
}

qrun_image_preprocessing plain(int channels) {
  qrun_image_preprocessing steps{};
  steps.channels = channels;
  for (int c = 0; c < 3; ++c) steps.std[c] = 1.0f;
  return steps;
}

TEST(ImagePreprocessing, BilinearUpscaleUsesHalfPixelCentres) {
  // 2 -> 4 samples source positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
  const Image image = make_image(2, 2, 1, {0, 100, 200, 40});
  const Image out = resize_bilinear(image, 4, 4);
  ASSERT_EQ(out.pixels.size(), 16u);
  // Row 0 interpolates 0 and 100: 0, 25, 75, 100. Row 3 interpolates 200 and 40.
  EXPECT_EQ(std::vector<uint8_t>(out.pixels.begin(), out.pixels.begin() + 4),
            (std::vector<uint8_t>{0, 25, 75, 100}));
  EXPECT_EQ(std::vector<uint8_t>(out.pixels.begin() + 12, out.pixels.end()),
            (std::vector<uint8_t>{200, 160, 80, 40}));
  // (1,1): 0.75 * 0.75 * 0 + 0.75 * 0.25 * 100 + 0.25 * 0.75 * 200 + 0.25 * 0.25 * 40 = 58.75,
  // rounded half up from the 22-bit fixed-point sum: 59.
  EXPECT_EQ(out.at(1, 1, 0), 59);
  // (2,1): 0.25 * 0.75 * 0 + 0.25 * 0.25 * 100 + 0.75 * 0.75 * 200 + 0.75 * 0.25 * 40 = 126.25.
  EXPECT_EQ(out.at(2, 1, 0), 126);
}

TEST(ImagePreprocessing, BilinearWeightsAreRoundedTo11Bits) {
  // 5 -> 3: positions 1/3, 2 and 11/3. The weight 1/3 becomes round(2048 / 3) = 683 and 2/3
  // becomes 1365: 10 + 10 * 683 / 2048 = 13.33 -> 13, and 40 + 10 * 1365 / 2048 = 46.66 -> 47.
  const Image out = resize_bilinear(make_image(1, 5, 1, {10, 20, 30, 40, 50}), 1, 3);
  EXPECT_EQ(out.pixels, (std::vector<uint8_t>{13, 30, 47}));
  // Each channel on its own.
  const Image rgb = resize_bilinear(make_image(1, 2, 3, {0, 255, 10, 100, 155, 10}), 1, 4);
  EXPECT_EQ(rgb.pixels, (std::vector<uint8_t>{0, 255, 10, 25, 230, 10, 75, 180, 10, 100, 155, 10}));
}

TEST(ImagePreprocessing, ResizeToTheSameSizeChangesNothing) {
  std::vector<uint8_t> pixels(5 * 7 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37);
  const Image image = make_image(5, 7, 3, pixels);
  EXPECT_EQ(resize_bilinear(image, 5, 7).pixels, pixels);
}

TEST(ImagePreprocessing, ShorterSideSizeFollowsTorchvision) {
  int64_t height = 0, width = 0;
  shorter_side_size(375, 500, 256, &height, &width);  // int(256 * 500 / 375) = 341
  EXPECT_EQ(height, 256);
  EXPECT_EQ(width, 341);
  shorter_side_size(500, 375, 256, &height, &width);
  EXPECT_EQ(height, 341);
  EXPECT_EQ(width, 256);
  shorter_side_size(300, 300, 224, &height, &width);
  EXPECT_EQ(height, 224);
  EXPECT_EQ(width, 224);
}

TEST(ImagePreprocessing, CenterCropRoundsOffsetsHalfToEven) {
  // A 5x7 image whose pixel is 10 * row + column. Cropping 2x2: top round(1.5) = 2,
  // left round(2.5) = 2 (Python's round, as torchvision's CenterCrop).
  std::vector<uint8_t> pixels;
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 7; ++x) pixels.push_back(static_cast<uint8_t>(10 * y + x));
  }
  const Image image = make_image(5, 7, 1, pixels);
  EXPECT_EQ(center_crop(image, 2, 2).pixels, (std::vector<uint8_t>{22, 23, 32, 33}));
  // 3x4: top round(1) = 1, left round(1.5) = 2.
  EXPECT_EQ(center_crop(image, 3, 4).pixels,
            (std::vector<uint8_t>{12, 13, 14, 15, 22, 23, 24, 25, 32, 33, 34, 35}));
  // 4x6: top round(0.5) = 0, left round(0.5) = 0.
  EXPECT_EQ(center_crop(image, 4, 6).at(0, 0, 0), 0);
}

TEST(ImagePreprocessing, NormalizesLikeToTensorThenNormalize) {
  // An NCHW [1,3,1,2] source input: runtime [1,1,2,3].
  const Image image = make_image(1, 2, 3, {255, 0, 51, 102, 204, 255});
  qrun_image_preprocessing steps = plain(3);
  const float mean[3] = {0.5f, 0.25f, 0.2f};
  const float std[3] = {0.25f, 0.5f, 2.0f};
  for (int c = 0; c < 3; ++c) steps.mean[c] = mean[c], steps.std[c] = std[c];
  std::vector<float> values;
  const Status status =
      preprocess_image("x.png", image, steps, input_of_shape({1, 1, 2, 3}), &values);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(values.size(), 6u);
  EXPECT_EQ(values[0], 2.0f);   // (1 - 0.5) / 0.25
  EXPECT_EQ(values[1], -0.5f);  // (0 - 0.25) / 0.5
  EXPECT_EQ(values[2], 0.0f);   // (0.2 - 0.2) / 2 in float32
  EXPECT_EQ(values[4], 1.1f);   // (0.8 - 0.25) / 0.5 in float32
  EXPECT_EQ(values[5], 0.4f);   // (1 - 0.2) / 2
  // Bit for bit the float32 expression, for every value.
  for (int i = 0; i < 6; ++i) {
    const float expected =
        (static_cast<float>(image.pixels[i]) / 255.0f - mean[i % 3]) / std[i % 3];
    EXPECT_EQ(values[i], expected) << i;
  }
}

TEST(ImagePreprocessing, BgrTakesChannelsInReverseAndMeanInTheModelsOrder) {
  const Image image = make_image(1, 1, 3, {255, 0, 51});  // R, G, B
  qrun_image_preprocessing steps = plain(3);
  steps.channel_order = QRUN_BGR;
  steps.mean[0] = 0.2f;  // for B, the model's first channel
  std::vector<float> values;
  ASSERT_TRUE(preprocess_image("x.png", image, steps, input_of_shape({1, 1, 1, 3}), &values).ok());
  EXPECT_EQ(values, (std::vector<float>{51 / 255.0f - 0.2f, 0.0f, 1.0f}));
}

TEST(ImagePreprocessing, LayoutPlacesValuesAsTheConverterMovedTheInput) {
  // A 2x3 RGB image whose value is 100 * channel + 10 * row + column, mean 0, std 1.
  std::vector<uint8_t> pixels;
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 3; ++x) {
      for (int c = 0; c < 3; ++c) pixels.push_back(static_cast<uint8_t>(100 * c + 10 * y + x));
    }
  }
  const Image image = make_image(2, 3, 3, pixels);
  qrun_image_preprocessing steps = plain(3);
  // NCHW source [1,3,2,3]: runtime NHWC [1,2,3,3], value (y, x, c) at (y * 3 + x) * 3 + c.
  std::vector<float> nchw;
  ASSERT_TRUE(preprocess_image("x.png", image, steps, input_of_shape({1, 2, 3, 3}), &nchw).ok());
  EXPECT_EQ(nchw[(1 * 3 + 2) * 3 + 1], 112 / 255.0f);
  // NHWC source [1,2,3,3] is read as NCHW by the converter: runtime [1,3,3,2], value (y, x, c)
  // at (x * 3 + c) * 2 + y.
  steps.source_layout = QRUN_NHWC;
  std::vector<float> nhwc;
  ASSERT_TRUE(preprocess_image("x.png", image, steps, input_of_shape({1, 3, 3, 2}), &nhwc).ok());
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 3; ++x) {
      for (int c = 0; c < 3; ++c) {
        EXPECT_EQ(nhwc[(x * 3 + c) * 2 + y], (100 * c + 10 * y + x) / 255.0f);
      }
    }
  }
}

TEST(ImagePreprocessing, ResizeThenCropThenNormalize) {
  // 4x6 grey, shorter side to 2 (-> 2x3), crop 2x2 (left round(0.5) = 0).
  std::vector<uint8_t> pixels(24);
  for (int i = 0; i < 24; ++i) pixels[i] = static_cast<uint8_t>(i * 10);
  const Image image = make_image(4, 6, 1, pixels);
  qrun_image_preprocessing steps = plain(1);
  steps.resize_shorter_side = 2;
  steps.crop_height = steps.crop_width = 2;
  std::vector<float> values;
  const Status status =
      preprocess_image("x.png", image, steps, input_of_shape({1, 2, 2, 1}), &values);
  ASSERT_TRUE(status.ok()) << status.message();
  // Halving samples source positions 0.5 and 2.5: means of 2x2 blocks, e.g. (0+10+60+70)/4 = 35.
  EXPECT_EQ(values, (std::vector<float>{35 / 255.0f, 55 / 255.0f, 155 / 255.0f, 175 / 255.0f}));
}

TEST(ImagePreprocessing, ImageOfTheWrongSizeIsRefused) {
  std::vector<float> values;
  const Status status = preprocess_image("cat.png", make_image(3, 5, 1, std::vector<uint8_t>(15)),
                                         plain(1), input_of_shape({1, 4, 4, 1}), &values);
  EXPECT_EQ(status.message(),
            "cat.png: the image is 3x5 (height x width), but input 'x' takes 4x4 images");
  qrun_image_preprocessing crop = plain(1);
  crop.crop_height = crop.crop_width = 4;
  EXPECT_EQ(preprocess_image("cat.png", make_image(3, 5, 1, std::vector<uint8_t>(15)), crop,
                             input_of_shape({1, 4, 4, 1}), &values)
                .message(),
            "cat.png: the image is 3x5 (height x width), smaller than the center crop 4x4");
}

TEST(ImagePreprocessing, StepsThatCannotFeedTheInputAreRefused) {
  qrun_image_preprocessing steps = plain(3);
  EXPECT_EQ(check_preprocessing(steps, input_of_shape({1, 4, 4, 1})).message(),
            "image preprocessing for 3 channels, but input 'x' [1,4,4,1] has 1 (NCHW)");
  EXPECT_EQ(check_preprocessing(steps, input_of_shape({1, 10})).message(),
            "input 'x' [1,10] cannot take an image: it needs a 4-D input of batch 1");
  EXPECT_EQ(check_preprocessing(steps, input_of_shape({1, 4, 4, 2})).message(),
            "input 'x' [1,4,4,2] has 2 channels if its source layout is NCHW; images have 1 or 3");
  steps.crop_height = steps.crop_width = 3;
  EXPECT_EQ(check_preprocessing(steps, input_of_shape({1, 4, 4, 3})).message(),
            "center crop 3x3 gives images of that size, but input 'x' [1,4,4,3] takes 4x4 (NCHW)");
  steps = plain(3);
  steps.std[1] = 0.0f;
  EXPECT_FALSE(check_preprocessing(steps, input_of_shape({1, 4, 4, 3})).ok());
  steps = plain(3);
  steps.resize_height = 4;
  EXPECT_EQ(check_preprocessing(steps, input_of_shape({1, 4, 4, 3})).message(),
            "a resize or crop size needs both a height and a width");
  EXPECT_TRUE(check_preprocessing(plain(3), input_of_shape({1, 4, 4, 3})).ok());
}

TEST(ImagePreprocessing, DescribesItself) {
  qrun_image_preprocessing steps = plain(3);
  steps.resize_shorter_side = 256;
  steps.crop_height = steps.crop_width = 224;
  steps.mean[0] = 0.485f, steps.mean[1] = 0.456f, steps.mean[2] = 0.406f;
  steps.std[0] = 0.229f, steps.std[1] = 0.224f, steps.std[2] = 0.225f;
  EXPECT_EQ(describe_preprocessing(steps),
            "resize shorter side to 256, center crop 224x224, RGB, mean 0.485,0.456,0.406, std "
            "0.229,0.224,0.225, source layout NCHW");
}

}  // namespace
}  // namespace qrun::tools
