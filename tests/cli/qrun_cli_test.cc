// The qrun command line: what a user sees for good and bad input. Each failure is one clear line
// on stderr naming the file, and a non-zero exit; nothing is left half-written.
#include <gtest/gtest.h>
#include <sched.h>
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

// The highest-numbered CPU this test may run on: CPU 1 on a two-core machine.
int last_allowed_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  int last = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) last = cpu;
  }
  return last;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  return lines;
}

TEST_F(QrunCli, FirstLineNamesTheCpuItsIsaAndFrequency) {
  const std::string input = write("input.bin", std::string(32, '\x05'));
  const std::string cpu = std::to_string(last_allowed_cpu());
  const Result r = qrun(model_ + " " + input + " --pin " + cpu + " --isa ref --repeat 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_FALSE(lines.empty());
  // "CPU 1 (--pin 1): AMD EPYC, microarchitecture unknown, ISA ref, max frequency unreadable"
  EXPECT_EQ(lines[0].rfind("CPU " + cpu + " (--pin " + cpu + "): ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(", ISA ref, max "), std::string::npos) << lines[0];
  EXPECT_NE(r.out.find("\nload "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nmemory: peak resident "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nconditions on CPU " + cpu + ": governor "), std::string::npos) << r.out;
}

// Whatever the machine (an emulator, a container without cpufreq), each kind of core resolves to
// a CPU this process may run on, and the reason is printed under the first line.
TEST_F(QrunCli, PinBigLittleAndPrimeResolveToACpu) {
  const std::string input = write("input.bin", std::string(32, '\x05'));
  for (const std::string kind : {"big", "little", "prime"}) {
    const Result r = qrun(model_ + " " + input + " --pin " + kind + " --repeat 1");
    ASSERT_EQ(r.exit_code, 0) << kind << ": " << r.err;
    const std::vector<std::string> lines = lines_of(r.out);
    ASSERT_GE(lines.size(), 2u);
    EXPECT_EQ(lines[0].find(" (--pin " + kind + "): "), lines[0].find(' ', 4)) << lines[0];
    EXPECT_EQ(lines[1].rfind("--pin " + kind + ": CPU ", 0), 0u) << lines[1];
    EXPECT_NE(r.out.find("pinned to CPU "), std::string::npos) << r.out;
  }
}

TEST_F(QrunCli, JsonDocumentFollowsTheDocumentedLayout) {
  const std::string input = write("input.bin", std::string(32, '\x05'));
  const std::string cpu = std::to_string(last_allowed_cpu());
  const Result r = qrun(model_ + " " + input + " --pin " + cpu + " --repeat 200 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\n  \"qrun_json\": 1,\n", 0), 0u) << "not only the document on stdout";
  const std::string json = write("run.json", r.out);
  EXPECT_EQ(
      std::system(
          (std::string(QRUN_JSON_CHECK) + " " + json + " --runs 200 --pinned " + cpu).c_str()),
      0);
}

TEST_F(QrunCli, JsonWithProfileAndDuration) {
  const std::string input = write("input.bin", std::string(32, '\x05'));
  const Result r = qrun(model_ + " " + input + " --duration 0.05 --cooldown 0.001 --warmup 2 " +
                        "--profile --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"duration_s\": 0.05,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"repeat\": null,"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("qrun: warning: not pinned"), std::string::npos) << r.err;
  const std::string json = write("run.json", r.out);
  EXPECT_EQ(std::system((std::string(QRUN_JSON_CHECK) + " " + json + " --profile").c_str()), 0);
}

TEST_F(QrunCli, CsvHasOneRowPerTimedRun) {
  const std::string input = write("input.bin", std::string(32, '\x05'));
  const Result r = qrun(model_ + " " + input + " --repeat 7 --csv --pin 0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 8u) << r.out;
  EXPECT_EQ(lines[0], "run,start_ms,latency_ms");
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].rfind(std::to_string(i - 1) + ",", 0), 0u) << lines[i];
    EXPECT_EQ(std::count(lines[i].begin(), lines[i].end(), ','), 2) << lines[i];
  }
}

