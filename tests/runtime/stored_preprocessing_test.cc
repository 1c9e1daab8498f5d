// The image preprocessing a .qfb stores for an input: read back through the C API as written, and
// every entry that cannot describe the input's images refused at load with a message.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "qfb_test_model.h"
#include "qrun/qrun.hpp"

namespace qrun {
namespace {

testing::TestPreprocessing imagenet_style() {
  testing::TestPreprocessing p;
  p.resize_shorter_side = 6;
  p.crop_height = p.crop_width = 4;
  p.mean = {0.485f, 0.456f, 0.406f};
  p.std_dev = {0.229f, 0.224f, 0.225f};
  p.channel_order = fb::ChannelOrder::BGR;
  return p;
}

std::string load_error(const testing::TestModel& m) {
  const std::vector<uint8_t> bytes = m.serialize();
  Model model;
  const Status status = model.load_buffer(bytes.data(), bytes.size());
  return status.ok() ? "" : status.message();
}

TEST(StoredPreprocessing, ReadsBackAsWritten) {
  const std::vector<uint8_t> bytes = testing::image_int8_model(imagenet_style()).serialize();
  Model model;
  ASSERT_TRUE(model.load_buffer(bytes.data(), bytes.size()).ok());
  bool stored = false;
  qrun_image_preprocessing steps{};
  ASSERT_TRUE(model.input_preprocessing(0, &stored, &steps).ok());
  ASSERT_TRUE(stored);
  EXPECT_EQ(steps.resize_shorter_side, 6);
  EXPECT_EQ(steps.resize_height, 0);
  EXPECT_EQ(steps.crop_height, 4);
  EXPECT_EQ(steps.crop_width, 4);
  EXPECT_EQ(steps.channels, 3);
  EXPECT_EQ(steps.mean[2], 0.406f);
  EXPECT_EQ(steps.std[0], 0.229f);
  EXPECT_EQ(steps.channel_order, QRUN_BGR);
  EXPECT_EQ(steps.source_layout, QRUN_NCHW);
  EXPECT_EQ(model.input_preprocessing(1, &stored, &steps).message(), "input 1 does not exist");
}

TEST(StoredPreprocessing, AModelWithoutItSaysSo) {
  const std::vector<uint8_t> bytes = testing::small_int8_model().serialize();
  Model model;
  ASSERT_TRUE(model.load_buffer(bytes.data(), bytes.size()).ok());
  bool stored = true;
  qrun_image_preprocessing steps{};
  ASSERT_TRUE(model.input_preprocessing(0, &stored, &steps).ok());
  EXPECT_FALSE(stored);
}

TEST(StoredPreprocessing, EntriesThatCannotDescribeTheInputAreRefused) {
  const std::string where = "<buffer>: preprocessing 0";
  auto spoiled = [](auto change) {
    testing::TestPreprocessing p = imagenet_style();
    change(p);
    return testing::image_int8_model(p);
  };
  EXPECT_EQ(load_error(spoiled([](auto& p) { p.input = 1; })),
            where + " is for input 1, which does not exist");
  EXPECT_EQ(load_error(spoiled([](auto& p) { p.mean = {0.5f}; })),
            where + ": needs one mean per channel (3)");
  EXPECT_EQ(load_error(spoiled([](auto& p) { p.std_dev[1] = 0.0f; })),
            where + ": std 0.000000 is not positive");
  EXPECT_EQ(load_error(spoiled([](auto& p) { p.mean[0] = NAN; })),
            where + ": mean nan is not finite");
  EXPECT_EQ(load_error(spoiled([](auto& p) { p.crop_height = 5; })),
            where + ": gives 5x4 images, but input 'image' takes 4x4");
  EXPECT_EQ(
      load_error(spoiled([](auto& p) { p.resize_height = 4; })),
      where + ": resize and crop sizes need both a height and a width, and one resize at most");
  EXPECT_EQ(load_error(spoiled([](auto& p) { p.resize_shorter_side = -1; })),
            where + ": size -1 is outside [0, 16384]");
  EXPECT_EQ(
      load_error(spoiled([](auto& p) { p.channel_order = static_cast<fb::ChannelOrder>(7); })),
      where + ": unknown channel order 7");
  // Read as NHWC, the [1,4,4,3] runtime input is a [1,3,4,4] source: 4 channels.
  EXPECT_EQ(load_error(spoiled([](auto& p) { p.source_layout = fb::SourceLayout::NHWC; })),
            where +
                ": input 'image' [1,4,4,3] has 4 channels in its source layout; images have 1 "
                "or 3");
  testing::TestModel twice = testing::image_int8_model(imagenet_style());
  twice.add_preprocessing(imagenet_style());
  EXPECT_EQ(load_error(twice), "<buffer>: preprocessing 1 is the second one for input 0");
  testing::TestModel not_an_image = testing::small_int8_model();
  not_an_image.add_preprocessing(imagenet_style());
  EXPECT_EQ(load_error(not_an_image),
            where +
                ": input 'input' [1,4,4,2] has 2 channels in its source layout; images have 1 "
                "or 3");
  EXPECT_EQ(load_error(testing::image_int8_model(imagenet_style())), "");
}

TEST(StoredPreprocessing, SingleByteChangesNeverCrash) {
  const std::vector<uint8_t> bytes = testing::image_int8_model(imagenet_style()).serialize();
  std::mt19937 random(99);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> damaged = bytes;
    const size_t at = random() % damaged.size();
    damaged[at] = static_cast<uint8_t>(damaged[at] ^ (1 + random() % 255));
    Model model;
    const Status status = model.load_buffer(damaged.data(), damaged.size());
    if (!status.ok()) {
      EXPECT_FALSE(status.message().empty());
      continue;
    }
    bool stored = false;
    qrun_image_preprocessing steps{};
    ASSERT_TRUE(model.input_preprocessing(0, &stored, &steps).ok());
    if (!stored) continue;
    EXPECT_TRUE(steps.channels == 1 || steps.channels == 3);
    for (int c = 0; c < steps.channels; ++c) EXPECT_GT(steps.std[c], 0.0f);
  }
}

}  // namespace
}  // namespace qrun
