#include "core_pinning.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <tuple>

#include "qrun/qrun.hpp"

namespace qrun::tools {
namespace {

// "0-3,6": a list of CPU ids, runs of consecutive ids shortened.
std::string cpu_list_text(const std::vector<int>& cpus) {
  std::string text;
  for (size_t i = 0; i < cpus.size();) {
    size_t last = i;
    while (last + 1 < cpus.size() && cpus[last + 1] == cpus[last] + 1) ++last;
    text += (text.empty() ? "" : ",") + std::to_string(cpus[i]);
    if (last > i) text += (last == i + 1 ? "," : "-") + std::to_string(cpus[last]);
    i = last + 1;
  }
  return text;
}

// The in-order, power-efficient cores of big.LITTLE designs.
bool is_little_uarch(const std::string& uarch) {
  static const char* const kLittle[] = {"Cortex-A5",   "Cortex-A7",   "Cortex-A32",
                                        "Cortex-A35",  "Cortex-A53",  "Cortex-A55",
                                        "Cortex-A510", "Cortex-A520", "Neoverse E1"};
  for (const char* little : kLittle) {
    if (uarch == little) return true;
  }
  return uarch.size() > 6 && uarch.compare(0, 4, "Kryo") == 0 &&
         uarch.compare(uarch.size() - 6, 6, "Silver") == 0;
}

struct Cluster {
  std::vector<int> cpus;  // the allowed ones
  std::string uarch;
  uint64_t max_frequency_khz = 0;
  int capacity = 0;

  // Larger is faster.
  std::tuple<uint64_t, int, bool> rank() const {
    return {max_frequency_khz, capacity, !is_little_uarch(uarch)};
  }
  std::string describe() const {
    std::string text = (cpus.size() > 1 ? "CPUs " : "CPU ") + cpu_list_text(cpus) + " (" +
                       (uarch.empty() ? "microarchitecture unknown" : uarch) + ", ";
    text += max_frequency_khz ? "max " + std::to_string(max_frequency_khz / 1000) + " MHz"
                              : "max frequency unreadable";
    text += capacity ? ", capacity " + std::to_string(capacity) : ", capacity unreadable";
    return text + ")";
  }
};

// The allowed CPUs of `cpus`, grouped by cluster, fastest first.
std::vector<Cluster> ranked_clusters(const std::vector<qrun_cpu_info>& cpus,
                                     const std::vector<int>& allowed) {
  std::vector<Cluster> clusters;
  std::vector<int> cluster_ids;
  for (const qrun_cpu_info& cpu : cpus) {
    if (std::find(allowed.begin(), allowed.end(), cpu.id) == allowed.end()) continue;
    size_t index =
        std::find(cluster_ids.begin(), cluster_ids.end(), cpu.cluster) - cluster_ids.begin();
    if (index == cluster_ids.size()) {
      cluster_ids.push_back(cpu.cluster);
      clusters.push_back({{}, cpu.uarch, cpu.max_frequency_khz, cpu.capacity});
    }
    clusters[index].cpus.push_back(cpu.id);
  }
  std::stable_sort(clusters.begin(), clusters.end(),
                   [](const Cluster& a, const Cluster& b) { return a.rank() > b.rank(); });
  return clusters;
}

// What told the fastest cluster from the slowest.
const char* ranked_by(const Cluster& fastest, const Cluster& slowest) {
  if (fastest.max_frequency_khz != slowest.max_frequency_khz) return "maximum frequency";
  if (fastest.capacity != slowest.capacity) return "capacity";
  return "microarchitecture";
}

Status choose_kind(const std::string& kind, const std::vector<qrun_cpu_info>& cpus,
                   const std::vector<int>& allowed, int threads, PinChoice* choice) {
  const std::vector<Cluster> clusters = ranked_clusters(cpus, allowed);
  const size_t wanted = static_cast<size_t>(std::max(threads, 1));
  if (clusters.empty()) {
    // Linux told nothing about the CPUs (no /sys/devices/system/cpu): any allowed one will do.
    choice->cpus.assign(allowed.begin(), allowed.begin() + std::min(wanted, allowed.size()));
    choice->reason = "--pin " + kind + ": CPU " + cpu_list_text(choice->cpus) +
                     ", the first this process may run on: the CPUs could not be told apart "
                     "(/sys/devices/system/cpu unreadable)";
    return Status::Ok();
  }
  std::string listing;
  for (const Cluster& cluster : clusters) {
    listing += (listing.empty() ? "" : "; ") + cluster.describe();
  }
  size_t index = 0;
  std::string how;
  if (clusters.front().rank() == clusters.back().rank()) {
    how = clusters.size() == 1 ? "all CPUs look alike" : "no cluster looks faster than another";
    how += ", so the first: ";
  } else {
    const char* rank_name = "the fastest";
    if (kind == "little") {
      index = clusters.size() - 1;
      rank_name = "the slowest";
    } else if (kind == "big" && clusters.size() >= 3) {
      index = 1;
      rank_name = "the second fastest";
    }
    how = std::string(rank_name) + " of " + std::to_string(clusters.size()) + " clusters by " +
          ranked_by(clusters.front(), clusters.back()) + ": ";
  }
  const Cluster& chosen = clusters[index];
  choice->cpus.assign(chosen.cpus.begin(),
                      chosen.cpus.begin() + std::min(wanted, chosen.cpus.size()));
  choice->reason = "--pin " + kind + ": CPU " + cpu_list_text(choice->cpus) + ", " + how + listing;
  return Status::Ok();
}

Status parse_cpu_numbers(const std::string& request, const std::vector<int>& allowed,
                         std::vector<int>* cpus) {
  size_t start = 0;
  while (start <= request.size()) {
    const size_t comma = std::min(request.find(',', start), request.size());
    const std::string item = request.substr(start, comma - start);
    char* end = nullptr;
    const long cpu = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || cpu < 0 || cpu >= CPU_SETSIZE) {
      return InvalidArgument("--pin takes CPU numbers (0,2), big, little or prime, got '" +
                             request + "'");
    }
    if (std::find(allowed.begin(), allowed.end(), cpu) == allowed.end()) {
      return InvalidArgument("--pin: CPU " + item + " is not one this process may run on (" +
                             cpu_list_text(allowed) + ")");
    }
    cpus->push_back(static_cast<int>(cpu));
    start = comma + 1;
  }
  return Status::Ok();
}

}  // namespace

Status choose_cpus(const std::string& request, const std::vector<qrun_cpu_info>& cpus,
                   const std::vector<int>& allowed, int threads, PinChoice* choice) {
  *choice = PinChoice{};
  choice->request = request;
  if (request.empty()) return Status::Ok();
  if (allowed.empty()) {
    return InvalidArgument("--pin: cannot tell which CPUs this process may run on");
  }
  if (request == "big" || request == "little" || request == "prime") {
    return choose_kind(request, cpus, allowed, threads, choice);
  }
  return parse_cpu_numbers(request, allowed, &choice->cpus);
}

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

Status pin_as_asked(const std::string& request, int threads, PinChoice* choice) {
  QRUN_RETURN_IF_ERROR(choose_cpus(request, qrun::cpus(), allowed_cpus(), threads, choice));
  if (choice->cpus.empty()) return Status::Ok();
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : choice->cpus) CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    return InvalidArgument("--pin: cannot pin to CPU " + cpu_list_text(choice->cpus) + " (" +
                           std::strerror(errno) + ")");
  }
  return Status::Ok();
}

}  // namespace qrun::tools
