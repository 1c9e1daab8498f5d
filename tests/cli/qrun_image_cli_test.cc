// `qrun model.qfb image.png`: the image goes through the preprocessing the model stores and gives
// the very output bytes of the same values given as a .npy; and the failures a user meets.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "image_files.h"
#include "image_preprocessing.h"
#include "npy.h"
#include "qfb_test_model.h"

namespace {

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// A 4x6 RGB image whose pixels run through the whole 0..255 range.
std::vector<uint8_t> test_pixels(int height, int width) {
  std::vector<uint8_t> pixels(static_cast<size_t>(height) * width * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 53 % 256);
  return pixels;
}

class QrunImageCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/qrun_image_cli_" + std::to_string(getpid());
    mkdir(dir_.c_str(), 0755);
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  Result qrun(const std::string& args) {
    const std::string out = dir_ + "/stdout", err = dir_ + "/stderr";
    const int status =
        std::system((std::string(QRUN_BINARY) + " " + args + " >" + out + " 2>" + err).c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }
  std::string write_model(const qrun::testing::TestModel& model) {
    const std::string path = dir_ + "/model.qfb";
    model.write(path);
    return path;
  }
  std::string write_png(const std::string& name, int height, int width) {
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(qrun::testing::write_png(path, height, width, 3, test_pixels(height, width)));
    return path;
  }
  std::string write_npy(const std::string& name, const std::vector<float>& values) {
    qrun::tools::NpyArray array;
    array.shape = {1, 4, 4, 3};
    array.data.resize(values.size() * sizeof(float));
    std::memcpy(array.data.data(), values.data(), array.data.size());
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(qrun::tools::write_npy(path, array).ok());
    return path;
  }
  // Runs the model on both inputs and expects the same printout and the same raw output bytes.
  void expect_same_output(const std::string& model, const std::string& image,
                          const std::string& npy) {
    const Result from_image = qrun(model + " " + image + " --raw -o " + dir_ + "/image_out.npy");
    ASSERT_EQ(from_image.exit_code, 0) << from_image.err;
    const Result from_npy = qrun(model + " " + npy + " --raw -o " + dir_ + "/npy_out.npy");
    ASSERT_EQ(from_npy.exit_code, 0) << from_npy.err;
    EXPECT_EQ(from_image.out, from_npy.out);
    EXPECT_EQ(slurp(dir_ + "/image_out.npy"), slurp(dir_ + "/npy_out.npy"));
    EXPECT_FALSE(slurp(dir_ + "/image_out.npy").empty());
  }

  std::string dir_;
};

TEST_F(QrunImageCli, AnImageGivesTheOutputOfItsPreprocessedValues) {
  qrun::testing::TestPreprocessing steps;
  steps.mean = {0.5f, 0.4f, 0.3f};
  steps.std_dev = {0.25f, 0.5f, 2.0f};
  steps.channel_order = qrun::fb::ChannelOrder::BGR;
  const std::string model = write_model(qrun::testing::image_int8_model(steps));
  const std::string image = write_png("image.png", 4, 4);
  // Spelled out: the model's channel c is the image's channel 2 - c (BGR), NHWC as the runtime's.
  const std::vector<uint8_t> pixels = test_pixels(4, 4);
  std::vector<float> values;
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      for (int c = 0; c < 3; ++c) {
        const float pixel = pixels[(y * 4 + x) * 3 + (2 - c)];
        values.push_back((pixel / 255.0f - steps.mean[c]) / steps.std_dev[c]);
      }
    }
  }
  expect_same_output(model, image, write_npy("preprocessed.npy", values));
}

TEST_F(QrunImageCli, ResizeAndCropAsStored) {
  qrun::testing::TestPreprocessing steps;
  steps.resize_shorter_side = 4;
  steps.crop_height = steps.crop_width = 4;
  steps.mean = {0.485f, 0.456f, 0.406f};
  steps.std_dev = {0.229f, 0.224f, 0.225f};
  const std::string model = write_model(qrun::testing::image_int8_model(steps));
  // 6x9 -> shorter side 4 -> 4x6 -> center 4x4.
  const std::string image = write_png("photo.png", 6, 9);
  qrun::tools::Image decoded{6, 9, 3, test_pixels(6, 9)};
  qrun_image_preprocessing stored{};
  stored.resize_shorter_side = 4;
  stored.crop_height = stored.crop_width = 4;
  stored.channels = 3;
  for (int c = 0; c < 3; ++c) stored.mean[c] = steps.mean[c], stored.std[c] = steps.std_dev[c];
  qrun_tensor_info input{};
  input.name = "image";
  input.rank = 4;
  input.shape[0] = 1, input.shape[1] = 4, input.shape[2] = 4, input.shape[3] = 3;
  std::vector<float> values;
  ASSERT_TRUE(qrun::tools::preprocess_image("photo.png", decoded, stored, input, &values).ok());
  expect_same_output(model, image, write_npy("preprocessed.npy", values));

  const Result info = qrun("--info " + model);
  EXPECT_NE(info.out.find("input  0: image int8[1,4,4,3] scale=0.015625 zp=0\n"
                          "         images: resize shorter side to 4, center crop 4x4, RGB, mean "
                          "0.485,0.456,0.406, std 0.229,0.224,0.225, source layout NCHW\n"),
            std::string::npos)
      << info.out;
}

TEST_F(QrunImageCli, AModelWithoutPreprocessingRefusesImages) {
  const std::string model = write_model(qrun::testing::small_int8_model());
  const std::string image = write_png("image.jpg", 4, 4);
  const Result r = qrun(model + " " + image);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "qrun: " + image +
                       ": the model stores no image preprocessing for input input int8[1,4,4,2] "
                       "scale=0.05 zp=-3 (convert it with qconvert --calib on images, or with "
                       "--resize, --crop, --mean, --std, --bgr or --layout), so give the input as "
                       ".npy or .bin\n");
}

TEST_F(QrunImageCli, UndecodableAndMisfittingImages) {
  qrun::testing::TestPreprocessing steps;
  steps.mean = {0, 0, 0};
  steps.std_dev = {1, 1, 1};
  const std::string model = write_model(qrun::testing::image_int8_model(steps));
  const std::string garbage = dir_ + "/garbage.jpg";
  std::ofstream(garbage) << "this is not a JPEG";
  const Result bad = qrun(model + " " + garbage + " -o " + dir_ + "/out.npy");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err, "qrun: " + garbage +
                         ": not a PNG or JPEG image that can be decoded (unknown image type)\n");
  EXPECT_NE(access((dir_ + "/out.npy").c_str(), F_OK), 0) << "an output file was left behind";
  const std::string big = write_png("big.png", 5, 4);
  const Result misfit = qrun(model + " " + big);
  EXPECT_EQ(misfit.exit_code, 1);
  EXPECT_EQ(misfit.err, "qrun: " + big +
                            ": the image is 5x4 (height x width), but input 'image' takes 4x4 "
                            "images\n");
}

}  // namespace
