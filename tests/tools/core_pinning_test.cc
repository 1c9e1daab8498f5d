// --pin on machines described by hand: a three-cluster phone, a two-cluster board, a server whose
// cores all look alike, an emulator that tells nothing; and CPUs given by number.
#include "core_pinning.h"

#include <gtest/gtest.h>

namespace qrun::tools {
namespace {

qrun_cpu_info cpu(int id, int cluster, const char* uarch, uint64_t khz, int capacity) {
  return {id, cluster, uarch, khz, capacity};
}

// Snapdragon 888: four Cortex-A55, three Cortex-A78, one Cortex-X1.
std::vector<qrun_cpu_info> phone() {
  std::vector<qrun_cpu_info> cpus;
  for (int id = 0; id < 4; ++id) cpus.push_back(cpu(id, 0, "Cortex-A55", 1804800, 414));
  for (int id = 4; id < 7; ++id) cpus.push_back(cpu(id, 1, "Cortex-A78", 2419200, 946));
  cpus.push_back(cpu(7, 2, "Cortex-X1", 2841600, 1024));
  return cpus;
}

const std::vector<int> kAll = {0, 1, 2, 3, 4, 5, 6, 7};

PinChoice choose(const std::string& request, const std::vector<qrun_cpu_info>& cpus,
                 const std::vector<int>& allowed = kAll, int threads = 1) {
  PinChoice choice;
  const Status status = choose_cpus(request, cpus, allowed, threads, &choice);
  EXPECT_TRUE(status.ok()) << status.message();
  return choice;
}

TEST(CorePinning, ThreeClusters) {
  EXPECT_EQ(choose("prime", phone()).cpus, std::vector<int>{7});
  EXPECT_EQ(choose("big", phone()).cpus, std::vector<int>{4});
  EXPECT_EQ(choose("little", phone()).cpus, std::vector<int>{0});
  EXPECT_EQ(choose("big", phone()).reason,
            "--pin big: CPU 4, the second fastest of 3 clusters by maximum frequency: CPU 7 "
            "(Cortex-X1, max 2841 MHz, capacity 1024); CPUs 4-6 (Cortex-A78, max 2419 MHz, "
            "capacity 946); CPUs 0-3 (Cortex-A55, max 1804 MHz, capacity 414)");
}

TEST(CorePinning, OneCpuPerThreadWithinTheCluster) {
  EXPECT_EQ(choose("big", phone(), kAll, 2).cpus, (std::vector<int>{4, 5}));
  EXPECT_EQ(choose("big", phone(), kAll, 8).cpus, (std::vector<int>{4, 5, 6}));
  EXPECT_EQ(choose("little", phone(), kAll, 4).cpus, (std::vector<int>{0, 1, 2, 3}));
}

TEST(CorePinning, TwoClustersBigIsPrime) {
  std::vector<qrun_cpu_info> board;
  for (int id = 0; id < 4; ++id) board.push_back(cpu(id, 0, "Cortex-A53", 1800000, 0));
  for (int id = 4; id < 8; ++id) board.push_back(cpu(id, 1, "Cortex-A73", 2208000, 0));
  EXPECT_EQ(choose("big", board).cpus, std::vector<int>{4});
  EXPECT_EQ(choose("prime", board).cpus, std::vector<int>{4});
  EXPECT_EQ(choose("little", board).cpus, std::vector<int>{0});
}

TEST(CorePinning, RanksByCapacityThenMicroarchitectureWhenFrequenciesAreUnreadable) {
  std::vector<qrun_cpu_info> by_capacity = {cpu(0, 0, "", 0, 512), cpu(1, 1, "", 0, 1024)};
  EXPECT_EQ(choose("big", by_capacity).cpus, std::vector<int>{1});
  EXPECT_NE(choose("big", by_capacity).reason.find("clusters by capacity"), std::string::npos);
  std::vector<qrun_cpu_info> by_uarch = {cpu(0, 0, "Cortex-A76", 0, 0),
                                         cpu(1, 1, "Cortex-A55", 0, 0)};
  EXPECT_EQ(choose("little", by_uarch).cpus, std::vector<int>{1});
  EXPECT_NE(choose("little", by_uarch).reason.find("clusters by microarchitecture"),
            std::string::npos);
}

TEST(CorePinning, OnlyTheAllowedCpus) {
  // A cpuset that leaves out the X1: prime is then the fastest of what remains.
  EXPECT_EQ(choose("prime", phone(), {0, 1, 2, 3, 4, 5, 6}).cpus, std::vector<int>{4});
  EXPECT_EQ(choose("big", phone(), {2, 3}).cpus, std::vector<int>{2});
}

TEST(CorePinning, AllAlikeTakesTheFirstAndSaysSo) {
  const std::vector<qrun_cpu_info> server = {cpu(0, 0, "", 0, 1024), cpu(1, 0, "", 0, 1024)};
  const PinChoice choice = choose("little", server, {0, 1});
  EXPECT_EQ(choice.cpus, std::vector<int>{0});
  EXPECT_EQ(choice.reason,
            "--pin little: CPU 0, all CPUs look alike, so the first: CPUs 0,1 (microarchitecture "
            "unknown, max frequency unreadable, capacity 1024)");
}

TEST(CorePinning, NothingKnownAboutTheCpus) {
  const PinChoice choice = choose("big", {}, {2, 3});
  EXPECT_EQ(choice.cpus, std::vector<int>{2});
  EXPECT_NE(choice.reason.find("could not be told apart"), std::string::npos) << choice.reason;
}

TEST(CorePinning, CpusByNumber) {
  const PinChoice choice = choose("1,3", phone());
  EXPECT_EQ(choice.cpus, (std::vector<int>{1, 3}));
  EXPECT_EQ(choice.reason, "");
  EXPECT_TRUE(choose("", phone()).cpus.empty());
}

TEST(CorePinning, Refusals) {
  PinChoice choice;
  Status status = choose_cpus("5", phone(), {0, 1, 2, 3}, 1, &choice);
  EXPECT_EQ(status.message(), "--pin: CPU 5 is not one this process may run on (0-3)");
  status = choose_cpus("fast", phone(), kAll, 1, &choice);
  EXPECT_EQ(status.message(), "--pin takes CPU numbers (0,2), big, little or prime, got 'fast'");
  status = choose_cpus("1,", phone(), kAll, 1, &choice);
  EXPECT_FALSE(status.ok());
  status = choose_cpus("-1", phone(), kAll, 1, &choice);
  EXPECT_FALSE(status.ok());
}

}  // namespace
}  // namespace qrun::tools
