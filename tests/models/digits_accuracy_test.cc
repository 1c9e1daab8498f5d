// The shipped example model, converted by qconvert (int8 and float) before this test runs: int8
// accuracy on the held-out split must stay within 1 point of float, and the int8 file must be at
// most 30% of the ONNX file's size.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "npy.h"
#include "qrun/qrun.hpp"

namespace {

size_t file_size(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 ? static_cast<size_t>(info.st_size) : 0;
}

double accuracy(const std::string& model_path) {
  qrun::tools::NpyArray images, labels;
  EXPECT_TRUE(qrun::tools::read_npy(QRUN_DIGITS_DIR "/test_images.npy", &images).ok());
  EXPECT_TRUE(qrun::tools::read_npy(QRUN_DIGITS_DIR "/test_labels.npy", &labels).ok());
  const std::vector<float> pixels = images.to_float();
  const std::vector<int64_t> truth = labels.to_int64();
  qrun::Model model;
  const qrun::Status loaded = model.load_file(model_path);
  EXPECT_TRUE(loaded.ok()) << loaded.message();
  if (!loaded.ok()) return 0.0;
  const size_t per_image = pixels.size() / truth.size();
  std::vector<float> image(per_image), scores(10);
  size_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    std::copy(pixels.begin() + i * per_image, pixels.begin() + (i + 1) * per_image, image.begin());
    EXPECT_TRUE(model.set_input_float(0, image).ok());
    EXPECT_TRUE(model.run().ok());
    EXPECT_TRUE(model.get_output_float(0, &scores).ok());
    const size_t predicted = std::max_element(scores.begin(), scores.end()) - scores.begin();
    correct += predicted == static_cast<size_t>(truth[i]);
  }
  return 100.0 * static_cast<double>(correct) / static_cast<double>(truth.size());
}

TEST(DigitsExample, Int8AccuracyWithinOnePointOfFloat) {
  const double fp32 = accuracy(QRUN_DIGITS_FLOAT_QFB);
  const double int8 = accuracy(QRUN_DIGITS_INT8_QFB);
  std::printf("digits held-out accuracy: fp32 %.2f%%, int8 %.2f%%\n", fp32, int8);
  EXPECT_GT(fp32, 90.0);
  EXPECT_GE(int8, fp32 - 1.0);
}

TEST(DigitsExample, Int8FileIsAtMostThirtyPercentOfTheOnnxFile) {
  const size_t onnx = file_size(QRUN_DIGITS_DIR "/digits.onnx");
  const size_t qfb = file_size(QRUN_DIGITS_INT8_QFB);
  ASSERT_GT(onnx, 0u);
  ASSERT_GT(qfb, 0u);
  std::printf("digits.onnx %zu bytes, int8 .qfb %zu bytes (%.1f%%)\n", onnx, qfb,
              100.0 * static_cast<double>(qfb) / static_cast<double>(onnx));
  EXPECT_LE(static_cast<double>(qfb), 0.30 * static_cast<double>(onnx));
}

}  // namespace
