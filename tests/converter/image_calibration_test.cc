// Calibration samples in every form qconvert takes: PNG images through the image options give the
// runtime exactly the values of their preprocessed .npy (NCHW and NHWC source models alike), so a
// model calibrated on images is the very file calibrated on those .npy files, with the
// preprocessing stored; raw .bin samples with --calib-shape likewise; and the refusals.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "converter/calibration_samples.h"
#include "converter/command_line.h"
#include "image_files.h"
#include "onnx_builder.h"
#include "qfb_generated.h"
#include "runtime/tools/npy.h"

namespace qrun::converter {
namespace {

namespace fs = std::filesystem;
using testing::OnnxBuilder;

struct CliResult {
  int exit_code;
  std::string out, err;
};

CliResult Qconvert(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunQconvert(args, out, err);
  return {code, out.str(), err.str()};
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteNpy(const std::string& path, const std::vector<int64_t>& shape,
              const std::vector<float>& values) {
  tools::NpyArray array;
  array.shape = shape;
  array.data.resize(values.size() * sizeof(float));
  std::memcpy(array.data.data(), values.data(), array.data.size());
  ASSERT_TRUE(tools::write_npy(path, array).ok());
}

// An RGB image whose pixels differ from one seed to the next.
std::vector<uint8_t> Pixels(int height, int width, uint32_t seed) {
  std::vector<uint8_t> pixels(static_cast<size_t>(height) * width * 3);
  for (size_t i = 0; i < pixels.size(); ++i) {
    pixels[i] = static_cast<uint8_t>((i * 89 + seed * 41 + (i * i) % 7) % 256);
  }
  return pixels;
}

// The image options of these tests, spelled out: the model's channel c is the image's 2 - c.
const float kMean[3] = {0.485f, 0.456f, 0.406f};
const float kStd[3] = {0.229f, 0.224f, 0.225f};
float Preprocessed(const std::vector<uint8_t>& pixels, int width, int y, int x, int c) {
  const float pixel = pixels[(static_cast<size_t>(y) * width + x) * 3 + (2 - c)];
  return (pixel / 255.0f - kMean[c]) / kStd[c];
}
const std::vector<std::string> kImageOptions = {"--mean", "0.485,0.456,0.406", "--std",
                                                "0.229,0.224,0.225", "--bgr"};

// Conv(3->4, 3x3, pad 1) + Relu -> GlobalAveragePool -> Flatten -> Gemm(4->5), on [1,3,6,6].
OnnxBuilder NchwModel() {
  OnnxBuilder b;
  b.input("x", {1, 3, 6, 6});
  b.initializer("conv_w", {4, 3, 3, 3}, testing::random_floats(108, -0.5f, 0.5f, 31));
  b.initializer("conv_b", {4}, {0.1f, -0.1f, 0.0f, 0.2f});
  b.initializer("fc_w", {5, 4}, testing::random_floats(20, -2, 2, 32));
  b.initializer("fc_b", {5}, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f});
  OnnxBuilder::set_ints(b.node("Conv", {"x", "conv_w", "conv_b"}, {"conv"}, "conv"), "pads",
                        {1, 1, 1, 1});
  b.node("Relu", {"conv"}, {"relu"}, "relu");
  b.node("GlobalAveragePool", {"relu"}, {"pooled"}, "gap");
  b.node("Flatten", {"pooled"}, {"flat"}, "flatten");
  OnnxBuilder::set_int(b.node("Gemm", {"flat", "fc_w", "fc_b"}, {"y"}, "fc"), "transB", 1);
  b.output("y");
  return b;
}

// Flatten -> Gemm(60->3) on an NHWC [1,4,5,3] image input, as a model exported from NHWC takes it.
OnnxBuilder NhwcModel() {
  OnnxBuilder b;
  b.input("x", {1, 4, 5, 3});
  b.initializer("fc_w", {3, 60}, testing::random_floats(180, -1, 1, 33));
  b.initializer("fc_b", {3}, {0.1f, 0.2f, 0.3f});
  b.node("Flatten", {"x"}, {"flat"}, "flatten");
  OnnxBuilder::set_int(b.node("Gemm", {"flat", "fc_w", "fc_b"}, {"y"}, "fc"), "transB", 1);
  b.output("y");
  return b;
}

class ImageCalibration : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    model_ = dir_ + "/model.onnx";
    NchwModel().save(model_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Three 6x6 PNG images in `images/` (and a note, which a folder's listing ignores), and their
  // preprocessed values as NCHW .npy files in `npy/` and raw float32 .bin files in `bin/`.
  void WriteSamples() {
    for (const char* folder : {"images", "npy", "bin"}) fs::create_directories(dir_ + "/" + folder);
    std::ofstream(dir_ + "/images/notes.txt") << "not a sample";
    for (uint32_t i = 0; i < 3; ++i) {
      const std::string name = "sample" + std::to_string(i);
      const std::vector<uint8_t> pixels = Pixels(6, 6, i);
      ASSERT_TRUE(qrun::testing::write_png(dir_ + "/images/" + name + ".png", 6, 6, 3, pixels));
      std::vector<float> nchw;
      for (int c = 0; c < 3; ++c) {
        for (int y = 0; y < 6; ++y) {
          for (int x = 0; x < 6; ++x) nchw.push_back(Preprocessed(pixels, 6, y, x, c));
        }
      }
      WriteNpy(dir_ + "/npy/" + name + ".npy", {1, 3, 6, 6}, nchw);
      std::ofstream(dir_ + "/bin/" + name + ".bin", std::ios::binary)
          .write(reinterpret_cast<const char*>(nchw.data()),
                 static_cast<std::streamsize>(nchw.size() * sizeof(float)));
    }
  }

  CliResult Convert(const std::string& output, std::vector<std::string> extra) {
    std::vector<std::string> args = {model_, "-o", dir_ + "/" + output};
    args.insert(args.end(), extra.begin(), extra.end());
    return Qconvert(args);
  }

  std::string dir_, model_;
};

TEST_F(ImageCalibration, ImagesCalibrateExactlyAsTheirPreprocessedNpy) {
  WriteSamples();
  std::vector<std::string> from_images = {"--calib", dir_ + "/images", "--resize",
                                          "6x6",     "--crop",         "6"};
  from_images.insert(from_images.end(), kImageOptions.begin(), kImageOptions.end());
  const CliResult images = Convert("images.qfb", from_images);
  ASSERT_EQ(images.exit_code, 0) << images.err;
  EXPECT_EQ(images.out.substr(images.out.find('\n') + 1),
            "images: resize to 6x6, center crop 6x6, BGR, mean 0.485,0.456,0.406, std "
            "0.229,0.224,0.225, source layout NCHW\n");
  EXPECT_NE(images.out.find("int8 calibrated on 3 samples"), std::string::npos) << images.out;
  // The same options, so that the same preprocessing is stored; .npy samples ignore them.
  std::vector<std::string> from_npy = {"--calib", dir_ + "/npy", "--resize", "6x6", "--crop", "6"};
  from_npy.insert(from_npy.end(), kImageOptions.begin(), kImageOptions.end());
  const CliResult npy = Convert("npy.qfb", from_npy);
  ASSERT_EQ(npy.exit_code, 0) << npy.err;
  const std::string file = ReadBytes(dir_ + "/images.qfb");
  EXPECT_EQ(file, ReadBytes(dir_ + "/npy.qfb"));

  const fb::Model* model = fb::GetModel(file.data());
  ASSERT_NE(model->preprocessing(), nullptr);
  ASSERT_EQ(model->preprocessing()->size(), 1u);
  const fb::Preprocessing* steps = model->preprocessing()->Get(0);
  EXPECT_EQ(steps->input(), 0);
  EXPECT_EQ(steps->resize_shorter_side(), 0);
  EXPECT_EQ(steps->resize_height(), 6);
  EXPECT_EQ(steps->resize_width(), 6);
  EXPECT_EQ(steps->crop_height(), 6);
  EXPECT_EQ(steps->crop_width(), 6);
  EXPECT_EQ(std::vector<float>(steps->mean()->begin(), steps->mean()->end()),
            std::vector<float>(kMean, kMean + 3));
  EXPECT_EQ(std::vector<float>(steps->std()->begin(), steps->std()->end()),
            std::vector<float>(kStd, kStd + 3));
  EXPECT_EQ(steps->channel_order(), fb::ChannelOrder::BGR);
  EXPECT_EQ(steps->source_layout(), fb::SourceLayout::NCHW);
}

TEST_F(ImageCalibration, RawBinSamplesWithTheirShape) {
  WriteSamples();
  const CliResult npy = Convert("npy.qfb", {"--calib", dir_ + "/npy"});
  ASSERT_EQ(npy.exit_code, 0) << npy.err;
  EXPECT_EQ(npy.out.find("images:"), std::string::npos) << "nothing asked for preprocessing";
  for (const char* shape : {"1,3,6,6", "3,6,6"}) {
    const CliResult bin = Convert("bin.qfb", {"--calib", dir_ + "/bin", "--calib-shape", shape});
    ASSERT_EQ(bin.exit_code, 0) << bin.err;
    EXPECT_EQ(ReadBytes(dir_ + "/bin.qfb"), ReadBytes(dir_ + "/npy.qfb")) << shape;
  }
}

TEST_F(ImageCalibration, NhwcSourceModelsTakeImagesInTheirLayout) {
  NhwcModel().save(model_);
  const std::vector<uint8_t> pixels = Pixels(4, 5, 7);
  const std::string image = dir_ + "/image.png";
  ASSERT_TRUE(qrun::testing::write_png(image, 4, 5, 3, pixels));
  std::vector<float> nhwc;
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 5; ++x) {
      for (int c = 0; c < 3; ++c) nhwc.push_back(Preprocessed(pixels, 5, y, x, c));
    }
  }
  WriteNpy(dir_ + "/image.npy", {1, 4, 5, 3}, nhwc);
  std::vector<std::string> options = {"--layout", "nhwc"};
  options.insert(options.end(), kImageOptions.begin(), kImageOptions.end());
  std::vector<std::string> from_image = {"--calib", image};
  from_image.insert(from_image.end(), options.begin(), options.end());
  const CliResult converted = Convert("image.qfb", from_image);
  ASSERT_EQ(converted.exit_code, 0) << converted.err;
  std::vector<std::string> from_npy = {"--calib", dir_ + "/image.npy"};
  from_npy.insert(from_npy.end(), options.begin(), options.end());
  ASSERT_EQ(Convert("npy.qfb", from_npy).exit_code, 0);
  EXPECT_EQ(ReadBytes(dir_ + "/image.qfb"), ReadBytes(dir_ + "/npy.qfb"));
  // The runtime input itself: the [1,4,5,3] source read as NCHW is [1,5,3,4] in the runtime.
  qrun_tensor_info input{};
  input.name = "x";
  input.rank = 4;
  input.shape[0] = 1, input.shape[1] = 5, input.shape[2] = 3, input.shape[3] = 4;
  CalibrationSamples samples;
  qrun_image_preprocessing steps{};
  steps.channels = 3;
  for (int c = 0; c < 3; ++c) steps.mean[c] = kMean[c], steps.std[c] = kStd[c];
  steps.channel_order = QRUN_BGR;
  steps.source_layout = QRUN_NHWC;
  samples.image_preprocessing = steps;
  std::vector<float> from_png, from_npy_file;
  ASSERT_TRUE(LoadSample(samples, image, input, &from_png).ok());
  ASSERT_TRUE(LoadSample(samples, dir_ + "/image.npy", input, &from_npy_file).ok());
  EXPECT_EQ(from_png, from_npy_file);
  EXPECT_EQ(from_png[0], nhwc[0]);
  EXPECT_NE(from_png, nhwc) << "the runtime's order is not the source's";
}

TEST_F(ImageCalibration, Refusals) {
  WriteSamples();
  const std::string bin = dir_ + "/bin/sample0.bin";
  CliResult r = Convert("m.qfb", {"--calib", bin});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, model_ + ": calibration sample '" + bin +
                       "' is raw float32 data: give its shape with --calib-shape\n");
  r = Convert("m.qfb", {"--calib", bin, "--calib-shape", "1,3,6,5"});
  EXPECT_EQ(r.err, model_ + ": calibration sample '" + bin +
                       "' holds 432 bytes, but --calib-shape [1,3,6,5] of float32 takes 360\n");
  r = Convert("m.qfb", {"--calib", bin, "--calib-shape", "1,6,6,3"});
  EXPECT_EQ(r.err, model_ + ": calibration sample '" + bin +
                       "' has shape [1,6,6,3] (--calib-shape), but input 'x' takes [1,3,6,6] "
                       "(NCHW, as in the ONNX model), with or without its batch dimension of 1\n");
  const std::string garbage = dir_ + "/garbage.jpg";
  std::ofstream(garbage) << "no JPEG here";
  r = Convert("m.qfb", {"--calib", garbage});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, model_ + ": calibration sample " + garbage +
                       ": not a PNG or JPEG image that can be decoded (unknown image type)\n");
  const std::string wide = dir_ + "/wide.png";
  ASSERT_TRUE(qrun::testing::write_png(wide, 6, 9, 3, Pixels(6, 9, 1)));
  r = Convert("m.qfb", {"--calib", wide});
  EXPECT_EQ(r.err, model_ + ": calibration sample " + wide +
                       ": the image is 6x9 (height x width), but input 'x' takes 6x6 images\n");
  r = Convert("m.qfb", {"--calib", wide, "--crop", "5"});
  EXPECT_EQ(r.err, model_ +
                       ": the image preprocessing does not fit the model: center crop 5x5 gives "
                       "images of that size, but input 'x' [1,6,6,3] takes 6x6 (NCHW)\n");
  r = Convert("m.qfb", {"--calib", wide, "--layout", "nhwc"});
  EXPECT_EQ(r.err, model_ +
                       ": the image preprocessing does not fit the model: input 'x' [1,6,6,3] has "
                       "6 channels if its source layout is NHWC; images have 1 or 3\n");
  r = Convert("m.qfb", {"--calib", dir_ + "/images", "--float", "--mean", "0.5,0.5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "qconvert: --mean wants one value or three (one per channel), not '0.5,0.5'");
  r = Convert("m.qfb", {"--float", "--resize", "0x7"});
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "qconvert: --resize wants N or HxW, sides from 1 to 16384, not '0x7'");
  r = Convert("m.qfb", {"--float", "--std", "1,-2,1"});
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "qconvert: --std: '-2' in '1,-2,1' is not a positive number");
  r = Convert("m.qfb", {"--float", "--layout", "chw"});
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "qconvert: --layout wants nchw or nhwc, not 'chw'");
  r = Convert("m.qfb", {"--calib", dir_ + "/images/notes.txt"});
  EXPECT_EQ(r.err, model_ + ": calibration sample '" + dir_ +
                       "/images/notes.txt' is not a .npy, .bin, .png, .jpg or .jpeg file\n");
  EXPECT_FALSE(fs::exists(dir_ + "/m.qfb"));
}

TEST_F(ImageCalibration, AFloatModelStoresTheOptions) {
  const CliResult r =
      Convert("float.qfb", {"--float", "--resize", "8", "--crop", "6", "--mean", "0.5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string file = ReadBytes(dir_ + "/float.qfb");
  const fb::Preprocessing* steps = fb::GetModel(file.data())->preprocessing()->Get(0);
  EXPECT_EQ(steps->resize_shorter_side(), 8);
  EXPECT_EQ(steps->crop_height(), 6);
  EXPECT_EQ(std::vector<float>(steps->mean()->begin(), steps->mean()->end()),
            (std::vector<float>{0.5f, 0.5f, 0.5f}));
  EXPECT_EQ(std::vector<float>(steps->std()->begin(), steps->std()->end()),
            (std::vector<float>{1, 1, 1}));
}

}  // namespace
}  // namespace qrun::converter
