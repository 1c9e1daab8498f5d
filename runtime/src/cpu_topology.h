// Which logical CPUs this machine has and how they differ (microarchitecture, maximum frequency,
// Linux's capacity), so that a tool can run on a big or a little core. Linux tells most of it in
// /sys/devices/system/cpu and /proc/cpuinfo; cpuinfo, where qrun is built with it, adds the names
// it knows. Anything unreadable is left empty (containers and emulators hide these files).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qrun {

struct CpuCore {
  int id = 0;         // Linux's cpuN
  int cluster = 0;    // cores alike in all three below share one, numbered in order of first id
  std::string uarch;  // "Cortex-A76", "Zen 3"; empty where unknown
  uint64_t max_frequency_khz = 0;  // 0 where unreadable
  int capacity = 0;  // Linux's cpu_capacity (1024 for the biggest); 0 where unreadable
};

struct CpuTopology {
  std::string name;  // "AMD EPYC", "Qualcomm Technologies, Inc SM8350"; empty where unknown
  std::vector<CpuCore> cores;
};

// The topology of this machine, found once.
const CpuTopology& cpu_topology();

// What Linux alone tells: `cpu_dir` is /sys/devices/system/cpu, `proc_cpuinfo` the text of
// /proc/cpuinfo. Clusters are not yet numbered (see number_clusters).
CpuTopology read_linux_cpu_topology(const std::string& cpu_dir, const std::string& proc_cpuinfo);

// Numbers the clusters: cores with the same microarchitecture, maximum frequency and capacity.
void number_clusters(CpuTopology* topology);

// The name of an ARM core from its MIDR fields, e.g. (0x41, 0xd0b) -> "Cortex-A76"; "" if unknown.
std::string arm_core_name(uint32_t implementer, uint32_t part);

}  // namespace qrun
