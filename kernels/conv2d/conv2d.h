// Conv2D over NHWC activations with OHWI weights, grouped (depthwise included), with stride,
// dilation and asymmetric padding. Padded input positions hold the input's zero point, so they
// add nothing to the accumulator.
#pragma once

#include <cstddef>
#include <cstdint>

#include "add/add.h"
#include "common/requantize.h"

namespace qrun::kernels {

struct Conv2dGeometry {
  int batch = 1;
  int input_height = 0, input_width = 0, input_channels = 0;
  int output_height = 0, output_width = 0, output_channels = 0;
  int kernel_height = 1, kernel_width = 1;
  int stride_height = 1, stride_width = 1;
  int dilation_height = 1, dilation_width = 1;
  int pad_top = 0, pad_left = 0;
  int groups = 1;

  int input_channels_per_group() const { return input_channels / groups; }
  int output_channels_per_group() const { return output_channels / groups; }
  // Rows of work a kernel call can be given: one per (image, output row).
  size_t output_rows() const { return static_cast<size_t>(batch) * output_height; }
  bool depthwise() const { return groups == input_channels && groups == output_channels; }
};

// The part of the output one kernel call computes: output rows [row_begin, row_end) of
// Conv2dGeometry::output_rows() and output channels [channel_begin, channel_end). channel_begin
// is a multiple of the kernel's channel step (see the registry); a grouped convolution that is
// neither dense (one group) nor depthwise is always given every channel.
struct Conv2dSlice {
  size_t row_begin = 0;
  size_t row_end = 0;
  size_t channel_begin = 0;
  size_t channel_end = 0;
};

// Weights as they are in the file (OHWI, [output_channels, KH, KW, input_channels / groups]) and,
// for kernels that need one, the layout they packed at load time.
struct Conv2dQs8Weights {
  const int8_t* ohwi = nullptr;
  const int32_t* bias = nullptr;
  const void* packed = nullptr;
};

// An int8 Add fused behind the convolution: a residual connection. The convolution's result is
// requantized to its own int8 tensor's parameters (Conv2dQs8Params::output) and then added to the
// residual exactly as Add defines it (add/add.h), so the fused op gives the very bytes of the two
// ops run in turn; it only skips writing and reading back the intermediate tensor.
struct Conv2dQs8Residual {
  const int8_t* data = nullptr;  // NHWC, shaped like the output
  AddQs8Params add;              // a: the convolution's int8 result, b: the residual
};

struct Conv2dQs8Params {
  int32_t input_zero_point = 0;
  const float* multipliers = nullptr;  // one per output channel
  Qs8Output output;
  // Set for the kernels of a fused Conv2D + Add only (see the registry).
  const Conv2dQs8Residual* residual = nullptr;
};

struct Conv2dF32Weights {
  const float* ohwi = nullptr;
  const float* bias = nullptr;
  const void* packed = nullptr;
};

// Each kernel computes one Conv2dSlice of the output.
using Conv2dQs8Fn = void (*)(const Conv2dGeometry&, const Conv2dQs8Params&, const Conv2dQs8Weights&,
                             const int8_t* input, int8_t* output, const Conv2dSlice& slice);
using Conv2dF32Fn = void (*)(const Conv2dGeometry&, F32Range, const Conv2dF32Weights&,
                             const float* input, float* output, const Conv2dSlice& slice);

void conv2d_qs8_reference(const Conv2dGeometry&, const Conv2dQs8Params&, const Conv2dQs8Weights&,
                          const int8_t* input, int8_t* output, const Conv2dSlice& slice);
void conv2d_f32_reference(const Conv2dGeometry&, F32Range, const Conv2dF32Weights&,
                          const float* input, float* output, const Conv2dSlice& slice);
// Plain C++ for any CPU, bit-identical to the reference: 4 pixels x 64 channels at a time over
// weights packed [ky][kx][ic][oc]. Dense convolutions (one group) only; channel slices in 64s.
size_t conv2d_f32_4x64_portable_packed_size(const Conv2dGeometry&);
void conv2d_f32_4x64_portable_pack(const Conv2dGeometry&, const F32Range&, const Conv2dF32Weights&,
                                   void* packed);
void conv2d_f32_4x64_portable(const Conv2dGeometry&, F32Range, const Conv2dF32Weights&,
                              const float* input, float* output, const Conv2dSlice& slice);

// x86 AVX512-VNNI: implicit GEMM, tiles of 6 output pixels x 64 output channels (or 7 x 48), the
// reduction in steps of 4 input channels (vpdpbusd). Weights packed at load time. They also serve
// the fused Conv2D + Add (Conv2dQs8Params::residual).
size_t conv2d_qs8_igemm_6x64c4_avx512vnni_packed_size(const Conv2dGeometry&);
void conv2d_qs8_igemm_6x64c4_avx512vnni_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                             const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_igemm_6x64c4_avx512vnni(const Conv2dGeometry&, const Conv2dQs8Params&,
                                        const Conv2dQs8Weights&, const int8_t* input,
                                        int8_t* output, const Conv2dSlice& slice);
size_t conv2d_qs8_igemm_7x48c4_avx512vnni_packed_size(const Conv2dGeometry&);
void conv2d_qs8_igemm_7x48c4_avx512vnni_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                             const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_igemm_7x48c4_avx512vnni(const Conv2dGeometry&, const Conv2dQs8Params&,
                                        const Conv2dQs8Weights&, const int8_t* input,
                                        int8_t* output, const Conv2dSlice& slice);

// x86 AVX-512 (F, BW, VL, DQ): depthwise (groups == input channels == output channels) with up to
// kConv2dDepthwiseMaxTaps taps, 64 channels per step. Weights packed at load time.
constexpr int kConv2dDepthwiseMaxTaps = 64;
size_t conv2d_qs8_depthwise_avx512_packed_size(const Conv2dGeometry&);
void conv2d_qs8_depthwise_avx512_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                      const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_depthwise_avx512(const Conv2dGeometry&, const Conv2dQs8Params&,
                                 const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                                 const Conv2dSlice& slice);

// x86 AVX-VNNI (256-bit vpdpbusd): implicit GEMM, tiles of 4 output pixels x 24 output channels,
// the reduction in steps of 4 input channels. Weights packed at load time.
size_t conv2d_qs8_igemm_4x24c4_avxvnni_packed_size(const Conv2dGeometry&);
void conv2d_qs8_igemm_4x24c4_avxvnni_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                          const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_igemm_4x24c4_avxvnni(const Conv2dGeometry&, const Conv2dQs8Params&,
                                     const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                                     const Conv2dSlice& slice);

// x86 AVX2: implicit GEMM, tiles of 6 output pixels x 16 output channels, the reduction two
// values at a time, each tile's windows widened to int16 on the stack (vpmaddwd: exact). Weights
// packed at load time.
size_t conv2d_qs8_igemm_6x16c2_avx2_packed_size(const Conv2dGeometry&);
void conv2d_qs8_igemm_6x16c2_avx2_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                       const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_igemm_6x16c2_avx2(const Conv2dGeometry&, const Conv2dQs8Params&,
                                  const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                                  const Conv2dSlice& slice);

// x86 AVX2: depthwise with up to kConv2dDepthwiseMaxTaps taps, one output pixel at a time, the
// taps in int16 pairs (vpmaddwd). Weights packed at load time.
size_t conv2d_qs8_depthwise_avx2_packed_size(const Conv2dGeometry&);
void conv2d_qs8_depthwise_avx2_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                    const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_depthwise_avx2(const Conv2dGeometry&, const Conv2dQs8Params&,
                               const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                               const Conv2dSlice& slice);

// x86 AVX2: depthwise 3x3 and 5x5 at a column stride of 1 or 2 (any row stride), undilated, a row
// of output pixels at a time: each input column's rows are widened and paired once for every pixel
// whose window covers it.
// Both take the same packed weights.
size_t conv2d_qs8_depthwise_by_column_avx2_packed_size(const Conv2dGeometry&);
void conv2d_qs8_depthwise_by_column_avx2_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                              const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_depthwise_3x3_avx2(const Conv2dGeometry&, const Conv2dQs8Params&,
                                   const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                                   const Conv2dSlice& slice);
void conv2d_qs8_depthwise_5x5_avx2(const Conv2dGeometry&, const Conv2dQs8Params&,
                                   const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                                   const Conv2dSlice& slice);

// x86 AVX512-VNNI: depthwise as above, four taps of 64 channels per vpdpbusd (a last block of 32
// channels in ymm where the channels end 1 to 32 past a multiple of 64).
size_t conv2d_qs8_depthwise_c64_avx512vnni_packed_size(const Conv2dGeometry&);
void conv2d_qs8_depthwise_c64_avx512vnni_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                              const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_depthwise_c64_avx512vnni(const Conv2dGeometry&, const Conv2dQs8Params&,
                                         const Conv2dQs8Weights&, const int8_t* input,
                                         int8_t* output, const Conv2dSlice& slice);

// x86 AVX512-VNNI: depthwise 3x3 at stride 1 or 2 (the same both ways), undilated, a row of output
// pixels at a time: each input column's three rows are interleaved once for every pixel whose
// window covers it.
size_t conv2d_qs8_depthwise_3x3_c64_avx512vnni_packed_size(const Conv2dGeometry&);
void conv2d_qs8_depthwise_3x3_c64_avx512vnni_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                                  const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_depthwise_3x3_c64_avx512vnni(const Conv2dGeometry&, const Conv2dQs8Params&,
                                             const Conv2dQs8Weights&, const int8_t* input,
                                             int8_t* output, const Conv2dSlice& slice);
// x86 AVX512-VNNI: depthwise 5x5 at stride 1 or 2, undilated, a row of output pixels at a time:
// each input column's top four rows are interleaved once, the bottom row's taps per pixel.
size_t conv2d_qs8_depthwise_5x5_c64_avx512vnni_packed_size(const Conv2dGeometry&);
void conv2d_qs8_depthwise_5x5_c64_avx512vnni_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                                  const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_depthwise_5x5_c64_avx512vnni(const Conv2dGeometry&, const Conv2dQs8Params&,
                                             const Conv2dQs8Weights&, const int8_t* input,
                                             int8_t* output, const Conv2dSlice& slice);

// 64-bit ARM, NEON with I8MM (smmla): implicit GEMM, tiles of 4 output pixels x 16 output
// channels, the reduction in steps of 8 input channels (2x8 by 8x2 per smmla). Weights packed at
// load time.
size_t conv2d_qs8_igemm_4x16c8_i8mm_packed_size(const Conv2dGeometry&);
void conv2d_qs8_igemm_4x16c8_i8mm_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                       const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_igemm_4x16c8_i8mm(const Conv2dGeometry&, const Conv2dQs8Params&,
                                  const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                                  const Conv2dSlice& slice);

// 64-bit ARM, NEON with the dot product (sdot): implicit GEMM, tiles of 4 output pixels x 16
// output channels, the reduction in steps of 4 input channels. Weights packed at load time.
size_t conv2d_qs8_igemm_4x16c4_neondot_packed_size(const Conv2dGeometry&);
void conv2d_qs8_igemm_4x16c4_neondot_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                          const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_igemm_4x16c4_neondot(const Conv2dGeometry&, const Conv2dQs8Params&,
                                     const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                                     const Conv2dSlice& slice);

// 64-bit ARM, baseline NEON: implicit GEMM, tiles of 4 output pixels x 16 output channels, int16
// multiply-accumulates (smlal by lane, exact) over 8 input channels per load. Weights packed at
// load time.
size_t conv2d_qs8_igemm_4x16c8_neon_packed_size(const Conv2dGeometry&);
void conv2d_qs8_igemm_4x16c8_neon_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                       const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_igemm_4x16c8_neon(const Conv2dGeometry&, const Conv2dQs8Params&,
                                  const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                                  const Conv2dSlice& slice);

// 64-bit ARM, baseline NEON: depthwise with up to kConv2dDepthwiseMaxTaps taps, 16 channels per
// step, int16 multiply-accumulates into int32. Weights packed at load time.
size_t conv2d_qs8_depthwise_neon_packed_size(const Conv2dGeometry&);
void conv2d_qs8_depthwise_neon_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                    const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_depthwise_neon(const Conv2dGeometry&, const Conv2dQs8Params&,
                               const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                               const Conv2dSlice& slice);

// 32-bit ARMv7 NEON: implicit GEMM, tiles of 2 output pixels x 16 output channels, int16
// multiply-accumulates (vmlal.s16 by lane, exact) over 8 input channels per load. Weights packed
// at load time.
size_t conv2d_qs8_igemm_2x16c8_armv7neon_packed_size(const Conv2dGeometry&);
void conv2d_qs8_igemm_2x16c8_armv7neon_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                            const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_igemm_2x16c8_armv7neon(const Conv2dGeometry&, const Conv2dQs8Params&,
                                       const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                                       const Conv2dSlice& slice);

// 32-bit ARMv7 NEON: the AArch64 depthwise kernel above, built for ARMv7 (one source).
size_t conv2d_qs8_depthwise_armv7neon_packed_size(const Conv2dGeometry&);
void conv2d_qs8_depthwise_armv7neon_pack(const Conv2dGeometry&, const Conv2dQs8Params&,
                                         const Conv2dQs8Weights&, void* packed);
void conv2d_qs8_depthwise_armv7neon(const Conv2dGeometry&, const Conv2dQs8Params&,
                                    const Conv2dQs8Weights&, const int8_t* input, int8_t* output,
                                    const Conv2dSlice& slice);

}  // namespace qrun::kernels
