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
  return 0;
}
