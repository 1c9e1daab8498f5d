#include "build_info.h"

namespace qrun::tools {

// QRUN_VERSION, QRUN_BUILD_TYPE, QRUN_BUILT_WITH_CPUINFO and QRUN_BUILT_WITH_PTHREADPOOL come from
// CMake (runtime/CMakeLists.txt).
BuildInfo build_info() {
  BuildInfo info;
  info.version = QRUN_VERSION;
  info.build_type = QRUN_BUILD_TYPE;
#if defined(__clang__)
  info.compiler = "Clang " __clang_version__;
#elif defined(__GNUC__)
  info.compiler = "GCC " __VERSION__;
#endif
#if defined(__x86_64__)
  info.architecture = "x86_64";
#elif defined(__aarch64__)
  info.architecture = "aarch64";
#elif defined(__arm__)
  info.architecture = "armv7";
#elif defined(__i386__)
  info.architecture = "x86";
#endif
  info.cpuinfo = QRUN_BUILT_WITH_CPUINFO;
  info.pthreadpool = QRUN_BUILT_WITH_PTHREADPOOL;
  return info;
}

}  // namespace qrun::tools
