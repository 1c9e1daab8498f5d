// SIMD kernels load whole vectors, and may read a few bytes past the last element of an input
// (the products of those bytes are multiplied by zero-padded weights and never reach a result).
// Whoever allocates activations leaves this much readable slack after them.
#pragma once

#include <cstddef>

namespace qrun::kernels {

constexpr size_t kInputOverreadBytes = 64;

}  // namespace qrun::kernels
