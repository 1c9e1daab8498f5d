#include "cpu_topology.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#if defined(QRUN_HAVE_CPUINFO)
#include <cpuinfo.h>
#endif

namespace qrun {
namespace {

#if defined(QRUN_HAVE_CPUINFO) && defined(__linux__)

#if CPUINFO_ARCH_X86 || CPUINFO_ARCH_X86_64
std::string uarch_name(const cpuinfo_cluster& cluster) {
  switch (cluster.uarch) {
    case cpuinfo_uarch_nehalem: return "Nehalem";
    case cpuinfo_uarch_sandy_bridge: return "Sandy Bridge";
    case cpuinfo_uarch_ivy_bridge: return "Ivy Bridge";
    case cpuinfo_uarch_haswell: return "Haswell";
    case cpuinfo_uarch_broadwell: return "Broadwell";
    case cpuinfo_uarch_sky_lake: return "Skylake";
    case cpuinfo_uarch_palm_cove: return "Palm Cove";
    case cpuinfo_uarch_sunny_cove: return "Sunny Cove";
    case cpuinfo_uarch_silvermont: return "Silvermont";
    case cpuinfo_uarch_airmont: return "Airmont";
    case cpuinfo_uarch_goldmont: return "Goldmont";
    case cpuinfo_uarch_goldmont_plus: return "Goldmont Plus";
    case cpuinfo_uarch_knights_landing: return "Knights Landing";
    case cpuinfo_uarch_knights_mill: return "Knights Mill";
    case cpuinfo_uarch_zen: return "Zen";
    case cpuinfo_uarch_zen2: return "Zen 2";
    case cpuinfo_uarch_zen3: return "Zen 3";
    case cpuinfo_uarch_dhyana: return "Dhyana";
    default: return "";
  }
}
#elif CPUINFO_ARCH_ARM || CPUINFO_ARCH_ARM64
// By MIDR rather than by cpuinfo's enumeration: the table knows cores newer than Debian's cpuinfo.
std::string uarch_name(const cpuinfo_cluster& cluster) {
  return arm_core_name(cluster.midr >> 24, (cluster.midr >> 4) & 0xfff);
}
#else
std::string uarch_name(const cpuinfo_cluster&) {
  return "";
}
#endif

// cpuinfo's package name, microarchitectures and cluster frequencies, where Linux alone did not
// tell them.
void add_what_cpuinfo_knows(CpuTopology* topology) {
  if (!cpuinfo_initialize()) return;
  // cpuinfo names what it cannot identify "Unknown" (an emulator, an unlisted SoC).
  const std::string name = cpuinfo_get_packages_count() > 0 ? cpuinfo_get_package(0)->name : "";
  if (!name.empty() && name != "Unknown") topology->name = name;
  for (uint32_t i = 0; i < cpuinfo_get_processors_count(); ++i) {
    const cpuinfo_processor& processor = *cpuinfo_get_processor(i);
    auto core = std::find_if(topology->cores.begin(), topology->cores.end(),
                             [&](const CpuCore& c) { return c.id == processor.linux_id; });
    if (core == topology->cores.end()) {
      core = topology->cores.insert(topology->cores.end(), CpuCore{});
      core->id = processor.linux_id;
    }
    if (core->uarch.empty()) core->uarch = uarch_name(*processor.cluster);
    if (core->max_frequency_khz == 0) core->max_frequency_khz = processor.cluster->frequency / 1000;
  }
  std::sort(topology->cores.begin(), topology->cores.end(),
            [](const CpuCore& a, const CpuCore& b) { return a.id < b.id; });
}

#endif

CpuTopology detect() {
  std::ifstream file("/proc/cpuinfo");
  const std::string proc_cpuinfo((std::istreambuf_iterator<char>(file)),
                                 std::istreambuf_iterator<char>());
  CpuTopology topology = read_linux_cpu_topology("/sys/devices/system/cpu", proc_cpuinfo);
#if defined(QRUN_HAVE_CPUINFO) && defined(__linux__)
  add_what_cpuinfo_knows(&topology);
#endif
  number_clusters(&topology);
  return topology;
}

}  // namespace

const CpuTopology& cpu_topology() {
  static const CpuTopology topology = detect();
  return topology;
}

}  // namespace qrun
