// What this CPU can run, asked once of cpuinfo (and of the kernel where cpuinfo is too old to
// know: AVX-VNNI, I8MM). cpuinfo stays behind this one function.
#pragma once

#include "registry.h"

namespace qrun {

kernels::CpuFeatures detect_cpu_features();

}  // namespace qrun
