// FullyConnected over many rows as a 1x1 Conv2D: the rows are the pixels of a [rows, 1] image and
// the OI weights are already the convolution's OHWI. The Conv2D GEMM kernels then reuse each
// packed weight block over a tile of rows, where the FullyConnected kernels stream every weight
// once per row (a GEMV per row): on the encoder's 128-row projections, 4x fewer weight loads. The
// arithmetic (int32 sums, the requantization) is the same, so the bytes are the reference's.
#include "conv2d/conv2d.h"
#include "fully_connected/fully_connected.h"

namespace qrun::kernels {
namespace {

Conv2dQs8Params as_conv2d(const FullyConnectedQs8Params& p) {
  Conv2dQs8Params conv;
  conv.input_zero_point = p.input_zero_point;
  conv.multipliers = p.multipliers;
  conv.output = p.output;
  return conv;
}

template <size_t (*ConvPackedSize)(const Conv2dGeometry&)>
size_t packed_size(const FullyConnectedGeometry& g) {
  return ConvPackedSize(as_conv2d(g));
}

template <void (*ConvPack)(const Conv2dGeometry&, const Conv2dQs8Params&, const Conv2dQs8Weights&,
                           void*)>
void pack(const FullyConnectedGeometry& g, const FullyConnectedQs8Params& p,
          const FullyConnectedQs8Weights& w, void* packed) {
  ConvPack(as_conv2d(g), as_conv2d(p), {w.oi, w.bias, nullptr}, packed);
}

template <Conv2dQs8Fn ConvRun>
void run(const FullyConnectedGeometry& g, const FullyConnectedQs8Params& p,
         const FullyConnectedQs8Weights& w, const int8_t* input, int8_t* output,
         size_t channel_begin, size_t channel_end) {
  const Conv2dQs8Params params = as_conv2d(p);
  ConvRun(as_conv2d(g), params, {w.oi, w.bias, w.packed}, input, output,
          {0, static_cast<size_t>(g.batch), channel_begin, channel_end});
}

}  // namespace

#if QRUN_X86_KERNELS
size_t fully_connected_qs8_igemm_6x64c4_avx512vnni_packed_size(const FullyConnectedGeometry& g) {
  return packed_size<conv2d_qs8_igemm_6x64c4_avx512vnni_packed_size>(g);
}
void fully_connected_qs8_igemm_6x64c4_avx512vnni_pack(const FullyConnectedGeometry& g,
                                                      const FullyConnectedQs8Params& p,
                                                      const FullyConnectedQs8Weights& w,
                                                      void* packed) {
  pack<conv2d_qs8_igemm_6x64c4_avx512vnni_pack>(g, p, w, packed);
}
void fully_connected_qs8_igemm_6x64c4_avx512vnni(const FullyConnectedGeometry& g,
                                                 const FullyConnectedQs8Params& p,
                                                 const FullyConnectedQs8Weights& w,
                                                 const int8_t* input, int8_t* output,
                                                 size_t channel_begin, size_t channel_end) {
  run<conv2d_qs8_igemm_6x64c4_avx512vnni>(g, p, w, input, output, channel_begin, channel_end);
}

size_t fully_connected_qs8_igemm_4x24c4_avxvnni_packed_size(const FullyConnectedGeometry& g) {
  return packed_size<conv2d_qs8_igemm_4x24c4_avxvnni_packed_size>(g);
}
void fully_connected_qs8_igemm_4x24c4_avxvnni_pack(const FullyConnectedGeometry& g,
                                                   const FullyConnectedQs8Params& p,
                                                   const FullyConnectedQs8Weights& w,
                                                   void* packed) {
  pack<conv2d_qs8_igemm_4x24c4_avxvnni_pack>(g, p, w, packed);
}
void fully_connected_qs8_igemm_4x24c4_avxvnni(const FullyConnectedGeometry& g,
                                              const FullyConnectedQs8Params& p,
                                              const FullyConnectedQs8Weights& w,
                                              const int8_t* input, int8_t* output,
                                              size_t channel_begin, size_t channel_end) {
  run<conv2d_qs8_igemm_4x24c4_avxvnni>(g, p, w, input, output, channel_begin, channel_end);
}

size_t fully_connected_qs8_igemm_6x16c2_avx2_packed_size(const FullyConnectedGeometry& g) {
  return packed_size<conv2d_qs8_igemm_6x16c2_avx2_packed_size>(g);
}
void fully_connected_qs8_igemm_6x16c2_avx2_pack(const FullyConnectedGeometry& g,
                                                const FullyConnectedQs8Params& p,
                                                const FullyConnectedQs8Weights& w, void* packed) {
  pack<conv2d_qs8_igemm_6x16c2_avx2_pack>(g, p, w, packed);
}
void fully_connected_qs8_igemm_6x16c2_avx2(const FullyConnectedGeometry& g,
                                           const FullyConnectedQs8Params& p,
                                           const FullyConnectedQs8Weights& w, const int8_t* input,
                                           int8_t* output, size_t channel_begin,
                                           size_t channel_end) {
  run<conv2d_qs8_igemm_6x16c2_avx2>(g, p, w, input, output, channel_begin, channel_end);
}
#endif

#if QRUN_ARM64_KERNELS
size_t fully_connected_qs8_igemm_4x16c8_i8mm_packed_size(const FullyConnectedGeometry& g) {
  return packed_size<conv2d_qs8_igemm_4x16c8_i8mm_packed_size>(g);
}
void fully_connected_qs8_igemm_4x16c8_i8mm_pack(const FullyConnectedGeometry& g,
                                                const FullyConnectedQs8Params& p,
                                                const FullyConnectedQs8Weights& w, void* packed) {
  pack<conv2d_qs8_igemm_4x16c8_i8mm_pack>(g, p, w, packed);
}
void fully_connected_qs8_igemm_4x16c8_i8mm(const FullyConnectedGeometry& g,
                                           const FullyConnectedQs8Params& p,
                                           const FullyConnectedQs8Weights& w, const int8_t* input,
                                           int8_t* output, size_t channel_begin,
                                           size_t channel_end) {
  run<conv2d_qs8_igemm_4x16c8_i8mm>(g, p, w, input, output, channel_begin, channel_end);
}

size_t fully_connected_qs8_igemm_4x16c4_neondot_packed_size(const FullyConnectedGeometry& g) {
  return packed_size<conv2d_qs8_igemm_4x16c4_neondot_packed_size>(g);
}
void fully_connected_qs8_igemm_4x16c4_neondot_pack(const FullyConnectedGeometry& g,
                                                   const FullyConnectedQs8Params& p,
                                                   const FullyConnectedQs8Weights& w,
                                                   void* packed) {
  pack<conv2d_qs8_igemm_4x16c4_neondot_pack>(g, p, w, packed);
}
void fully_connected_qs8_igemm_4x16c4_neondot(const FullyConnectedGeometry& g,
                                              const FullyConnectedQs8Params& p,
                                              const FullyConnectedQs8Weights& w,
                                              const int8_t* input, int8_t* output,
                                              size_t channel_begin, size_t channel_end) {
  run<conv2d_qs8_igemm_4x16c4_neondot>(g, p, w, input, output, channel_begin, channel_end);
}
size_t fully_connected_qs8_igemm_4x16c8_neon_packed_size(const FullyConnectedGeometry& g) {
  return packed_size<conv2d_qs8_igemm_4x16c8_neon_packed_size>(g);
}
void fully_connected_qs8_igemm_4x16c8_neon_pack(const FullyConnectedGeometry& g,
                                                const FullyConnectedQs8Params& p,
                                                const FullyConnectedQs8Weights& w, void* packed) {
  pack<conv2d_qs8_igemm_4x16c8_neon_pack>(g, p, w, packed);
}
void fully_connected_qs8_igemm_4x16c8_neon(const FullyConnectedGeometry& g,
                                           const FullyConnectedQs8Params& p,
                                           const FullyConnectedQs8Weights& w, const int8_t* input,
                                           int8_t* output, size_t channel_begin,
                                           size_t channel_end) {
  run<conv2d_qs8_igemm_4x16c8_neon>(g, p, w, input, output, channel_begin, channel_end);
}
#endif

#if QRUN_ARMV7_KERNELS
size_t fully_connected_qs8_igemm_2x16c8_armv7neon_packed_size(const FullyConnectedGeometry& g) {
  return packed_size<conv2d_qs8_igemm_2x16c8_armv7neon_packed_size>(g);
}
void fully_connected_qs8_igemm_2x16c8_armv7neon_pack(const FullyConnectedGeometry& g,
                                                     const FullyConnectedQs8Params& p,
                                                     const FullyConnectedQs8Weights& w,
                                                     void* packed) {
  pack<conv2d_qs8_igemm_2x16c8_armv7neon_pack>(g, p, w, packed);
}
void fully_connected_qs8_igemm_2x16c8_armv7neon(const FullyConnectedGeometry& g,
                                                const FullyConnectedQs8Params& p,
                                                const FullyConnectedQs8Weights& w,
                                                const int8_t* input, int8_t* output,
                                                size_t channel_begin, size_t channel_end) {
  run<conv2d_qs8_igemm_2x16c8_armv7neon>(g, p, w, input, output, channel_begin, channel_end);
}
#endif

}  // namespace qrun::kernels
