// The CPU topology from a /sys/devices/system/cpu tree and a /proc/cpuinfo made by the test (a
// big.LITTLE phone, an x86 server, a container that hides everything), and the public calls on
// this machine.
#include "cpu_topology.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "qrun/qrun.hpp"

namespace qrun {
namespace {

class CpuTopologyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/cpu_topology_" + std::to_string(getpid());
    ASSERT_EQ(std::system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'").c_str()), 0);
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  void write(const std::string& path, const std::string& text) {
    const std::string full = dir_ + "/" + path;
    ASSERT_EQ(std::system(("mkdir -p '" + full.substr(0, full.rfind('/')) + "'").c_str()), 0);
    std::ofstream(full) << text;
  }

  std::string dir_;
};

// /proc/cpuinfo of an arm64 kernel: one block per processor, the SoC's name at the end.
std::string phone_cpuinfo() {
  std::string text;
  const char* parts[] = {"0xd05", "0xd05", "0xd41", "0xd44"};
  for (int cpu = 0; cpu < 4; ++cpu) {
    text += "processor\t: " + std::to_string(cpu) +
            "\nBogoMIPS\t: 38.40\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: "
            "0x1\nCPU part\t: " +
            parts[cpu] + "\nCPU revision\t: 0\n\n";
  }
  return text + "Hardware\t: Qualcomm Technologies, Inc SM8350\n";
}

TEST_F(CpuTopologyTest, PhoneWithThreeKindsOfCore) {
  write("online", "0-3\n");
  const int khz[] = {1804800, 1804800, 2419200, 2841600};
  const int capacity[] = {414, 414, 946, 1024};
  for (int cpu = 0; cpu < 4; ++cpu) {
    write("cpu" + std::to_string(cpu) + "/cpufreq/cpuinfo_max_freq", std::to_string(khz[cpu]));
    write("cpu" + std::to_string(cpu) + "/cpu_capacity", std::to_string(capacity[cpu]) + "\n");
  }
  CpuTopology topology = read_linux_cpu_topology(dir_, phone_cpuinfo());
  number_clusters(&topology);
  EXPECT_EQ(topology.name, "Qualcomm Technologies, Inc SM8350");
  ASSERT_EQ(topology.cores.size(), 4u);
  EXPECT_EQ(topology.cores[0].uarch, "Cortex-A55");
  EXPECT_EQ(topology.cores[2].uarch, "Cortex-A78");
  EXPECT_EQ(topology.cores[3].uarch, "Cortex-X1");
  EXPECT_EQ(topology.cores[3].max_frequency_khz, 2841600u);
  EXPECT_EQ(topology.cores[3].capacity, 1024);
  EXPECT_EQ(topology.cores[0].cluster, 0);
  EXPECT_EQ(topology.cores[1].cluster, 0);
  EXPECT_EQ(topology.cores[2].cluster, 1);
  EXPECT_EQ(topology.cores[3].cluster, 2);
}

TEST_F(CpuTopologyTest, OfflineCpusAreLeftOutAndMissingFilesLeftEmpty) {
  write("online", "0,2-3\n");
  write("present", "0-3\n");
  CpuTopology topology = read_linux_cpu_topology(
      dir_,
      "processor\t: 0\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD "
      "EPYC 7B13\n");
  number_clusters(&topology);
#if defined(__x86_64__) || defined(__i386__)
  EXPECT_EQ(topology.name, "AMD EPYC 7B13");
#else
  EXPECT_EQ(topology.name, "");  // what an ARM build under qemu-user reads: the x86 host's file
#endif
  ASSERT_EQ(topology.cores.size(), 3u);
  EXPECT_EQ(topology.cores[1].id, 2);
  for (const CpuCore& core : topology.cores) {
    EXPECT_EQ(core.uarch, "");
    EXPECT_EQ(core.max_frequency_khz, 0u);
    EXPECT_EQ(core.capacity, 0);
    EXPECT_EQ(core.cluster, 0);
  }
}

TEST_F(CpuTopologyTest, NothingReadable) {
  const CpuTopology topology = read_linux_cpu_topology(dir_ + "/missing", "");
  EXPECT_TRUE(topology.cores.empty());
  EXPECT_EQ(topology.name, "");
}

TEST(ArmCoreName, KnownAndUnknownParts) {
  EXPECT_EQ(arm_core_name(0x41, 0xd0b), "Cortex-A76");
  EXPECT_EQ(arm_core_name(0x41, 0xd03), "Cortex-A53");
  EXPECT_EQ(arm_core_name(0x4e, 0x004), "Carmel");
  EXPECT_EQ(arm_core_name(0x41, 0xfff), "");
  EXPECT_EQ(arm_core_name(0x51, 0xd0b), "");  // the part number belongs to its implementer
}

// Whatever this machine (or emulator) exposes, the public description is consistent.
TEST(CpuApi, DescribesThisMachine) {
  const std::vector<qrun_cpu_info> cpus = qrun::cpus();
  std::set<int> ids;
  for (const qrun_cpu_info& cpu : cpus) {
    EXPECT_TRUE(ids.insert(cpu.id).second) << "CPU " << cpu.id << " twice";
    EXPECT_GE(cpu.cluster, 0);
    EXPECT_LT(cpu.cluster, static_cast<int>(cpus.size()));
    ASSERT_NE(cpu.uarch, nullptr);
  }
  EXPECT_TRUE(std::is_sorted(cpus.begin(), cpus.end(),
                             [](const auto& a, const auto& b) { return a.id < b.id; }));
  qrun_cpu_info info;
  EXPECT_EQ(qrun_cpu_describe(-1, &info), QRUN_INVALID_ARGUMENT);
  EXPECT_EQ(qrun_cpu_describe(qrun_cpu_count(), &info), QRUN_INVALID_ARGUMENT);
  EXPECT_NE(qrun_cpu_name(), nullptr);
}

}  // namespace
}  // namespace qrun
