// --pin: to logical CPUs by number ("1", "0,2"), or to a kind of core ("big", "little", "prime")
// chosen from the machine's clusters (qrun_cpu_describe), with the reason for the choice.
#pragma once

#include <string>
#include <vector>

#include "qrun/qrun.h"
#include "qrun/status.h"

namespace qrun::tools {

struct PinChoice {
  std::string request;    // as given; empty: not pinned
  std::vector<int> cpus;  // the CPUs pinned to; empty: not pinned
  std::string reason;     // how big, little or prime was chosen; empty for CPUs given by number
};

// Chooses without pinning: `cpus` describes the machine, `allowed` the CPUs this process may run
// on. A kind of core gets one CPU per thread, up to the whole cluster. Clusters are ranked by
// maximum frequency, then Linux's capacity, then little microarchitectures (Cortex-A53, A55, A510,
// A520...) last: prime is the fastest, little the slowest, big the second fastest where there are
// three clusters or more and the fastest otherwise.
Status choose_cpus(const std::string& request, const std::vector<qrun_cpu_info>& cpus,
                   const std::vector<int>& allowed, int threads, PinChoice* choice);

// The CPUs this process may run on (its affinity mask).
std::vector<int> allowed_cpus();

// Chooses as choose_cpus does on this machine, then pins this process (and the threads it starts
// afterwards) to the choice. An empty request pins nothing.
Status pin_as_asked(const std::string& request, int threads, PinChoice* choice);

}  // namespace qrun::tools
