// The reduction step of AVX2's 6x16c2 tiles (the convolution GEMM and BatchMatMul): up to six
// rows of int16 values, each row's next pair broadcast as one 32-bit word, times a panel of
// [pair][16 columns][2] int16, summed by vpmaddwd into 12 ymm accumulators (acc[row][half]).
// Both sides hold values whose pair products sum exactly in int32.
//
// Included only by files compiled for AVX2 or more; in an unnamed namespace so that each file
// keeps a copy built for its own instruction set (requantize_avx2.h says why).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace qrun::kernels {
namespace {

constexpr int kMadd6x16c2Rows = 6;

// Six rows, in assembly (madd_6x16c2_avx2 says why).
template <size_t RowStride>
[[gnu::always_inline]] inline void madd_6x16c2_avx2_full(__m256i (&acc)[kMadd6x16c2Rows][2],
                                                         const int16_t* rows, size_t pairs,
                                                         const __m256i* w) {
  for (const int16_t* x = rows; x < rows + 2 * pairs; x += 2, w += 2) {
    __asm__(
        "vmovdqa (%[w]), %%ymm12\n\t"
        "vmovdqa 32(%[w]), %%ymm13\n\t"
        "vpbroadcastd (%[x]), %%ymm14\n\t"
        "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[a0], %[a0]\n\t"
        "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[b0], %[b0]\n\t"
        "vpbroadcastd %c[s](%[x]), %%ymm14\n\t"
        "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[a1], %[a1]\n\t"
        "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[b1], %[b1]\n\t"
        "vpbroadcastd %c[s]*2(%[x]), %%ymm14\n\t"
        "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[a2], %[a2]\n\t"
        "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[b2], %[b2]\n\t"
        "vpbroadcastd %c[s]*3(%[x]), %%ymm14\n\t"
        "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[a3], %[a3]\n\t"
        "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[b3], %[b3]\n\t"
        "vpbroadcastd %c[s]*4(%[x]), %%ymm14\n\t"
        "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[a4], %[a4]\n\t"
        "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[b4], %[b4]\n\t"
        "vpbroadcastd %c[s]*5(%[x]), %%ymm14\n\t"
        "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[a5], %[a5]\n\t"
        "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n\t"
        "vpaddd %%ymm15, %[b5], %[b5]\n\t"
        : [a0] "+x"(acc[0][0]), [b0] "+x"(acc[0][1]), [a1] "+x"(acc[1][0]), [b1] "+x"(acc[1][1]),
          [a2] "+x"(acc[2][0]), [b2] "+x"(acc[2][1]), [a3] "+x"(acc[3][0]), [b3] "+x"(acc[3][1]),
          [a4] "+x"(acc[4][0]), [b4] "+x"(acc[4][1]), [a5] "+x"(acc[5][0]), [b5] "+x"(acc[5][1])
        : [x] "r"(x), [w] "r"(w), [s] "i"(RowStride * sizeof(int16_t)),
          "m"(*(const int32_t(*)[kMadd6x16c2Rows * RowStride / 2]) x), "m"(*(const __m256i(*)[2])w)
        : "xmm12", "xmm13", "xmm14", "xmm15");
  }
}

// Pairs [0, pairs) of `Rows` rows, `RowStride` int16 apart from `rows`, times the panel `w`
// (two vectors per pair), added to `acc`. A full tile is written in assembly because it fills all
// 16 ymm registers (12 accumulators, two panel vectors, a broadcast and a product): compiled from
// intrinsics, GCC loads every row's broadcast first and spills accumulators to the stack on every
// step.
template <int Rows, size_t RowStride>
[[gnu::always_inline]] inline void madd_6x16c2_avx2(__m256i (&acc)[Rows][2], const int16_t* rows,
                                                    size_t pairs, const __m256i* w) {
  static_assert(Rows >= 1 && Rows <= kMadd6x16c2Rows, "a tile has one to six rows");
  if constexpr (Rows < kMadd6x16c2Rows) {
    // A partial tile leaves registers to spare: intrinsics do.
    for (size_t p = 0; p < pairs; ++p, w += 2) {
      const __m256i w0 = _mm256_load_si256(w);
      const __m256i w1 = _mm256_load_si256(w + 1);
#pragma GCC unroll 6
      for (int i = 0; i < Rows; ++i) {
        int32_t pair;
        std::memcpy(&pair, rows + i * RowStride + 2 * p, 4);
        const __m256i x = _mm256_set1_epi32(pair);
        acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(x, w0));
        acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(x, w1));
      }
    }
  } else {
    madd_6x16c2_avx2_full<RowStride>(acc, rows, pairs, w);
  }
}

}  // namespace
}  // namespace qrun::kernels
