// Register-only loops of each family's multiply-accumulate instruction: the ceiling a kernel's
// GMAC/s is measured against. Each runs `iterations` rounds of independent accumulations (enough
// of them to hide the instruction's latency) and returns the multiply-accumulates it did.
#pragma once

#include <cstdint>

namespace qrun::kernels {

// vpdpbusd zmm: 64 MACs per instruction.
uint64_t peak_macs_avx512vnni(uint64_t iterations);
// vpdpbusd ymm (AVX-VNNI): 32 MACs per instruction.
uint64_t peak_macs_avxvnni(uint64_t iterations);
// vpmaddwd ymm (AVX2, the exact int16 form the AVX2 kernels use): 16 MACs per instruction.
uint64_t peak_macs_avx2(uint64_t iterations);

}  // namespace qrun::kernels
