// FullyConnected: output[n][o] = bias[o] + sum_i input[n][i] * weights[o][i], weights OI.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/requantize.h"

namespace qrun::kernels {

struct FullyConnectedGeometry {
  int batch = 1;
  int input_channels = 0;
  int output_channels = 0;
};

struct FullyConnectedQs8Weights {
  const int8_t* oi = nullptr;
  const int32_t* bias = nullptr;
  const void* packed = nullptr;
};

struct FullyConnectedF32Weights {
  const float* oi = nullptr;
  const float* bias = nullptr;
  const void* packed = nullptr;
};

struct FullyConnectedQs8Params {
  int32_t input_zero_point = 0;
  const float* multipliers = nullptr;  // one per output channel
  Qs8Output output;
};

// Each kernel computes output channels [channel_begin, channel_end) of every batch row.
using FullyConnectedQs8Fn = void (*)(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                                     const FullyConnectedQs8Weights&, const int8_t* input,
                                     int8_t* output, size_t channel_begin, size_t channel_end);
using FullyConnectedF32Fn = void (*)(const FullyConnectedGeometry&, F32Range,
                                     const FullyConnectedF32Weights&, const float* input,
                                     float* output, size_t channel_begin, size_t channel_end);

void fully_connected_qs8_reference(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                                   const FullyConnectedQs8Weights&, const int8_t* input,
                                   int8_t* output, size_t channel_begin, size_t channel_end);
void fully_connected_f32_reference(const FullyConnectedGeometry&, F32Range,
                                   const FullyConnectedF32Weights&, const float* input,
                                   float* output, size_t channel_begin, size_t channel_end);

}  // namespace qrun::kernels
