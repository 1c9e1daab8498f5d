// Image files through stb_image: PNG pixels come back exactly (grey and alpha handled as stated),
// a JPEG decodes to the same pixels on every machine (the same hash under qemu on ARM as on x86),
// and a file that is not a whole image is refused with its name and the reason.
#include "image_decode.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "image_files.h"
#include "image_input.h"
#include "image_preprocessing.h"

namespace qrun::tools {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/image_decode_" + std::to_string(getpid()) + "_" + name;
}

uint64_t fnv1a(const std::vector<uint8_t>& bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (uint8_t b : bytes) hash = (hash ^ b) * 1099511628211ull;
  return hash;
}

TEST(ImageDecode, PngPixelsComeBackExactly) {
  const std::vector<uint8_t> rgb = {255, 0,  0,  0,   255, 0,  0, 0, 255,
                                    10,  20, 30, 200, 100, 50, 7, 7, 7};
  const std::string path = temp_path("rgb.png");
  ASSERT_TRUE(testing::write_png(path, 2, 3, 3, rgb));
  Image image;
  Status status = decode_image(path, 3, &image);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(image.height, 2);
  EXPECT_EQ(image.width, 3);
  EXPECT_EQ(image.pixels, rgb);
  // Grey is (77 R + 150 G + 29 B) >> 8.
  ASSERT_TRUE(decode_image(path, 1, &image).ok());
  std::vector<uint8_t> grey;
  for (size_t i = 0; i < rgb.size(); i += 3) {
    grey.push_back(static_cast<uint8_t>((77 * rgb[i] + 150 * rgb[i + 1] + 29 * rgb[i + 2]) >> 8));
  }
  EXPECT_EQ(image.pixels, grey);
  unlink(path.c_str());
}

TEST(ImageDecode, GreyIsRepeatedAndAlphaDropped) {
  const std::string grey_path = temp_path("grey.png");
  ASSERT_TRUE(testing::write_png(grey_path, 1, 2, 1, {9, 250}));
  Image image;
  ASSERT_TRUE(decode_image(grey_path, 3, &image).ok());
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{9, 9, 9, 250, 250, 250}));
  const std::string rgba_path = temp_path("rgba.png");
  ASSERT_TRUE(testing::write_png(rgba_path, 1, 2, 4, {1, 2, 3, 0, 4, 5, 6, 128}));
  ASSERT_TRUE(decode_image(rgba_path, 3, &image).ok());
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  unlink(grey_path.c_str());
  unlink(rgba_path.c_str());
}

TEST(ImageDecode, JpegDecodesToTheSamePixelsEverywhere) {
  // A 12x16 gradient saved by PIL at quality 90 with 4:2:0 chroma: integer IDCT and upsampling,
  // stb_image's scalar code (no SIMD), so every machine gets these bytes (within 2 of what
  // libjpeg gives through PIL, mean difference 0.11).
  Image image;
  const Status status = decode_image(QRUN_TEST_IMAGES_DIR "/gradient_12x16.jpg", 3, &image);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(image.height, 12);
  EXPECT_EQ(image.width, 16);
  EXPECT_EQ(fnv1a(image.pixels), 17335473059009891504ull);
}

