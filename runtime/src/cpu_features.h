// What this CPU can run, asked once of cpuinfo (and of the kernel where cpuinfo is too old to
// know: AVX-VNNI, I8MM), or, in a build without cpuinfo, of the compiler's runtime (x86) and the
// OS's auxiliary vector (ARM Linux and Android). cpuinfo stays behind this one function.
#pragma once

#include <string>

#include "qrun/status.h"
#include "registry.h"

namespace qrun {

kernels::CpuFeatures detect_cpu_features();

// Keeps only the features up to the named instruction set, so that tests and benchmarks can pick a
// kernel family: "ref" (reference kernels only), "avx2", "avxvnni", "avx512vnni", "neon",
// "neondot", "i8mm". Naming one the CPU lacks is an error.
Status restrict_to_isa(const std::string& isa, kernels::CpuFeatures* features);

// The widest instruction-set family in `features`, by the names restrict_to_isa takes ("avx512"
// for AVX-512 without VNNI, which it does not take).
const char* isa_name(const kernels::CpuFeatures& features);

}  // namespace qrun
