// The qrun command line: what a user sees for good and bad input. Each failure is one clear line
// on stderr naming the file, and a non-zero exit; nothing is left half-written.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "npy.h"
#include "qfb_test_model.h"

namespace {

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

class QrunCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/qrun_cli_" + std::to_string(getpid());
    mkdir(dir_.c_str(), 0755);
    model_ = dir_ + "/model.qfb";
    qrun::testing::small_int8_model().write(model_);
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  Result qrun(const std::string& args) {
    const std::string out = dir_ + "/stdout", err = dir_ + "/stderr";
    const int status =
        std::system((std::string(QRUN_BINARY) + " " + args + " >" + out + " 2>" + err).c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::string dir_;
  std::string model_;
};

TEST_F(QrunCli, RunsAModelAndPrintsThePrediction) {
  const std::string input = write("input.bin", std::string(32, '\x05'));
  const Result r = qrun(model_ + " " + input + " -o " + dir_ + "/out.npy --repeat 3 --pin 0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("output 0: logits int8[1,4] scale=0.2 zp=0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("top-4:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("prediction: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("latency over 3 runs (1 threads, pinned to CPU 0): min "), std::string::npos)
      << r.out;
  qrun::tools::NpyArray out;
  ASSERT_TRUE(qrun::tools::read_npy(dir_ + "/out.npy", &out).ok());
  EXPECT_EQ(out.type, qrun::tools::NpyType::kFloat32);
  EXPECT_EQ(out.shape, (std::vector<int64_t>{1, 4}));
}

TEST_F(QrunCli, FloatInputOfTheRightSizeIsQuantized) {
  const std::string input = write("input.bin", std::string(32 * 4, '\0'));
  EXPECT_EQ(qrun(model_ + " " + input).exit_code, 0);
}

TEST_F(QrunCli, InfoListsOperatorsKernelsAndMemory) {
  const Result r = qrun("--info " + model_ + " --isa ref");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CONV_2D"), std::string::npos);
  EXPECT_NE(r.out.find("conv2d_qs8_reference"), std::string::npos);
  EXPECT_NE(r.out.find("per-channel(3)"), std::string::npos);
  EXPECT_NE(r.out.find("arena 128 bytes"), std::string::npos) << r.out;
}

TEST_F(QrunCli, InputOfTheWrongSize) {
  const std::string input = write("input.bin", std::string(31, '\0'));
  const Result r = qrun(model_ + " " + input + " -o " + dir_ + "/out.npy");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "qrun: " + input +
                       ": 31 bytes, model input input int8[1,4,4,2] scale=0.05 zp=-3 takes 32 "
                       "bytes (or 128 bytes of float32)\n");
  EXPECT_NE(access((dir_ + "/out.npy").c_str(), F_OK), 0) << "an output file was left behind";
}

TEST_F(QrunCli, MissingModelFile) {
  const std::string input = write("input.bin", std::string(32, '\0'));
  const Result r = qrun(dir_ + "/missing.qfb " + input);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "qrun: " + dir_ + "/missing.qfb: cannot open model file (No such file or directory)\n");
}

TEST_F(QrunCli, MissingInputFile) {
  const Result r = qrun(model_ + " " + dir_ + "/missing.bin");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "qrun: " + dir_ + "/missing.bin: cannot open file (No such file or directory)\n");
}

TEST_F(QrunCli, TruncatedModel) {
  const std::string bytes = slurp(model_);
  const std::string cut = write("cut.qfb", bytes.substr(0, bytes.size() / 2));
  const Result r = qrun(cut + " " + write("input.bin", std::string(32, '\0')));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("qrun: " + cut + ": ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(QrunCli, UnwritableOutputLeavesNothing) {
  const std::string input = write("input.bin", std::string(32, '\0'));
  const Result r = qrun(model_ + " " + input + " -o " + dir_ + "/no/such/dir/out.npy");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot create a file there"), std::string::npos) << r.err;
}

TEST_F(QrunCli, BadArguments) {
  const Result r = qrun("--threads zero " + model_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--threads needs an integer >= 1, got 'zero'"), std::string::npos);
}

}  // namespace
