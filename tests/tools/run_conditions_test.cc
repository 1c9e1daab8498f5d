// The run conditions read from a sysfs tree made by the test: a phone's cpufreq and thermal
// zones, the same with the frequency changed, and a tree with none of the files (a container).
#include "run_conditions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace qrun::tools {
namespace {

class RunConditionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sys_ = ::testing::TempDir() + "/run_conditions_" + std::to_string(getpid());
    ASSERT_EQ(std::system(("rm -rf '" + sys_ + "' && mkdir -p '" + sys_ + "'").c_str()), 0);
  }
  void TearDown() override { std::system(("rm -rf '" + sys_ + "'").c_str()); }

  void write(const std::string& path, const std::string& text) {
    const std::string full = sys_ + "/" + path;
    const std::string dir = full.substr(0, full.rfind('/'));
    ASSERT_EQ(std::system(("mkdir -p '" + dir + "'").c_str()), 0);
    std::ofstream(full) << text;
  }
  void write_phone(const std::string& governor, const std::string& khz) {
    write("devices/system/cpu/cpu7/cpufreq/scaling_governor", governor + "\n");
    write("devices/system/cpu/cpu7/cpufreq/scaling_cur_freq", khz + "\n");
    write("class/thermal/thermal_zone0/type", "battery\n");
    write("class/thermal/thermal_zone0/temp", "31000\n");
    write("class/thermal/thermal_zone1/type", "cpu-1-3-usr\n");
    write("class/thermal/thermal_zone1/temp", "47500\n");
    write("class/thermal/thermal_zone2/type", "disabled-sensor\n");
    write("class/thermal/thermal_zone2/temp", "-273000\n");
  }

  std::string sys_;
};

LatencyStats steady() {
  return summarize_latency({10, 10.1, 10.2, 9.9});
}

TEST_F(RunConditionsTest, ReadsGovernorFrequencyAndTheHottestZone) {
  write_phone("performance", "2841600");
  const RunConditions c = read_run_conditions(sys_, 7);
  EXPECT_EQ(c.cpu, 7);
  EXPECT_EQ(c.governor, "performance");
  EXPECT_EQ(c.frequency_khz, 2841600u);
  EXPECT_EQ(c.hottest_zone, "cpu-1-3-usr");
  EXPECT_EQ(c.hottest_celsius, 47.5);
  EXPECT_TRUE(c.unreadable.empty());
  EXPECT_TRUE(run_warnings(c, c, steady(), true).empty());
}

TEST_F(RunConditionsTest, WarnsOfAGovernorOtherThanPerformance) {
  write_phone("schedutil", "1804800");
  const RunConditions c = read_run_conditions(sys_, 7);
  const std::vector<std::string> warnings = run_warnings(c, c, steady(), true);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].rfind("CPU 7's cpufreq governor is 'schedutil', not 'performance'", 0), 0u)
      << warnings[0];
}

TEST_F(RunConditionsTest, WarnsOfAFrequencyThatChanged) {
  write_phone("performance", "2841600");
  const RunConditions before = read_run_conditions(sys_, 7);
  write_phone("performance", "2419200");
  const RunConditions after = read_run_conditions(sys_, 7);
  const std::vector<std::string> warnings = run_warnings(before, after, steady(), true);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "CPU 7's frequency changed during the run (2841600 -> 2419200 kHz): the timings mix "
            "speeds (frequency scaling or thermal throttling)");
  // Within 1% is the same frequency (x86 reports a slightly different one at every read).
  write_phone("performance", "2830000");
  EXPECT_TRUE(run_warnings(before, read_run_conditions(sys_, 7), steady(), true).empty());
}

TEST_F(RunConditionsTest, WarnsOfWidelySpreadTimingsAndOfNoPinning) {
  write_phone("performance", "2841600");
  const RunConditions c = read_run_conditions(sys_, 7);
  const std::vector<std::string> warnings =
      run_warnings(c, c, summarize_latency({10, 10, 10, 30}), false);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].rfind("the timings spread widely (coefficient of variation 66.7%, 1 of 4 "
                              "runs over 1.5x the median)",
                              0),
            0u)
      << warnings[0];
  EXPECT_EQ(warnings[1].rfind("not pinned", 0), 0u) << warnings[1];
}

TEST_F(RunConditionsTest, MissingFilesAreReportedNotFatal) {
  const RunConditions c = read_run_conditions(sys_, 1);
  EXPECT_EQ(c.governor, "");
  EXPECT_EQ(c.frequency_khz, 0u);
  EXPECT_EQ(c.hottest_zone, "");
  ASSERT_EQ(c.unreadable.size(), 3u);
  EXPECT_EQ(c.unreadable[0], "governor: " + sys_ +
                                 "/devices/system/cpu/cpu1/cpufreq/scaling_governor: No such "
                                 "file or directory");
  EXPECT_EQ(c.unreadable[1].rfind("frequency: " + sys_, 0), 0u);
  EXPECT_EQ(c.unreadable[2], "thermal: " + sys_ + "/class/thermal: No such file or directory");
  EXPECT_TRUE(run_warnings(c, c, steady(), true).empty());
}

TEST_F(RunConditionsTest, NoCpuKnown) {
  const RunConditions c = read_run_conditions(sys_, -1);
  ASSERT_FALSE(c.unreadable.empty());
  EXPECT_EQ(c.unreadable[0], "cpufreq: the CPU that ran is unknown");
}

}  // namespace
}  // namespace qrun::tools
