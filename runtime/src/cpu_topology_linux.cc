#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <tuple>

#include "cpu_topology.h"

namespace qrun {
namespace {

bool read_text(const std::string& path, std::string* text) {
  std::ifstream file(path);
  if (!file) return false;
  text->assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  return true;
}

// A decimal number alone in a sysfs file; 0 where the file is absent or holds something else.
uint64_t read_number(const std::string& path) {
  std::string text;
  if (!read_text(path, &text)) return 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  return end != text.c_str() ? value : 0;
}

// Linux's CPU lists: "0-3,6,8-9".
std::vector<int> parse_cpu_list(const std::string& text) {
  std::vector<int> cpus;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    char* end = nullptr;
    const long first = std::strtol(item.c_str(), &end, 10);
    if (end == item.c_str() || first < 0) continue;
    long last = first;
    if (*end == '-') last = std::strtol(end + 1, nullptr, 10);
    for (long cpu = first; cpu <= last && cpu < 65536; ++cpu) cpus.push_back(static_cast<int>(cpu));
  }
  return cpus;
}

std::string trimmed(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t");
  const size_t end = text.find_last_not_of(" \t\r\n");
  return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

#if defined(__x86_64__) || defined(__i386__)
constexpr bool kX86 = true;
#else
constexpr bool kX86 = false;
#endif

// /proc/cpuinfo: "key : value" lines; on x86 and ARM one block per processor, each opened by
// "processor : N", and on some ARM kernels a few machine-wide lines ("Hardware") at the end.
struct ProcCpuinfo {
  std::string name;
  std::map<int, std::string> uarch;  // by processor
};

ProcCpuinfo parse_proc_cpuinfo(const std::string& text) {
  ProcCpuinfo parsed;
  std::stringstream lines(text);
  std::string line;
  int processor = -1;
  uint32_t implementer = 0;
  while (std::getline(lines, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trimmed(line.substr(0, colon));
    const std::string value = trimmed(line.substr(colon + 1));
    if (key == "processor") {
      processor = std::atoi(value.c_str());
    } else if (key == "model name" && parsed.name.empty() && kX86) {
      // x86 only: ARM kernels put a generic "ARMv7 Processor rev 5 (v7l)" there, and an ARM build
      // under qemu-user reads the x86 host's file.
      parsed.name = value;
    } else if (key == "Hardware") {
      parsed.name = value;  // ARM: the SoC, where the kernel tells it
    } else if (key == "CPU implementer") {
      implementer = static_cast<uint32_t>(std::strtoul(value.c_str(), nullptr, 0));
    } else if (key == "CPU part" && processor >= 0) {
      const auto part = static_cast<uint32_t>(std::strtoul(value.c_str(), nullptr, 0));
      parsed.uarch[processor] = arm_core_name(implementer, part);
    }
  }
  return parsed;
}

}  // namespace

CpuTopology read_linux_cpu_topology(const std::string& cpu_dir, const std::string& proc_cpuinfo) {
  CpuTopology topology;
  std::string list;
  if (!read_text(cpu_dir + "/online", &list) && !read_text(cpu_dir + "/present", &list)) {
    return topology;
  }
  const ProcCpuinfo parsed = parse_proc_cpuinfo(proc_cpuinfo);
  topology.name = parsed.name;
  for (int id : parse_cpu_list(list)) {
    CpuCore core;
    core.id = id;
    const std::string dir = cpu_dir + "/cpu" + std::to_string(id);
    core.max_frequency_khz = read_number(dir + "/cpufreq/cpuinfo_max_freq");
    core.capacity = static_cast<int>(read_number(dir + "/cpu_capacity"));
    const auto uarch = parsed.uarch.find(id);
    if (uarch != parsed.uarch.end()) core.uarch = uarch->second;
    topology.cores.push_back(core);
  }
  return topology;
}

void number_clusters(CpuTopology* topology) {
  std::vector<std::tuple<std::string, uint64_t, int>> kinds;
  for (CpuCore& core : topology->cores) {
    const auto kind = std::make_tuple(core.uarch, core.max_frequency_khz, core.capacity);
    auto found = std::find(kinds.begin(), kinds.end(), kind);
    if (found == kinds.end()) found = kinds.insert(kinds.end(), kind);
    core.cluster = static_cast<int>(found - kinds.begin());
  }
}

std::string arm_core_name(uint32_t implementer, uint32_t part) {
  struct Core {
    uint32_t implementer, part;
    const char* name;
  };
  static const Core kCores[] = {
      {0x41, 0xc05, "Cortex-A5"},     {0x41, 0xc07, "Cortex-A7"},
      {0x41, 0xc08, "Cortex-A8"},     {0x41, 0xc09, "Cortex-A9"},
      {0x41, 0xc0d, "Cortex-A12"},    {0x41, 0xc0e, "Cortex-A17"},
      {0x41, 0xc0f, "Cortex-A15"},    {0x41, 0xd01, "Cortex-A32"},
      {0x41, 0xd03, "Cortex-A53"},    {0x41, 0xd04, "Cortex-A35"},
      {0x41, 0xd05, "Cortex-A55"},    {0x41, 0xd06, "Cortex-A65"},
      {0x41, 0xd07, "Cortex-A57"},    {0x41, 0xd08, "Cortex-A72"},
      {0x41, 0xd09, "Cortex-A73"},    {0x41, 0xd0a, "Cortex-A75"},
      {0x41, 0xd0b, "Cortex-A76"},    {0x41, 0xd0c, "Neoverse N1"},
      {0x41, 0xd0d, "Cortex-A77"},    {0x41, 0xd0e, "Cortex-A76AE"},
      {0x41, 0xd40, "Neoverse V1"},   {0x41, 0xd41, "Cortex-A78"},
      {0x41, 0xd42, "Cortex-A78AE"},  {0x41, 0xd44, "Cortex-X1"},
      {0x41, 0xd46, "Cortex-A510"},   {0x41, 0xd47, "Cortex-A710"},
      {0x41, 0xd48, "Cortex-X2"},     {0x41, 0xd49, "Neoverse N2"},
      {0x41, 0xd4a, "Neoverse E1"},   {0x41, 0xd4b, "Cortex-A78C"},
      {0x41, 0xd4d, "Cortex-A715"},   {0x41, 0xd4e, "Cortex-X3"},
      {0x41, 0xd4f, "Neoverse V2"},   {0x41, 0xd80, "Cortex-A520"},
      {0x41, 0xd81, "Cortex-A720"},   {0x41, 0xd82, "Cortex-X4"},
      {0x4e, 0x003, "Denver 2"},      {0x4e, 0x004, "Carmel"},
      {0x51, 0x800, "Kryo 2xx Gold"}, {0x51, 0x801, "Kryo 2xx Silver"},
      {0x51, 0x802, "Kryo 3xx Gold"}, {0x51, 0x803, "Kryo 3xx Silver"},
      {0x51, 0x804, "Kryo 4xx Gold"}, {0x51, 0x805, "Kryo 4xx Silver"},
  };
  for (const Core& core : kCores) {
    if (core.implementer == implementer && core.part == part) return core.name;
  }
  return "";
}

}  // namespace qrun
