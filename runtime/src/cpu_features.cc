#include "cpu_features.h"

#include <cpuinfo.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace qrun {
namespace {

#if defined(__x86_64__) || defined(__i386__)
// Debian's cpuinfo (2022) has no query for AVX-VNNI: CPUID leaf 7, sub-leaf 1, EAX bit 4.
bool x86_has_avx_vnni() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (eax & (1u << 4)) != 0;
}
#endif

#if defined(__aarch64__) || defined(__arm__)
// Nor for I8MM: Linux reports it in AT_HWCAP2.
bool arm_has_i8mm() {
#if defined(__aarch64__) && defined(__linux__) && defined(HWCAP2_I8MM)
  return (getauxval(AT_HWCAP2) & HWCAP2_I8MM) != 0;
#else
  return false;
#endif
}
#endif

}  // namespace

kernels::CpuFeatures detect_cpu_features() {
  kernels::CpuFeatures features;
  if (!cpuinfo_initialize()) return features;
#if defined(__x86_64__) || defined(__i386__)
  features.x86_avx2 = cpuinfo_has_x86_avx2();
  // The OS must save YMM state, which cpuinfo_has_x86_avx2() already implies.
  features.x86_avx_vnni = features.x86_avx2 && x86_has_avx_vnni();
  features.x86_avx512_vnni = cpuinfo_has_x86_avx512vnni();
#elif defined(__aarch64__) || defined(__arm__)
  features.arm_neon = cpuinfo_has_arm_neon();
  features.arm_neon_dot = cpuinfo_has_arm_neon_dot();
  features.arm_i8mm = arm_has_i8mm();
#endif
  return features;
}

}  // namespace qrun