TEST_F(QrunCli, BadTimingAndPinningOptions) {
  const std::string input = write("input.bin", std::string(32, '\x05'));
  Result r = qrun(model_ + " " + input + " --repeat 5 --duration 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("qrun: --repeat and --duration exclude each other\n", 0), 0u) << r.err;
  r = qrun(model_ + " " + input + " --json --csv");
  EXPECT_EQ(r.exit_code, 2);
  r = qrun(model_ + " " + input + " --cooldown -1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("qrun: --cooldown needs a number of seconds, got '-1'\n", 0), 0u) << r.err;
  r = qrun(model_ + " " + input + " --pin fastest");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "qrun: --pin takes CPU numbers (0,2), big, little or prime, got 'fastest'\n");
  r = qrun(model_ + " " + input + " --pin 1023");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("qrun: --pin: CPU 1023 is not one this process may run on (", 0), 0u)
      << r.err;
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

// --backend xnnpack: the same model runs with XNNPACK's operators where it has them, --info says
// which ops run where and why, and the outputs match (this model's ops are exact on XNNPACK).
TEST_F(QrunCli, BackendXnnpackRunsTheModelAndInfoSaysWhereEachOpRuns) {
  const std::string input = write("input.bin", std::string(32, '\x05'));
  const Result info = qrun("--info " + model_ + " --backend xnnpack");
  if (!QRUN_TEST_HAS_XNNPACK) {
    EXPECT_EQ(info.exit_code, 1);
    EXPECT_NE(info.err.find("built without XNNPACK"), std::string::npos) << info.err;
    return;
  }
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("backend xnnpack: 2 of 3 ops on XNNPACK"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("xnnpack_convolution2d_nhwc_qc8"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("on qrun: data movement"), std::string::npos) << info.out;
  const Result qrun_run = qrun(model_ + " " + input + " -o " + dir_ + "/qrun.bin --raw");
  const Result xnnpack_run =
      qrun(model_ + " " + input + " -o " + dir_ + "/xnnpack.bin --raw --backend xnnpack");
  ASSERT_EQ(qrun_run.exit_code, 0) << qrun_run.err;
  ASSERT_EQ(xnnpack_run.exit_code, 0) << xnnpack_run.err;
  EXPECT_EQ(slurp(dir_ + "/qrun.bin"), slurp(dir_ + "/xnnpack.bin"));
  const Result unknown = qrun(model_ + " " + input + " --backend tflite");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("unknown backend 'tflite'"), std::string::npos) << unknown.err;
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

// A .npy array of the right count in another layout is refused (NCHW for this NHWC input, with a
// hint); dimensions of 1 dropped, or a flat array, are the same values in the same order.
TEST_F(QrunCli, NpyInputInAnotherLayout) {
  const auto npy = [&](const std::string& name, std::vector<int64_t> shape) {
    qrun::tools::NpyArray array;
    array.type = qrun::tools::NpyType::kInt8;
    array.shape = std::move(shape);
    array.data.assign(32, 5);
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(qrun::tools::write_npy(path, array).ok());
    return path;
  };
  const std::string nchw = npy("nchw.npy", {1, 2, 4, 4});
  const Result r = qrun(model_ + " " + nchw);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "qrun: " + nchw +
                       ": shape [1,2,4,4], model input input int8[1,4,4,2] scale=0.05 zp=-3 has "
                       "another layout (the array looks NCHW, the input is NHWC: numpy's "
                       "x.transpose(0, 2, 3, 1))\n");
  EXPECT_EQ(qrun(model_ + " " + npy("squeezed.npy", {4, 4, 2})).exit_code, 0);
  EXPECT_EQ(qrun(model_ + " " + npy("flat.npy", {32})).exit_code, 0);
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
