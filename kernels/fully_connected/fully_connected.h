// FullyConnected: output[n][o] = bias[o] + sum_i input[n][i] * weights[o][i], weights OI.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/requantize.h"
#include "conv2d/conv2d.h"

namespace qrun::kernels {

struct FullyConnectedGeometry {
  int batch = 1;
  int input_channels = 0;
  int output_channels = 0;
};

// The rows of a FullyConnected as the pixels of a [batch, 1] image under a 1x1 Conv2D, whose OHWI
// weights are the OI ones: the Conv2D GEMM kernels serve FullyConnecteds with many rows.
inline Conv2dGeometry as_conv2d(const FullyConnectedGeometry& g) {
  Conv2dGeometry conv;
  conv.input_height = conv.output_height = g.batch;
  conv.input_width = conv.output_width = 1;
  conv.input_channels = g.input_channels;
  conv.output_channels = g.output_channels;
  return conv;
}

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

// Dynamic quantization: int8 weights with one scale per output channel, a float bias, and float
// activations, each input row quantized at run time from its own range.
struct FullyConnectedDynamicWeights {
  const int8_t* oi = nullptr;
  const float* scales = nullptr;
  const float* bias = nullptr;
};

struct FullyConnectedQs8Params {
  int32_t input_zero_point = 0;
  const float* multipliers = nullptr;  // one per output channel
  Qs8Output output;
};

// Each kernel computes output channels [channel_begin, channel_end) of every batch row;
// channel_begin is always a multiple of kFullyConnectedChannelStep.
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

// Each row: its range (widened to 0) gives a scale and zero point as calibration's would,
//   q = quantize(x), acc = sum (q - zp) * w in int32, y = float(acc) * (scale * w_scale[o]) + bias,
// every step in float as written, so the bits are the same on every CPU. `quantized_row` is
// scratch of input_channels bytes.
using FullyConnectedDynamicFn = void (*)(const FullyConnectedGeometry&, F32Range,
                                         const FullyConnectedDynamicWeights&, const float* input,
                                         int8_t* quantized_row, float* output);
void fully_connected_dynamic_reference(const FullyConnectedGeometry&, F32Range,
                                       const FullyConnectedDynamicWeights&, const float* input,
                                       int8_t* quantized_row, float* output);

// x86 AVX512-VNNI: 64 output channels per step, vpdpbusd over four inputs at a time. Weights
// packed at load time; channel_begin must be a multiple of kFullyConnectedChannelStep.
constexpr size_t kFullyConnectedChannelStep = 16;
size_t fully_connected_qs8_avx512vnni_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_avx512vnni_pack(const FullyConnectedGeometry&,
                                         const FullyConnectedQs8Params&,
                                         const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_avx512vnni(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                                    const FullyConnectedQs8Weights&, const int8_t* input,
                                    int8_t* output, size_t channel_begin, size_t channel_end);

// x86 AVX-VNNI (256-bit vpdpbusd): 64 output channels per step in eight vectors of 8, four inputs
// per vpdpbusd. Weights packed at load time; channel_begin a multiple of 8.
size_t fully_connected_qs8_avxvnni_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_avxvnni_pack(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                                      const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_avxvnni(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                                 const FullyConnectedQs8Weights&, const int8_t* input,
                                 int8_t* output, size_t channel_begin, size_t channel_end);

// x86 AVX2: 64 output channels per step, two inputs per vpmaddwd on int16-widened weights (exact).
// Weights packed at load time; channel_begin a multiple of 8.
size_t fully_connected_qs8_avx2_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_avx2_pack(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                                   const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_avx2(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                              const FullyConnectedQs8Weights&, const int8_t* input, int8_t* output,
                              size_t channel_begin, size_t channel_end);

// 64-bit ARM, NEON with the dot product: 64 output channels per step, sdot over four inputs at a
// time. Weights packed at load time; channel_begin a multiple of kFullyConnectedChannelStep.
size_t fully_connected_qs8_neondot_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_neondot_pack(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                                      const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_neondot(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                                 const FullyConnectedQs8Weights&, const int8_t* input,
                                 int8_t* output, size_t channel_begin, size_t channel_end);

// 64-bit ARM, baseline NEON: 64 output channels per step, int16 multiply-accumulates (smlal by
// lane, exact) on weights widened at load time. Weights packed at load time; channel_begin a
// multiple of kFullyConnectedChannelStep.
size_t fully_connected_qs8_neon_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_neon_pack(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                                   const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_neon(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                              const FullyConnectedQs8Weights&, const int8_t* input, int8_t* output,
                              size_t channel_begin, size_t channel_end);

// 32-bit ARMv7 NEON: the AArch64 kernel above, built for ARMv7 (one source), 32 output channels
// per step. Weights packed at load time; channel_begin a multiple of kFullyConnectedChannelStep.
size_t fully_connected_qs8_armv7neon_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_armv7neon_pack(const FullyConnectedGeometry&,
                                        const FullyConnectedQs8Params&,
                                        const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_armv7neon(const FullyConnectedGeometry&, const FullyConnectedQs8Params&,
                                   const FullyConnectedQs8Weights&, const int8_t* input,
                                   int8_t* output, size_t channel_begin, size_t channel_end);

// Many rows: the Conv2D implicit-GEMM kernels of the same ISA, run as a 1x1 convolution over a
// [rows, 1] image (fully_connected_qs8_igemm.cc), each packed weight block reused over a tile of
// rows. Weights packed at load time (the Conv2D kernel's layout); channel_begin a multiple of the
// Conv2D kernel's block of channels.
size_t fully_connected_qs8_igemm_6x64c4_avx512vnni_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_igemm_6x64c4_avx512vnni_pack(const FullyConnectedGeometry&,
                                                      const FullyConnectedQs8Params&,
                                                      const FullyConnectedQs8Weights&,
                                                      void* packed);
void fully_connected_qs8_igemm_6x64c4_avx512vnni(const FullyConnectedGeometry&,
                                                 const FullyConnectedQs8Params&,
                                                 const FullyConnectedQs8Weights&,
                                                 const int8_t* input, int8_t* output,
                                                 size_t channel_begin, size_t channel_end);
size_t fully_connected_qs8_igemm_4x24c4_avxvnni_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_igemm_4x24c4_avxvnni_pack(const FullyConnectedGeometry&,
                                                   const FullyConnectedQs8Params&,
                                                   const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_igemm_4x24c4_avxvnni(const FullyConnectedGeometry&,
                                              const FullyConnectedQs8Params&,
                                              const FullyConnectedQs8Weights&, const int8_t* input,
                                              int8_t* output, size_t channel_begin,
                                              size_t channel_end);
size_t fully_connected_qs8_igemm_6x16c2_avx2_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_igemm_6x16c2_avx2_pack(const FullyConnectedGeometry&,
                                                const FullyConnectedQs8Params&,
                                                const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_igemm_6x16c2_avx2(const FullyConnectedGeometry&,
                                           const FullyConnectedQs8Params&,
                                           const FullyConnectedQs8Weights&, const int8_t* input,
                                           int8_t* output, size_t channel_begin,
                                           size_t channel_end);
size_t fully_connected_qs8_igemm_4x16c8_i8mm_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_igemm_4x16c8_i8mm_pack(const FullyConnectedGeometry&,
                                                const FullyConnectedQs8Params&,
                                                const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_igemm_4x16c8_i8mm(const FullyConnectedGeometry&,
                                           const FullyConnectedQs8Params&,
                                           const FullyConnectedQs8Weights&, const int8_t* input,
                                           int8_t* output, size_t channel_begin,
                                           size_t channel_end);
size_t fully_connected_qs8_igemm_4x16c4_neondot_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_igemm_4x16c4_neondot_pack(const FullyConnectedGeometry&,
                                                   const FullyConnectedQs8Params&,
                                                   const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_igemm_4x16c4_neondot(const FullyConnectedGeometry&,
                                              const FullyConnectedQs8Params&,
                                              const FullyConnectedQs8Weights&, const int8_t* input,
                                              int8_t* output, size_t channel_begin,
                                              size_t channel_end);
size_t fully_connected_qs8_igemm_4x16c8_neon_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_igemm_4x16c8_neon_pack(const FullyConnectedGeometry&,
                                                const FullyConnectedQs8Params&,
                                                const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_igemm_4x16c8_neon(const FullyConnectedGeometry&,
                                           const FullyConnectedQs8Params&,
                                           const FullyConnectedQs8Weights&, const int8_t* input,
                                           int8_t* output, size_t channel_begin,
                                           size_t channel_end);
size_t fully_connected_qs8_igemm_2x16c8_armv7neon_packed_size(const FullyConnectedGeometry&);
void fully_connected_qs8_igemm_2x16c8_armv7neon_pack(const FullyConnectedGeometry&,
                                                     const FullyConnectedQs8Params&,
                                                     const FullyConnectedQs8Weights&, void* packed);
void fully_connected_qs8_igemm_2x16c8_armv7neon(const FullyConnectedGeometry&,
                                                const FullyConnectedQs8Params&,
                                                const FullyConnectedQs8Weights&,
                                                const int8_t* input, int8_t* output,
                                                size_t channel_begin, size_t channel_end);

}  // namespace qrun::kernels
