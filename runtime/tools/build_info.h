// How this qrun was built, for reports that must say what produced their figures.
#pragma once

#include <string>

namespace qrun::tools {

struct BuildInfo {
  std::string version;       // the project's version
  std::string compiler;      // e.g. "GCC 12.2.0"
  std::string build_type;    // CMake's: "Release", ...
  std::string architecture;  // "x86_64", "aarch64", "armv7"
  bool cpuinfo = false;      // CPU features and names from cpuinfo (else from the OS alone)
  bool pthreadpool = false;  // threads from pthreadpool (else qrun's own pool)
};

BuildInfo build_info();

}  // namespace qrun::tools
