// Elementwise functions of one tensor. In int8 every one of them is a 256-entry table that the
// converter computes from the input's and output's parameters (BRIEF §4: a table in the file gives
// the same bits on every CPU, where libm may not), so one lookup kernel serves them all; in fp32
// each has its formula.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace qrun::kernels {

constexpr int kLookupTableSize = 256;

// y = table[x + 128].
using LookupTableS8Fn = void (*)(size_t count, const int8_t* table, const int8_t* input,
                                 int8_t* output);
void lookup_table_s8_reference(size_t count, const int8_t* table, const int8_t* input,
                               int8_t* output);
// x86 AVX512-VBMI (with F and BW): 64 elements per step, two vpermi2b over the table's halves.
void lookup_table_s8_avx512vbmi(size_t count, const int8_t* table, const int8_t* input,
                                int8_t* output);
// x86 AVX2: 32 elements per step, vpshufb over the table's 16 parts of 16.
void lookup_table_s8_avx2(size_t count, const int8_t* table, const int8_t* input, int8_t* output);
// AArch64 NEON: 16 elements per step, tbl and tbx over the table's four parts of 64.
void lookup_table_s8_neon(size_t count, const int8_t* table, const int8_t* input, int8_t* output);

enum class UnaryFunction {
  kHardSwish,    // x * clamp(alpha * x + beta, 0, 1)
  kHardSigmoid,  // clamp(alpha * x + beta, 0, 1)
  kSigmoid,      // 1 / (1 + exp(-x))
  kSilu,         // x * sigmoid(x)
  kGelu,         // x * (1 + erf(x / sqrt(2))) / 2
  kGeluTanh,     // x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2
  kTanh,         // tanh(x)
  kLeakyRelu,    // x >= 0 ? x : alpha * x
  kClip,         // min(max(x, alpha), beta)
};

struct UnaryF32Params {
  UnaryFunction function = UnaryFunction::kHardSwish;
  float alpha = 1.0f / 6;
  float beta = 0.5f;
};

// The fp32 formula of one element. (The converter builds the int8 tables from the same formulas in
// double.)
inline float unary_f32(const UnaryF32Params& p, float x) {
  switch (p.function) {
    case UnaryFunction::kHardSwish:
    case UnaryFunction::kHardSigmoid: {
      const float linear = p.alpha * x + p.beta;
      const float gate = linear < 0.0f ? 0.0f : (linear > 1.0f ? 1.0f : linear);
      return p.function == UnaryFunction::kHardSwish ? x * gate : gate;
    }
    case UnaryFunction::kSigmoid: return 1.0f / (1.0f + std::exp(-x));
    case UnaryFunction::kSilu: return x / (1.0f + std::exp(-x));
    case UnaryFunction::kGelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678f));
    case UnaryFunction::kGeluTanh:
      return 0.5f * x * (1.0f + std::tanh(0.79788456f * (x + 0.044715f * x * x * x)));
    case UnaryFunction::kTanh: return std::tanh(x);
    case UnaryFunction::kLeakyRelu: return x >= 0.0f ? x : p.alpha * x;
    case UnaryFunction::kClip: return x < p.alpha ? p.alpha : (x > p.beta ? p.beta : x);
  }
  return x;
}

using UnaryF32Fn = void (*)(size_t count, const UnaryF32Params&, const float* input, float* output);
void unary_f32_reference(size_t count, const UnaryF32Params&, const float* input, float* output);

}  // namespace qrun::kernels
