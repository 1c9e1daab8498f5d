// vpdpbusd as an in-place update of its accumulator: acc += the dot products of x's unsigned and
// w's signed byte quads, lane by lane.
//
// Through the intrinsics, GCC 12 treats the accumulator as a value to be copied and often moves
// it between registers around each vpdpbusd (up to two moves per product in a 6x16 tile, and a
// stack spill in larger ones). Stated in asm with the accumulator as a read-write operand, it
// stays in its register. The arithmetic is the instruction's own, so results are unchanged.
// (The same statement for AVX-VNNI's VEX form made the 4x24 GEMM 1.7x slower here, so that
// family keeps the intrinsic.)
#pragma once

#include <immintrin.h>

namespace qrun::kernels {

#if defined(__AVX512VNNI__)
[[gnu::always_inline]] inline void dpbusd_in_place(__m512i& acc, __m512i x, __m512i w) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "vm"(w));
}
#endif

}  // namespace qrun::kernels
