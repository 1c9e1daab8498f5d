// Writes the fuzzer's seed corpus: small valid models that reach every loader check.
#include <cstdio>
#include <string>

#include "qfb_test_model.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_corpus DIR\n");
    return 2;
  }
  qrun::testing::small_int8_model().write(std::string(argv[1]) + "/small_int8.qfb");
  qrun::testing::data_movement_int8_model().write(std::string(argv[1]) + "/data_movement_int8.qfb");
  qrun::testing::TestPreprocessing preprocessing;
  preprocessing.resize_shorter_side = 5;
  preprocessing.crop_height = preprocessing.crop_width = 4;
  preprocessing.mean = {0.485f, 0.456f, 0.406f};
  preprocessing.std_dev = {0.229f, 0.224f, 0.225f};
  qrun::testing::image_int8_model(preprocessing).write(std::string(argv[1]) + "/image_int8.qfb");
  qrun::testing::resize_shuffle_int8_model().write(std::string(argv[1]) +
                                                   "/resize_shuffle_int8.qfb");
  return 0;
}
