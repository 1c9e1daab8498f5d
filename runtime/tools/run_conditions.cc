#include "run_conditions.h"

#include <dirent.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace qrun::tools {
namespace {

// The first line of a sysfs file, or false with the reason in `why`.
bool read_line(const std::string& path, std::string* line, std::string* why) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "r"), &std::fclose);
  if (file == nullptr) {
    *why = path + ": " + std::strerror(errno);
    return false;
  }
  char buffer[256];
  if (std::fgets(buffer, sizeof buffer, file.get()) == nullptr) {
    *why = path + ": " + (std::ferror(file.get()) ? std::strerror(errno) : "empty");
    return false;
  }
  *line = buffer;
  while (!line->empty() && (line->back() == '\n' || line->back() == ' ')) line->pop_back();
  return true;
}

bool read_integer(const std::string& path, long long* value, std::string* why) {
  std::string line;
  if (!read_line(path, &line, why)) return false;
  char* end = nullptr;
  *value = std::strtoll(line.c_str(), &end, 10);
  if (end == line.c_str()) {
    *why = path + ": not a number ('" + line + "')";
    return false;
  }
  return true;
}

void read_cpufreq(const std::string& sys_dir, RunConditions* conditions) {
  const std::string dir =
      sys_dir + "/devices/system/cpu/cpu" + std::to_string(conditions->cpu) + "/cpufreq/";
  std::string why;
  if (!read_line(dir + "scaling_governor", &conditions->governor, &why)) {
    conditions->unreadable.push_back("governor: " + why);
  }
  long long khz = 0;
  if (read_integer(dir + "scaling_cur_freq", &khz, &why) && khz > 0) {
    conditions->frequency_khz = static_cast<uint64_t>(khz);
  } else {
    conditions->unreadable.push_back("frequency: " + why);
  }
}

// Zones that report nonsense (disabled sensors say -273 C or 0) are skipped.
void read_hottest_zone(const std::string& sys_dir, RunConditions* conditions) {
  const std::string dir = sys_dir + "/class/thermal";
  std::unique_ptr<DIR, int (*)(DIR*)> zones(opendir(dir.c_str()), &closedir);
  if (zones == nullptr) {
    conditions->unreadable.push_back("thermal: " + dir + ": " + std::strerror(errno));
    return;
  }
  bool found = false;
  while (const dirent* entry = readdir(zones.get())) {
    const std::string name = entry->d_name;
    if (name.compare(0, 12, "thermal_zone") != 0) continue;
    long long millidegrees = 0;
    std::string why;
    if (!read_integer(dir + "/" + name + "/temp", &millidegrees, &why)) continue;
    const double celsius = static_cast<double>(millidegrees) / 1000;
    if (celsius <= 0 || celsius > 200 || (found && celsius <= conditions->hottest_celsius))
      continue;
    std::string type;
    if (!read_line(dir + "/" + name + "/type", &type, &why)) type = name;
    conditions->hottest_zone = type;
    conditions->hottest_celsius = celsius;
    found = true;
  }
  if (!found) {
    conditions->unreadable.push_back("thermal: no " + dir + "/thermal_zone*/temp is readable");
  }
}

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100 * fraction);
  return text;
}

}  // namespace

RunConditions read_run_conditions(const std::string& sys_dir, int cpu) {
  RunConditions conditions;
  conditions.cpu = cpu;
  if (cpu >= 0) {
    read_cpufreq(sys_dir, &conditions);
  } else {
    conditions.unreadable.push_back("cpufreq: the CPU that ran is unknown");
  }
  read_hottest_zone(sys_dir, &conditions);
  return conditions;
}

std::vector<std::string> run_warnings(const RunConditions& before, const RunConditions& after,
                                      const LatencyStats& stats, bool pinned) {
  std::vector<std::string> warnings;
  const std::string cpu = "CPU " + std::to_string(before.cpu);
  if (!before.governor.empty() && before.governor != "performance") {
    warnings.push_back(cpu + "'s cpufreq governor is '" + before.governor +
                       "', not 'performance': its frequency follows the load, so the timings "
                       "depend on what ran before (as root: echo performance > "
                       "/sys/devices/system/cpu/cpu" +
                       std::to_string(before.cpu) + "/cpufreq/scaling_governor)");
  }
  const double from = static_cast<double>(before.frequency_khz);
  const double to = static_cast<double>(after.frequency_khz);
  if (from > 0 && to > 0 && (from > 1.01 * to || to > 1.01 * from)) {
    warnings.push_back(cpu + "'s frequency changed during the run (" +
                       std::to_string(before.frequency_khz) + " -> " +
                       std::to_string(after.frequency_khz) +
                       " kHz): the timings mix speeds (frequency scaling or thermal throttling)");
  }
  if (stats.cv > 0.05) {
    warnings.push_back("the timings spread widely (coefficient of variation " + percent(stats.cv) +
                       ", " + std::to_string(stats.slow_runs) + " of " +
                       std::to_string(stats.runs) +
                       " runs over 1.5x the median): something disturbed the run (other load, "
                       "frequency scaling, heat); the median is the figure to trust");
  }
  if (!pinned) {
    warnings.push_back(
        "not pinned: the scheduler may move qrun between CPUs, on big.LITTLE between kinds of "
        "core (--pin N, --pin big)");
  }
  return warnings;
}

}  // namespace qrun::tools