TEST(ImageDecode, PalettesAndSixteenBitPngs) {
  // PIL wrote a 5x7 palette image whose pixel i has colour (3 i) % 4 of this palette.
  const uint8_t palette[4][3] = {{255, 0, 0}, {0, 128, 255}, {20, 200, 40}, {250, 250, 250}};
  Image image;
  ASSERT_TRUE(decode_image(QRUN_TEST_IMAGES_DIR "/palette_5x7.png", 3, &image).ok());
  ASSERT_EQ(image.pixels.size(), 5u * 7 * 3);
  for (int i = 0; i < 35; ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(image.pixels[i * 3 + c], palette[i * 3 % 4][c]) << i;
  }
  // A 3x4 16-bit grey image of 5461 i + 7: 8 bits are its high byte.
  ASSERT_TRUE(decode_image(QRUN_TEST_IMAGES_DIR "/grey16_3x4.png", 1, &image).ok());
  ASSERT_EQ(image.pixels.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(image.pixels[i], (5461 * i + 7) >> 8) << i;
}

TEST(ImageDecode, JpegHuffmanTablesTooLargeForStbAreRefused) {
  std::ifstream in(QRUN_TEST_IMAGES_DIR "/gradient_12x16.jpg", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t dht = bytes.find("\xff\xc4");
  ASSERT_NE(dht, std::string::npos);
  // The first table's 16 code counts (after the marker, the length and the class byte): 20 each
  // declares 320 codes, more than the 256 stb_image's table holds.
  for (size_t i = 0; i < 16; ++i) bytes[dht + 5 + i] = 20;
  Image image;
  EXPECT_EQ(decode_image_bytes("bad.jpg", reinterpret_cast<const uint8_t*>(bytes.data()),
                               bytes.size(), 3, &image)
                .message(),
            "bad.jpg: a corrupt JPEG (a Huffman table of 320 codes; at most 256)");
}

TEST(ImageDecode, JpegScansWithUndefinedHuffmanTablesAreRefused) {
  std::ifstream in(QRUN_TEST_IMAGES_DIR "/gradient_12x16.jpg", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t sos = bytes.find("\xff\xda");
  ASSERT_NE(sos, std::string::npos);
  // The first component's table selectors (after the marker, the length, the component count
  // and its id): DC and AC table 3, which no DHT defines; stb_image would decode with whatever
  // its unset memory holds.
  bytes[sos + 6] = 0x33;
  Image image;
  EXPECT_EQ(decode_image_bytes("bad.jpg", reinterpret_cast<const uint8_t*>(bytes.data()),
                               bytes.size(), 3, &image)
                .message(),
            "bad.jpg: a corrupt JPEG (a scan decodes with DC Huffman table 3, which is not "
            "defined)");
}

TEST(ImageDecode, FilesThatAreNotWholeImagesAreRefused) {
  const std::string text = temp_path("text.png");
  std::ofstream(text) << "not an image";
  Image image;
  EXPECT_EQ(decode_image(text, 3, &image).message(),
            text + ": not a PNG or JPEG image that can be decoded (unknown image type)");
  const std::string png = temp_path("cut.png");
  ASSERT_TRUE(testing::write_png(png, 8, 8, 3, std::vector<uint8_t>(192, 77)));
  std::ifstream in(png, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(png, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  const Status cut = decode_image(png, 3, &image);
  EXPECT_EQ(cut.message().rfind(png + ": cannot decode the image (", 0), 0u) << cut.message();
  EXPECT_EQ(decode_image(temp_path("missing.png"), 3, &image).message(),
            temp_path("missing.png") + ": cannot open file (No such file or directory)");
  unlink(text.c_str());
  unlink(png.c_str());
}

TEST(ImageInput, DecodesThenPreprocesses) {
  std::vector<uint8_t> rgb(4 * 6 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 11);
  const std::string path = temp_path("input.PNG");
  ASSERT_TRUE(testing::write_png(path, 4, 6, 3, rgb));
  EXPECT_TRUE(is_image_path(path));
  EXPECT_TRUE(is_image_path("a.jpeg"));
  EXPECT_FALSE(is_image_path("png"));
  EXPECT_FALSE(is_image_path("a.png/x.npy"));
  qrun_image_preprocessing steps{};
  steps.channels = 3;
  steps.resize_shorter_side = 3;
  steps.crop_height = steps.crop_width = 3;
  steps.mean[1] = 0.5f;
  steps.std[0] = steps.std[1] = steps.std[2] = 0.25f;
  qrun_tensor_info input{};
  input.name = "x";
  input.rank = 4;
  input.shape[0] = 1, input.shape[1] = 3, input.shape[2] = 3, input.shape[3] = 3;
  std::vector<float> values;
  const Status status = load_image_input(path, steps, input, &values);
  ASSERT_TRUE(status.ok()) << status.message();
  Image image;
  image.height = 4, image.width = 6, image.channels = 3, image.pixels = rgb;
  std::vector<float> expected;
  ASSERT_TRUE(preprocess_image(path, image, steps, input, &expected).ok());
  EXPECT_EQ(values, expected);
  unlink(path.c_str());
}

}  // namespace
}  // namespace qrun::tools
