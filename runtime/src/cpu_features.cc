#include "cpu_features.h"

#if defined(QRUN_HAVE_CPUINFO)
#include <cpuinfo.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if (defined(__aarch64__) || defined(__arm__)) && defined(__linux__)
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

#if defined(__aarch64__)
// Nor for I8MM: Linux reports it in AT_HWCAP2.
bool arm_has_i8mm() {
#if defined(__linux__) && defined(HWCAP2_I8MM)
  return (getauxval(AT_HWCAP2) & HWCAP2_I8MM) != 0;
#else
  return false;
#endif
}
#endif

}  // namespace

#if defined(QRUN_HAVE_CPUINFO)

kernels::CpuFeatures detect_cpu_features() {
  kernels::CpuFeatures features;
  if (!cpuinfo_initialize()) return features;
#if defined(__x86_64__) || defined(__i386__)
  features.x86_avx2 = cpuinfo_has_x86_avx2();
  // The OS must save YMM state, which cpuinfo_has_x86_avx2() already implies.
  features.x86_avx_vnni = features.x86_avx2 && x86_has_avx_vnni();
  features.x86_avx512 = cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx512bw() &&
                        cpuinfo_has_x86_avx512vl() && cpuinfo_has_x86_avx512dq();
  features.x86_avx512_vnni = features.x86_avx512 && cpuinfo_has_x86_avx512vnni();
  features.x86_avx512_vbmi = features.x86_avx512 && cpuinfo_has_x86_avx512vbmi();
#elif defined(__aarch64__)
  features.arm_neon = cpuinfo_has_arm_neon();
  features.arm_neon_dot = cpuinfo_has_arm_neon_dot();
  features.arm_i8mm = arm_has_i8mm();
#elif defined(__arm__)
  features.armv7_neon = cpuinfo_has_arm_neon();
#endif
  return features;
}

#else  // A build without cpuinfo (-DQRUN_WITH_CPUINFO=OFF) asks the compiler's runtime or the OS.

kernels::CpuFeatures detect_cpu_features() {
  kernels::CpuFeatures features;
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's and compiler-rt's checks include the OS's XSAVE support for YMM and ZMM state.
  __builtin_cpu_init();
  features.x86_avx2 = __builtin_cpu_supports("avx2");
  features.x86_avx_vnni = features.x86_avx2 && x86_has_avx_vnni();
  features.x86_avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  features.x86_avx512_vnni = features.x86_avx512 && __builtin_cpu_supports("avx512vnni");
  features.x86_avx512_vbmi = features.x86_avx512 && __builtin_cpu_supports("avx512vbmi");
#elif defined(__aarch64__) && defined(__linux__)
  // Linux and Android report the ARM features in the auxiliary vector.
  const unsigned long hwcap = getauxval(AT_HWCAP);
  features.arm_neon = (hwcap & HWCAP_ASIMD) != 0;
#if defined(HWCAP_ASIMDDP)
  features.arm_neon_dot = features.arm_neon && (hwcap & HWCAP_ASIMDDP) != 0;
#endif
  features.arm_i8mm = features.arm_neon_dot && arm_has_i8mm();
#elif defined(__arm__) && defined(__linux__)
  features.armv7_neon = (getauxval(AT_HWCAP) & HWCAP_NEON) != 0;
#endif
  return features;
}

#endif

}  // namespace qrun

namespace qrun {

Status restrict_to_isa(const std::string& isa, kernels::CpuFeatures* features) {
  const kernels::CpuFeatures cpu = *features;
  kernels::CpuFeatures wanted;
  if (isa == "ref") {
  } else if (isa == "avx2") {
    wanted.x86_avx2 = true;
  } else if (isa == "avxvnni") {
    wanted.x86_avx2 = wanted.x86_avx_vnni = true;
  } else if (isa == "avx512vnni") {
    wanted.x86_avx2 = wanted.x86_avx512 = wanted.x86_avx512_vnni = true;
    // VBMI (byte permutes) comes with the family where the CPU has it.
    wanted.x86_avx512_vbmi = cpu.x86_avx512_vbmi;
  } else if (isa == "neon") {
    wanted.arm_neon = true;
  } else if (isa == "neondot") {
    wanted.arm_neon = wanted.arm_neon_dot = true;
  } else if (isa == "i8mm") {
    wanted.arm_neon = wanted.arm_neon_dot = wanted.arm_i8mm = true;
  } else if (isa == "armv7neon") {
    wanted.armv7_neon = true;
  } else {
    return InvalidArgument("unknown instruction set '" + isa +
                           "' (ref, avx2, avxvnni, avx512vnni, neon, neondot, i8mm, armv7neon)");
  }
  const bool available =
      (!wanted.x86_avx2 || cpu.x86_avx2) && (!wanted.x86_avx_vnni || cpu.x86_avx_vnni) &&
      (!wanted.x86_avx512 || cpu.x86_avx512) && (!wanted.x86_avx512_vnni || cpu.x86_avx512_vnni) &&
      (!wanted.arm_neon || cpu.arm_neon) && (!wanted.arm_neon_dot || cpu.arm_neon_dot) &&
      (!wanted.arm_i8mm || cpu.arm_i8mm) && (!wanted.armv7_neon || cpu.armv7_neon);
  if (!available) return Unsupported("instruction set '" + isa + "' is not available on this CPU");
  *features = wanted;
  return Status::Ok();
}

const char* isa_name(const kernels::CpuFeatures& features) {
  if (features.x86_avx512_vnni) return "avx512vnni";
  if (features.x86_avx_vnni) return "avxvnni";
  if (features.x86_avx512) return "avx512";
  if (features.x86_avx2) return "avx2";
  if (features.arm_i8mm) return "i8mm";
  if (features.arm_neon_dot) return "neondot";
  if (features.arm_neon) return "neon";
  if (features.armv7_neon) return "armv7neon";
  return "ref";
}

}  // namespace qrun
