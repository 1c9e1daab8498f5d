#include "registry.h"

#include "conv2d/conv2d_as_fully_connected.h"

namespace qrun::kernels {
namespace {

// A kernel with the condition under which it serves. Each op's table lists its kernels best
// first; the reference, which serves everywhere, closes it.
template <typename KernelType, typename Geometry>
struct Entry {
  KernelType kernel;
  bool (*serves)(const CpuFeatures&, const Geometry&);
};

template <typename KernelType, typename Geometry, size_t N>
std::vector<KernelType> serving(const Entry<KernelType, Geometry> (&table)[N],
                                const CpuFeatures& cpu, const Geometry& g) {
  std::vector<KernelType> kernels;
  for (const Entry<KernelType, Geometry>& entry : table) {
    if (entry.serves(cpu, g)) kernels.push_back(entry.kernel);
  }
  return kernels;
}

template <typename Geometry>
bool everywhere(const CpuFeatures&, const Geometry&) {
  return true;
}

#if QRUN_X86_KERNELS || QRUN_ARM64_KERNELS || QRUN_ARMV7_KERNELS
// FullyConnected goes to the Conv2D GEMMs once it has a tile's worth of rows to reuse each weight
// block over; a single row (a classifier) stays with the FullyConnected kernels, which stream the
// weights once without a tile's wasted rows. Measured on the encoder's 128-row projections (sum of
// 24 ops): AVX512-VNNI 6.3 -> 1.0 ms, AVX-VNNI 7.0 -> 2.1 ms. (AVX2's earlier 3x8 GEMM was slower
// than its FullyConnected kernel, 6.7 vs 5.8 ms; its 6x16 GEMM is not: see the note there.)
bool many_rows(const FullyConnectedGeometry& g, int tile_rows) {
  return g.batch >= tile_rows;
}

bool depthwise(const Conv2dGeometry& g) {
  return g.groups == g.input_channels && g.groups == g.output_channels &&
         g.kernel_height * g.kernel_width <= kConv2dDepthwiseMaxTaps;
}

// The GEMMs reduce over at least four input channels of a group at a time: depthwise (one each)
// has kernels of its own. Groups of fewer than 16 output channels leave lanes of the GEMMs' 16-wide
// blocks empty, yet run two orders of magnitude faster than the reference would (RegNet's and
// ResNeXt's groups of 8).
bool gemm_shaped(const Conv2dGeometry& g) {
  return g.groups == 1 || g.input_channels_per_group() >= 4;
}
#endif

#if QRUN_ARM64_KERNELS
bool serves_4x16c8_i8mm(const CpuFeatures& cpu, const Conv2dGeometry& g) {
  return cpu.arm_i8mm && gemm_shaped(g);
}
bool serves_4x16c4_neondot(const CpuFeatures& cpu, const Conv2dGeometry& g) {
  return cpu.arm_neon_dot && gemm_shaped(g);
}
bool serves_4x16c8_neon(const CpuFeatures& cpu, const Conv2dGeometry& g) {
  return cpu.arm_neon && gemm_shaped(g);
}
#endif
#if QRUN_ARMV7_KERNELS
bool serves_2x16c8_armv7neon(const CpuFeatures& cpu, const Conv2dGeometry& g) {
  return cpu.armv7_neon && gemm_shaped(g);
}
#endif

#if QRUN_X86_KERNELS
// Small images (7x7: 49 pixels, 7 whole tiles) where streaming the weights decides the time;
// measured on ResNet-50's last stage, 16% faster there than 6x64, slower elsewhere. And short
// reductions onto channels that 48 divides and 64 does not (MobileNet's 96 and 144), where 6x64
// would end every tile on a half-empty block: 16->96 at 112x112 10% faster.
bool serves_7x48c4_avx512vnni(const CpuFeatures& cpu, const Conv2dGeometry& g) {
  const int pixels = g.output_height * g.output_width;
  const int channels = g.output_channels_per_group();
  const int reduction = g.kernel_height * g.kernel_width * g.input_channels_per_group();
  const bool small_image = pixels % 7 == 0 && pixels <= 64;
  const bool blocks_of_48 = channels % 48 == 0 && channels % 64 != 0 && reduction <= 64;
  return cpu.x86_avx512_vnni && gemm_shaped(g) && (small_image || blocks_of_48);
}
bool serves_6x64c4_avx512vnni(const CpuFeatures& cpu, const Conv2dGeometry& g) {
  return cpu.x86_avx512_vnni && gemm_shaped(g);
}
// A KxK depthwise window at stride 1 along the row, undilated, on rows of at least `min_width`
// output pixels. The by-column kernels take a column stride of 2 too (any row stride), but they
// win back their widening only where each column serves several pixels of a long row; at stride
// 2 and on short rows the in-order kernel is as fast or faster. conv2d_benchmark, minimum of five
// runs, in-order -> by column, microseconds: 3x3 stride 1 at 112x112x16 175 -> 88, 112x112x32
// 249 -> 176, 56x56x144 228 -> 205, 28x28x192 71 -> 67, 14x14x384 35.0 -> 36.5; 5x5 stride 1 at
// 14x14x672 152 -> 137, 28x28x120 99.5 -> 99.3, 7x7x960 54 -> 57; 5x5 stride 2 at 56x56x72
// 68 -> 80.
bool depthwise_by_column(const Conv2dGeometry& g, int k, int min_width) {
  return depthwise(g) && g.kernel_height == k && g.kernel_width == k && g.stride_width == 1 &&
         g.dilation_height == 1 && g.dilation_width == 1 && g.output_width >= min_width;
}
// One output pixel per image, fewer than a GEMM tile's six: MobileNet-v3-large's 16
// squeeze-and-excite convolutions took 0.31-0.35 ms on the 6x16 GEMM, 0.14-0.17 ms here (sum of
// qrun --profile medians, two alternating runs each).
bool serves_as_fully_connected_avx2(const CpuFeatures& cpu, const Conv2dGeometry& g) {
  return cpu.x86_avx2 && covers_whole_input(g) && g.batch < 6;
}
bool serves_6x16c2_avx2(const CpuFeatures& cpu, const Conv2dGeometry& g) {
  return cpu.x86_avx2 && gemm_shaped(g);
}
#endif

const Entry<Conv2dQs8Kernel, Conv2dGeometry> kConv2dQs8[] = {
#if QRUN_ARM64_KERNELS
    {{"conv2d_qs8_igemm_4x16c8_i8mm", conv2d_qs8_igemm_4x16c8_i8mm,
      conv2d_qs8_igemm_4x16c8_i8mm_packed_size, conv2d_qs8_igemm_4x16c8_i8mm_pack, 16},
     serves_4x16c8_i8mm},
    {{"conv2d_qs8_igemm_4x16c4_neondot", conv2d_qs8_igemm_4x16c4_neondot,
      conv2d_qs8_igemm_4x16c4_neondot_packed_size, conv2d_qs8_igemm_4x16c4_neondot_pack, 16},
     serves_4x16c4_neondot},
    {{"conv2d_qs8_igemm_4x16c8_neon", conv2d_qs8_igemm_4x16c8_neon,
      conv2d_qs8_igemm_4x16c8_neon_packed_size, conv2d_qs8_igemm_4x16c8_neon_pack, 16},
     serves_4x16c8_neon},
    {{"conv2d_qs8_depthwise_neon", conv2d_qs8_depthwise_neon, conv2d_qs8_depthwise_neon_packed_size,
      conv2d_qs8_depthwise_neon_pack, 16},
     [](const CpuFeatures& cpu, const Conv2dGeometry& g) { return cpu.arm_neon && depthwise(g); }},
#endif
#if QRUN_ARMV7_KERNELS
    {{"conv2d_qs8_igemm_2x16c8_armv7neon", conv2d_qs8_igemm_2x16c8_armv7neon,
      conv2d_qs8_igemm_2x16c8_armv7neon_packed_size, conv2d_qs8_igemm_2x16c8_armv7neon_pack, 16},
     serves_2x16c8_armv7neon},
    {{"conv2d_qs8_depthwise_armv7neon", conv2d_qs8_depthwise_armv7neon,
      conv2d_qs8_depthwise_armv7neon_packed_size, conv2d_qs8_depthwise_armv7neon_pack, 16},
     [](const CpuFeatures& cpu, const Conv2dGeometry& g) {
       return cpu.armv7_neon && depthwise(g);
     }},
#endif
#if QRUN_X86_KERNELS
    {{"conv2d_qs8_igemm_7x48c4_avx512vnni", conv2d_qs8_igemm_7x48c4_avx512vnni,
      conv2d_qs8_igemm_7x48c4_avx512vnni_packed_size, conv2d_qs8_igemm_7x48c4_avx512vnni_pack, 48},
     serves_7x48c4_avx512vnni},
    {{"conv2d_qs8_igemm_6x64c4_avx512vnni", conv2d_qs8_igemm_6x64c4_avx512vnni,
      conv2d_qs8_igemm_6x64c4_avx512vnni_packed_size, conv2d_qs8_igemm_6x64c4_avx512vnni_pack, 64},
     serves_6x64c4_avx512vnni},
    {{"conv2d_qs8_depthwise_3x3_c64_avx512vnni", conv2d_qs8_depthwise_3x3_c64_avx512vnni,
      conv2d_qs8_depthwise_3x3_c64_avx512vnni_packed_size,
      conv2d_qs8_depthwise_3x3_c64_avx512vnni_pack, 64},
     [](const CpuFeatures& cpu, const Conv2dGeometry& g) {
       return cpu.x86_avx512_vnni && depthwise(g) && g.kernel_height == 3 && g.kernel_width == 3 &&
              g.stride_height == g.stride_width && g.stride_width <= 2 && g.dilation_height == 1 &&
              g.dilation_width == 1;
     }},
    {{"conv2d_qs8_depthwise_5x5_c64_avx512vnni", conv2d_qs8_depthwise_5x5_c64_avx512vnni,
      conv2d_qs8_depthwise_5x5_c64_avx512vnni_packed_size,
      conv2d_qs8_depthwise_5x5_c64_avx512vnni_pack, 64},
     [](const CpuFeatures& cpu, const Conv2dGeometry& g) {
       return cpu.x86_avx512_vnni && depthwise(g) && g.kernel_height == 5 && g.kernel_width == 5 &&
              g.stride_height == g.stride_width && g.stride_width <= 2 && g.dilation_height == 1 &&
              g.dilation_width == 1;
     }},
    {{"conv2d_qs8_depthwise_c64_avx512vnni", conv2d_qs8_depthwise_c64_avx512vnni,
      conv2d_qs8_depthwise_c64_avx512vnni_packed_size, conv2d_qs8_depthwise_c64_avx512vnni_pack,
      64},
     // With its 32-channel tail block, faster than the 32-bit multiply kernel below at every
     // channel count of MobileNet-v2 (conv2d_benchmark: 1.08-1.17x at 32, 96 and 144 channels,
     // 1.5-2.1x at 192 and more).
     [](const CpuFeatures& cpu, const Conv2dGeometry& g) {
       return cpu.x86_avx512_vnni && depthwise(g);
     }},
    {{"conv2d_qs8_depthwise_avx512", conv2d_qs8_depthwise_avx512,
      conv2d_qs8_depthwise_avx512_packed_size, conv2d_qs8_depthwise_avx512_pack, 16},
     [](const CpuFeatures& cpu, const Conv2dGeometry& g) {
       return cpu.x86_avx512 && depthwise(g);
     }},
    {{"conv2d_qs8_igemm_4x24c4_avxvnni", conv2d_qs8_igemm_4x24c4_avxvnni,
      conv2d_qs8_igemm_4x24c4_avxvnni_packed_size, conv2d_qs8_igemm_4x24c4_avxvnni_pack, 24},
     [](const CpuFeatures& cpu, const Conv2dGeometry& g) {
       return cpu.x86_avx_vnni && gemm_shaped(g);
     }},
    {{"conv2d_qs8_as_fully_connected_qs8_avx2",
      conv2d_qs8_as_fully_connected<fully_connected_qs8_avx2>,
      conv2d_qs8_as_fully_connected_packed_size<fully_connected_qs8_avx2_packed_size>,
      conv2d_qs8_as_fully_connected_pack<fully_connected_qs8_avx2_pack>,
      kFullyConnectedChannelStep},
     serves_as_fully_connected_avx2},
    {{"conv2d_qs8_igemm_6x16c2_avx2", conv2d_qs8_igemm_6x16c2_avx2,
      conv2d_qs8_igemm_6x16c2_avx2_packed_size, conv2d_qs8_igemm_6x16c2_avx2_pack, 16},
     serves_6x16c2_avx2},
    {{"conv2d_qs8_depthwise_3x3_avx2", conv2d_qs8_depthwise_3x3_avx2,
      conv2d_qs8_depthwise_by_column_avx2_packed_size, conv2d_qs8_depthwise_by_column_avx2_pack,
      16},
     [](const CpuFeatures& cpu, const Conv2dGeometry& g) {
       return cpu.x86_avx2 && depthwise_by_column(g, 3, 28);
     }},
    {{"conv2d_qs8_depthwise_5x5_avx2", conv2d_qs8_depthwise_5x5_avx2,
      conv2d_qs8_depthwise_by_column_avx2_packed_size, conv2d_qs8_depthwise_by_column_avx2_pack,
      16},
     [](const CpuFeatures& cpu, const Conv2dGeometry& g) {
       return cpu.x86_avx2 && depthwise_by_column(g, 5, 14);
     }},
    {{"conv2d_qs8_depthwise_avx2", conv2d_qs8_depthwise_avx2, conv2d_qs8_depthwise_avx2_packed_size,
      conv2d_qs8_depthwise_avx2_pack, 16},
     [](const CpuFeatures& cpu, const Conv2dGeometry& g) { return cpu.x86_avx2 && depthwise(g); }},
#endif
    {{"conv2d_qs8_reference", conv2d_qs8_reference, nullptr, nullptr, 1}, everywhere},
};

// Kernels that also do an Add behind the convolution (Conv2dQs8Params::residual): the x86 ones in
// their epilogue, the ARM ones on each tile while it is in L1. There is no reference entry: where
// none serves, the runtime runs the two ops in turn, which gives the same bytes. The serve
// conditions are the plain kernels'.
#if QRUN_X86_KERNELS || QRUN_ARM64_KERNELS || QRUN_ARMV7_KERNELS
const Entry<Conv2dQs8Kernel, Conv2dGeometry> kConv2dAddQs8[] = {
#if QRUN_ARM64_KERNELS
    {{"conv2d_qs8_igemm_4x16c8_i8mm+add", conv2d_qs8_igemm_4x16c8_i8mm,
      conv2d_qs8_igemm_4x16c8_i8mm_packed_size, conv2d_qs8_igemm_4x16c8_i8mm_pack, 16},
     serves_4x16c8_i8mm},
    {{"conv2d_qs8_igemm_4x16c4_neondot+add", conv2d_qs8_igemm_4x16c4_neondot,
      conv2d_qs8_igemm_4x16c4_neondot_packed_size, conv2d_qs8_igemm_4x16c4_neondot_pack, 16},
     serves_4x16c4_neondot},
    {{"conv2d_qs8_igemm_4x16c8_neon+add", conv2d_qs8_igemm_4x16c8_neon,
      conv2d_qs8_igemm_4x16c8_neon_packed_size, conv2d_qs8_igemm_4x16c8_neon_pack, 16},
     serves_4x16c8_neon},
#endif
#if QRUN_ARMV7_KERNELS
    {{"conv2d_qs8_igemm_2x16c8_armv7neon+add", conv2d_qs8_igemm_2x16c8_armv7neon,
      conv2d_qs8_igemm_2x16c8_armv7neon_packed_size, conv2d_qs8_igemm_2x16c8_armv7neon_pack, 16},
     serves_2x16c8_armv7neon},
#endif
#if QRUN_X86_KERNELS
    {{"conv2d_qs8_igemm_7x48c4_avx512vnni+add", conv2d_qs8_igemm_7x48c4_avx512vnni,
      conv2d_qs8_igemm_7x48c4_avx512vnni_packed_size, conv2d_qs8_igemm_7x48c4_avx512vnni_pack, 48},
     serves_7x48c4_avx512vnni},
    {{"conv2d_qs8_igemm_6x64c4_avx512vnni+add", conv2d_qs8_igemm_6x64c4_avx512vnni,
      conv2d_qs8_igemm_6x64c4_avx512vnni_packed_size, conv2d_qs8_igemm_6x64c4_avx512vnni_pack, 64},
     serves_6x64c4_avx512vnni},
    {{"conv2d_qs8_igemm_6x16c2_avx2+add", conv2d_qs8_igemm_6x16c2_avx2,
      conv2d_qs8_igemm_6x16c2_avx2_packed_size, conv2d_qs8_igemm_6x16c2_avx2_pack, 16},
     serves_6x16c2_avx2},
#endif
};
#endif

// Where a FullyConnected goes to a Conv2D GEMM (many_rows) of each family, fused Add or not.
#if QRUN_ARM64_KERNELS
bool fully_connected_gemm_i8mm(const CpuFeatures& cpu, const FullyConnectedGeometry& g) {
  return cpu.arm_i8mm && many_rows(g, 4);
}
bool fully_connected_gemm_neondot(const CpuFeatures& cpu, const FullyConnectedGeometry& g) {
  return cpu.arm_neon_dot && many_rows(g, 4);
}
bool fully_connected_gemm_neon(const CpuFeatures& cpu, const FullyConnectedGeometry& g) {
  return cpu.arm_neon && many_rows(g, 4);
}
#endif
#if QRUN_ARMV7_KERNELS
bool fully_connected_gemm_armv7neon(const CpuFeatures& cpu, const FullyConnectedGeometry& g) {
  return cpu.armv7_neon && many_rows(g, 2);
}
#endif
#if QRUN_X86_KERNELS
bool fully_connected_gemm_avx512vnni(const CpuFeatures& cpu, const FullyConnectedGeometry& g) {
  return cpu.x86_avx512_vnni && many_rows(g, 6);
}
bool fully_connected_gemm_avxvnni(const CpuFeatures& cpu, const FullyConnectedGeometry& g) {
  return cpu.x86_avx_vnni && many_rows(g, 4);
}
bool fully_connected_gemm_avx2(const CpuFeatures& cpu, const FullyConnectedGeometry& g) {
  return cpu.x86_avx2 && many_rows(g, 6);
}
#endif

// A FullyConnected with an Add behind it (a transformer's residual) runs as the 1x1 Conv2D it is,
// through the Conv2D kernels that fuse the Add, wherever the plain FullyConnected would go to the
// Conv2D GEMM of the same family (the conditions below are those of kFullyConnectedQs8).
#if QRUN_X86_KERNELS || QRUN_ARM64_KERNELS || QRUN_ARMV7_KERNELS
const Entry<Conv2dQs8Kernel, FullyConnectedGeometry> kFullyConnectedAddQs8[] = {
#if QRUN_ARM64_KERNELS
    {{"fully_connected_qs8_igemm_4x16c8_i8mm+add", conv2d_qs8_igemm_4x16c8_i8mm,
      conv2d_qs8_igemm_4x16c8_i8mm_packed_size, conv2d_qs8_igemm_4x16c8_i8mm_pack, 16},
     fully_connected_gemm_i8mm},
    {{"fully_connected_qs8_igemm_4x16c4_neondot+add", conv2d_qs8_igemm_4x16c4_neondot,
      conv2d_qs8_igemm_4x16c4_neondot_packed_size, conv2d_qs8_igemm_4x16c4_neondot_pack, 16},
     fully_connected_gemm_neondot},
    {{"fully_connected_qs8_igemm_4x16c8_neon+add", conv2d_qs8_igemm_4x16c8_neon,
      conv2d_qs8_igemm_4x16c8_neon_packed_size, conv2d_qs8_igemm_4x16c8_neon_pack, 16},
     fully_connected_gemm_neon},
#endif
#if QRUN_ARMV7_KERNELS
    {{"fully_connected_qs8_igemm_2x16c8_armv7neon+add", conv2d_qs8_igemm_2x16c8_armv7neon,
      conv2d_qs8_igemm_2x16c8_armv7neon_packed_size, conv2d_qs8_igemm_2x16c8_armv7neon_pack, 16},
     fully_connected_gemm_armv7neon},
#endif
#if QRUN_X86_KERNELS
    {{"fully_connected_qs8_igemm_6x64c4_avx512vnni+add", conv2d_qs8_igemm_6x64c4_avx512vnni,
      conv2d_qs8_igemm_6x64c4_avx512vnni_packed_size, conv2d_qs8_igemm_6x64c4_avx512vnni_pack, 64},
     fully_connected_gemm_avx512vnni},
    {{"fully_connected_qs8_igemm_6x16c2_avx2+add", conv2d_qs8_igemm_6x16c2_avx2,
      conv2d_qs8_igemm_6x16c2_avx2_packed_size, conv2d_qs8_igemm_6x16c2_avx2_pack, 16},
     fully_connected_gemm_avx2},
#endif
};
#endif

const Entry<FullyConnectedQs8Kernel, FullyConnectedGeometry> kFullyConnectedQs8[] = {
#if QRUN_ARM64_KERNELS
    {{"fully_connected_qs8_igemm_4x16c8_i8mm", fully_connected_qs8_igemm_4x16c8_i8mm,
      fully_connected_qs8_igemm_4x16c8_i8mm_packed_size, fully_connected_qs8_igemm_4x16c8_i8mm_pack,
      16},
     fully_connected_gemm_i8mm},
    {{"fully_connected_qs8_igemm_4x16c4_neondot", fully_connected_qs8_igemm_4x16c4_neondot,
      fully_connected_qs8_igemm_4x16c4_neondot_packed_size,
      fully_connected_qs8_igemm_4x16c4_neondot_pack, 16},
     fully_connected_gemm_neondot},
    {{"fully_connected_qs8_igemm_4x16c8_neon", fully_connected_qs8_igemm_4x16c8_neon,
      fully_connected_qs8_igemm_4x16c8_neon_packed_size, fully_connected_qs8_igemm_4x16c8_neon_pack,
      16},
     fully_connected_gemm_neon},
    {{"fully_connected_qs8_neondot", fully_connected_qs8_neondot,
      fully_connected_qs8_neondot_packed_size, fully_connected_qs8_neondot_pack,
      kFullyConnectedChannelStep},
     [](const CpuFeatures& cpu, const FullyConnectedGeometry&) { return cpu.arm_neon_dot; }},
    {{"fully_connected_qs8_neon", fully_connected_qs8_neon, fully_connected_qs8_neon_packed_size,
      fully_connected_qs8_neon_pack, kFullyConnectedChannelStep},
     [](const CpuFeatures& cpu, const FullyConnectedGeometry&) { return cpu.arm_neon; }},
#endif
#if QRUN_ARMV7_KERNELS
    {{"fully_connected_qs8_igemm_2x16c8_armv7neon", fully_connected_qs8_igemm_2x16c8_armv7neon,
      fully_connected_qs8_igemm_2x16c8_armv7neon_packed_size,
      fully_connected_qs8_igemm_2x16c8_armv7neon_pack, 16},
     fully_connected_gemm_armv7neon},
    {{"fully_connected_qs8_armv7neon", fully_connected_qs8_armv7neon,
      fully_connected_qs8_armv7neon_packed_size, fully_connected_qs8_armv7neon_pack,
      kFullyConnectedChannelStep},
     [](const CpuFeatures& cpu, const FullyConnectedGeometry&) { return cpu.armv7_neon; }},
#endif
#if QRUN_X86_KERNELS
    {{"fully_connected_qs8_igemm_6x64c4_avx512vnni", fully_connected_qs8_igemm_6x64c4_avx512vnni,
      fully_connected_qs8_igemm_6x64c4_avx512vnni_packed_size,
      fully_connected_qs8_igemm_6x64c4_avx512vnni_pack, 64},
     fully_connected_gemm_avx512vnni},
    {{"fully_connected_qs8_avx512vnni", fully_connected_qs8_avx512vnni,
      fully_connected_qs8_avx512vnni_packed_size, fully_connected_qs8_avx512vnni_pack,
      kFullyConnectedChannelStep},
     [](const CpuFeatures& cpu, const FullyConnectedGeometry&) { return cpu.x86_avx512_vnni; }},
    {{"fully_connected_qs8_igemm_4x24c4_avxvnni", fully_connected_qs8_igemm_4x24c4_avxvnni,
      fully_connected_qs8_igemm_4x24c4_avxvnni_packed_size,
      fully_connected_qs8_igemm_4x24c4_avxvnni_pack, 24},
     fully_connected_gemm_avxvnni},
    {{"fully_connected_qs8_avxvnni", fully_connected_qs8_avxvnni,
      fully_connected_qs8_avxvnni_packed_size, fully_connected_qs8_avxvnni_pack,
      kFullyConnectedChannelStep},
     [](const CpuFeatures& cpu, const FullyConnectedGeometry&) { return cpu.x86_avx_vnni; }},
    {{"fully_connected_qs8_igemm_6x16c2_avx2", fully_connected_qs8_igemm_6x16c2_avx2,
      fully_connected_qs8_igemm_6x16c2_avx2_packed_size, fully_connected_qs8_igemm_6x16c2_avx2_pack,
      16},
     fully_connected_gemm_avx2},
    {{"fully_connected_qs8_avx2", fully_connected_qs8_avx2, fully_connected_qs8_avx2_packed_size,
      fully_connected_qs8_avx2_pack, kFullyConnectedChannelStep},
     [](const CpuFeatures& cpu, const FullyConnectedGeometry&) { return cpu.x86_avx2; }},
#endif
    {{"fully_connected_qs8_reference", fully_connected_qs8_reference, nullptr, nullptr, 1},
     everywhere},
};

const Entry<AddQs8Kernel, BroadcastGeometry> kAddQs8[] = {
#if QRUN_ARM64_KERNELS
    {{"add_qs8_neon", add_qs8_neon},
     [](const CpuFeatures& cpu, const BroadcastGeometry&) { return cpu.arm_neon; }},
#endif
#if QRUN_X86_KERNELS
    {{"add_qs8_avx512", add_qs8_avx512},
     [](const CpuFeatures& cpu, const BroadcastGeometry&) { return cpu.x86_avx512; }},
    {{"add_qs8_avx2", add_qs8_avx2},
     [](const CpuFeatures& cpu, const BroadcastGeometry&) { return cpu.x86_avx2; }},
#endif
#if QRUN_ARMV7_KERNELS
    {{"add_qs8_armv7neon", add_qs8_armv7neon},
     [](const CpuFeatures& cpu, const BroadcastGeometry&) { return cpu.armv7_neon; }},
#endif
    {{"add_qs8_reference", add_qs8_reference}, everywhere},
};

const Entry<BinaryQs8Kernel, BroadcastGeometry> kBinaryQs8[] = {
#if QRUN_ARM64_KERNELS
    {{"binary_qs8_neon", binary_qs8_neon},
     [](const CpuFeatures& cpu, const BroadcastGeometry&) { return cpu.arm_neon; }},
#endif
#if QRUN_X86_KERNELS
    {{"binary_qs8_avx2", binary_qs8_avx2},
     [](const CpuFeatures& cpu, const BroadcastGeometry&) { return cpu.x86_avx2; }},
#endif
    {{"binary_qs8_reference", binary_qs8_reference}, everywhere},
};

const Entry<ReduceQs8Kernel, ReduceGeometry> kReduceQs8[] = {
    {{"reduce_qs8_portable", reduce_qs8_portable},
     [](const CpuFeatures&, const ReduceGeometry& g) { return reduce_qs8_portable_serves(g); }},
    {{"reduce_qs8_reference", reduce_qs8_reference}, everywhere},
};

const Entry<PReluQs8Kernel, BroadcastGeometry> kPReluQs8[] = {
#if QRUN_ARM64_KERNELS
    {{"prelu_qs8_neon", prelu_qs8_neon},
     [](const CpuFeatures& cpu, const BroadcastGeometry&) { return cpu.arm_neon; }},
#endif
#if QRUN_X86_KERNELS
    {{"prelu_qs8_avx2", prelu_qs8_avx2},
     [](const CpuFeatures& cpu, const BroadcastGeometry&) { return cpu.x86_avx2; }},
#endif
#if QRUN_ARMV7_KERNELS
    {{"prelu_qs8_armv7neon", prelu_qs8_armv7neon},
     [](const CpuFeatures& cpu, const BroadcastGeometry&) { return cpu.armv7_neon; }},
#endif
    {{"prelu_qs8_reference", prelu_qs8_reference}, everywhere},
};

const Entry<MaxPool2dS8Kernel, Pool2dGeometry> kMaxPool2dS8[] = {
#if QRUN_ARM64_KERNELS
    {{"max_pool2d_s8_neon", max_pool2d_s8_neon},
     [](const CpuFeatures& cpu, const Pool2dGeometry&) { return cpu.arm_neon; }},
#endif
#if QRUN_X86_KERNELS
    {{"max_pool2d_s8_avx512", max_pool2d_s8_avx512},
     [](const CpuFeatures& cpu, const Pool2dGeometry&) { return cpu.x86_avx512; }},
    {{"max_pool2d_s8_avx2", max_pool2d_s8_avx2},
     [](const CpuFeatures& cpu, const Pool2dGeometry&) { return cpu.x86_avx2; }},
#endif
#if QRUN_ARMV7_KERNELS
    {{"max_pool2d_s8_armv7neon", max_pool2d_s8_armv7neon},
     [](const CpuFeatures& cpu, const Pool2dGeometry&) { return cpu.armv7_neon; }},
#endif
    {{"max_pool2d_s8_reference", max_pool2d_s8_reference}, everywhere},
};

const Entry<AveragePool2dQs8Kernel, Pool2dGeometry> kAveragePool2dQs8[] = {
#if QRUN_ARM64_KERNELS
    {{"average_pool2d_qs8_neon", average_pool2d_qs8_neon},
     [](const CpuFeatures& cpu, const Pool2dGeometry&) { return cpu.arm_neon; }},
#endif
#if QRUN_ARMV7_KERNELS
    {{"average_pool2d_qs8_armv7neon", average_pool2d_qs8_armv7neon},
     [](const CpuFeatures& cpu, const Pool2dGeometry&) { return cpu.armv7_neon; }},
#endif
#if QRUN_X86_KERNELS
    {{"average_pool2d_qs8_avx512", average_pool2d_qs8_avx512},
     [](const CpuFeatures& cpu, const Pool2dGeometry&) { return cpu.x86_avx512; }},
    {{"average_pool2d_qs8_avx2", average_pool2d_qs8_avx2},
     [](const CpuFeatures& cpu, const Pool2dGeometry&) { return cpu.x86_avx2; }},
#endif
    {{"average_pool2d_qs8_reference", average_pool2d_qs8_reference}, everywhere},
};

}  // namespace

std::vector<Conv2dQs8Kernel> conv2d_qs8_candidates(const CpuFeatures& cpu,
                                                   const Conv2dGeometry& g) {
  return serving(kConv2dQs8, cpu, g);
}
Conv2dQs8Kernel select_conv2d_qs8(const CpuFeatures& cpu, const Conv2dGeometry& g) {
  return conv2d_qs8_candidates(cpu, g).front();
}

std::vector<Conv2dQs8Kernel> conv2d_add_qs8_candidates(const CpuFeatures& cpu,
                                                       const Conv2dGeometry& g) {
#if QRUN_X86_KERNELS || QRUN_ARM64_KERNELS || QRUN_ARMV7_KERNELS
  return serving(kConv2dAddQs8, cpu, g);
#else
  (void)cpu;
  (void)g;
  return {};
#endif
}

std::vector<Conv2dQs8Kernel> fully_connected_add_qs8_candidates(const CpuFeatures& cpu,
                                                                const FullyConnectedGeometry& g) {
#if QRUN_X86_KERNELS || QRUN_ARM64_KERNELS || QRUN_ARMV7_KERNELS
  return serving(kFullyConnectedAddQs8, cpu, g);
#else
  (void)cpu;
  (void)g;
  return {};
#endif
}

std::vector<FullyConnectedQs8Kernel> fully_connected_qs8_candidates(
    const CpuFeatures& cpu, const FullyConnectedGeometry& g) {
  return serving(kFullyConnectedQs8, cpu, g);
}
FullyConnectedQs8Kernel select_fully_connected_qs8(const CpuFeatures& cpu,
                                                   const FullyConnectedGeometry& g) {
  return fully_connected_qs8_candidates(cpu, g).front();
}

std::vector<AddQs8Kernel> add_qs8_candidates(const CpuFeatures& cpu, const BroadcastGeometry& g) {
  return serving(kAddQs8, cpu, g);
}
AddQs8Kernel select_add_qs8(const CpuFeatures& cpu, const BroadcastGeometry& g) {
  return add_qs8_candidates(cpu, g).front();
}

std::vector<MaxPool2dS8Kernel> max_pool2d_s8_candidates(const CpuFeatures& cpu,
                                                        const Pool2dGeometry& g) {
  return serving(kMaxPool2dS8, cpu, g);
}
MaxPool2dS8Kernel select_max_pool2d_s8(const CpuFeatures& cpu, const Pool2dGeometry& g) {
  return max_pool2d_s8_candidates(cpu, g).front();
}

PeakLoop select_peak_loop(const CpuFeatures& cpu) {
#if QRUN_X86_KERNELS
  if (cpu.x86_avx512_vnni) return {"vpdpbusd zmm", peak_macs_avx512vnni};
  if (cpu.x86_avx_vnni) return {"vpdpbusd ymm", peak_macs_avxvnni};
  if (cpu.x86_avx2) return {"vpmaddwd ymm", peak_macs_avx2};
#else
  (void)cpu;
#endif
  return {"none", nullptr};
}

std::vector<AveragePool2dQs8Kernel> average_pool2d_qs8_candidates(const CpuFeatures& cpu,
                                                                  const Pool2dGeometry& g) {
  return serving(kAveragePool2dQs8, cpu, g);
}
AveragePool2dQs8Kernel select_average_pool2d_qs8(const CpuFeatures& cpu, const Pool2dGeometry& g) {
  return average_pool2d_qs8_candidates(cpu, g).front();
}

// Float convolutions: the blocked portable kernel gives the reference's bits on every CPU, so it
// serves every dense one; grouped ones (depthwise: a few multiply-adds per output) keep the
// reference.
Conv2dF32Kernel select_conv2d_f32(const CpuFeatures&, const Conv2dGeometry& g) {
  if (g.groups == 1) {
    return {"conv2d_f32_4x64_portable", conv2d_f32_4x64_portable,
            conv2d_f32_4x64_portable_packed_size, conv2d_f32_4x64_portable_pack, 64};
  }
  return {"conv2d_f32_reference", conv2d_f32_reference, nullptr, nullptr, 1};
}

// The ops below have only their reference kernel so far, or kernels chosen by the CPU alone.

FullyConnectedF32Kernel select_fully_connected_f32(const CpuFeatures&,
                                                   const FullyConnectedGeometry&) {
  return {"fully_connected_f32_reference", fully_connected_f32_reference, nullptr, nullptr, 1};
}

AddF32Kernel select_add_f32(const CpuFeatures&) {
  return {"add_f32_reference", add_f32_reference};
}

MaxPool2dF32Kernel select_max_pool2d_f32(const CpuFeatures&, const Pool2dGeometry&) {
  return {"max_pool2d_f32_reference", max_pool2d_f32_reference};
}

AveragePool2dF32Kernel select_average_pool2d_f32(const CpuFeatures&, const Pool2dGeometry&) {
  return {"average_pool2d_f32_reference", average_pool2d_f32_reference};
}

std::vector<MulQs8Kernel> mul_qs8_candidates(const CpuFeatures& cpu) {
  std::vector<MulQs8Kernel> kernels;
#if QRUN_X86_KERNELS
  if (cpu.x86_avx512) kernels.push_back({"mul_qs8_avx512", mul_qs8_avx512});
  if (cpu.x86_avx2) kernels.push_back({"mul_qs8_avx2", mul_qs8_avx2});
#elif QRUN_ARM64_KERNELS
  if (cpu.arm_neon) kernels.push_back({"mul_qs8_neon", mul_qs8_neon});
#elif QRUN_ARMV7_KERNELS
  if (cpu.armv7_neon) kernels.push_back({"mul_qs8_armv7neon", mul_qs8_armv7neon});
#else
  (void)cpu;
#endif
  kernels.push_back({"mul_qs8_reference", mul_qs8_reference});
  return kernels;
}
MulQs8Kernel select_mul_qs8(const CpuFeatures& cpu) {
  return mul_qs8_candidates(cpu).front();
}

MulF32Kernel select_mul_f32(const CpuFeatures&) {
  return {"mul_f32_reference", mul_f32_reference};
}

std::vector<LookupTableS8Kernel> lookup_table_s8_candidates(const CpuFeatures& cpu) {
  std::vector<LookupTableS8Kernel> kernels;
#if QRUN_X86_KERNELS
  if (cpu.x86_avx512_vbmi)
    kernels.push_back({"lookup_table_s8_avx512vbmi", lookup_table_s8_avx512vbmi});
  if (cpu.x86_avx2) kernels.push_back({"lookup_table_s8_avx2", lookup_table_s8_avx2});
#elif QRUN_ARM64_KERNELS
  if (cpu.arm_neon) kernels.push_back({"lookup_table_s8_neon", lookup_table_s8_neon});
#else
  (void)cpu;
#endif
  kernels.push_back({"lookup_table_s8_reference", lookup_table_s8_reference});
  return kernels;
}
LookupTableS8Kernel select_lookup_table_s8(const CpuFeatures& cpu) {
  return lookup_table_s8_candidates(cpu).front();
}

UnaryF32Kernel select_unary_f32(const CpuFeatures&) {
  return {"unary_f32_reference", unary_f32_reference};
}

FullyConnectedDynamicKernel select_fully_connected_dynamic(const CpuFeatures&) {
  return {"fully_connected_dynamic_reference", fully_connected_dynamic_reference};
}

// The SIMD kernels hand reductions longer than their stack panel to the portable one themselves.
std::vector<BatchMatMulQs8Kernel> batch_matmul_qs8_candidates(const CpuFeatures& cpu) {
  std::vector<BatchMatMulQs8Kernel> kernels;
#if QRUN_X86_KERNELS
  if (cpu.x86_avx512_vnni) {
    kernels.push_back({"batch_matmul_qs8_6x64c4_avx512vnni", batch_matmul_qs8_6x64c4_avx512vnni});
  }
  if (cpu.x86_avx2)
    kernels.push_back({"batch_matmul_qs8_6x16c2_avx2", batch_matmul_qs8_6x16c2_avx2});
#elif QRUN_ARM64_KERNELS
  if (cpu.arm_neon_dot) {
    kernels.push_back({"batch_matmul_qs8_4x16c4_neondot", batch_matmul_qs8_4x16c4_neondot});
  }
#else
  (void)cpu;
#endif
  kernels.push_back({"batch_matmul_qs8_rows_portable", batch_matmul_qs8_rows_portable});
  kernels.push_back({"batch_matmul_qs8_reference", batch_matmul_qs8_reference});
  return kernels;
}
BatchMatMulQs8Kernel select_batch_matmul_qs8(const CpuFeatures& cpu) {
  return batch_matmul_qs8_candidates(cpu).front();
}

BatchMatMulF32Kernel select_batch_matmul_f32(const CpuFeatures&) {
  return {"batch_matmul_f32_reference", batch_matmul_f32_reference};
}

std::vector<LayerNormQs8Kernel> layer_norm_qs8_candidates(const CpuFeatures& cpu) {
  std::vector<LayerNormQs8Kernel> kernels;
#if QRUN_X86_KERNELS
  if (cpu.x86_avx512) kernels.push_back({"layer_norm_qs8_avx512", layer_norm_qs8_avx512});
  if (cpu.x86_avx2) kernels.push_back({"layer_norm_qs8_avx2", layer_norm_qs8_avx2});
#elif QRUN_ARM64_KERNELS
  if (cpu.arm_neon) kernels.push_back({"layer_norm_qs8_neon", layer_norm_qs8_neon});
#else
  (void)cpu;
#endif
  kernels.push_back({"layer_norm_qs8_reference", layer_norm_qs8_reference});
  return kernels;
}
LayerNormQs8Kernel select_layer_norm_qs8(const CpuFeatures& cpu) {
  return layer_norm_qs8_candidates(cpu).front();
}

LayerNormF32Kernel select_layer_norm_f32(const CpuFeatures&) {
  return {"layer_norm_f32_reference", layer_norm_f32_reference};
}

std::vector<SoftmaxQs8Kernel> softmax_qs8_candidates(const CpuFeatures& cpu) {
  std::vector<SoftmaxQs8Kernel> kernels;
#if QRUN_X86_KERNELS
  if (cpu.x86_avx512_vbmi) kernels.push_back({"softmax_qs8_avx512vbmi", softmax_qs8_avx512vbmi});
  if (cpu.x86_avx512) kernels.push_back({"softmax_qs8_avx512", softmax_qs8_avx512});
  if (cpu.x86_avx2) kernels.push_back({"softmax_qs8_avx2", softmax_qs8_avx2});
#elif QRUN_ARM64_KERNELS
  if (cpu.arm_neon) kernels.push_back({"softmax_qs8_neon", softmax_qs8_neon});
#else
  (void)cpu;
#endif
  kernels.push_back({"softmax_qs8_reference", softmax_qs8_reference});
  return kernels;
}
SoftmaxQs8Kernel select_softmax_qs8(const CpuFeatures& cpu) {
  return softmax_qs8_candidates(cpu).front();
}

SoftmaxF32Kernel select_softmax_f32(const CpuFeatures&) {
  return {"softmax_f32_reference", softmax_f32_reference};
}

std::vector<ConcatS8TablesKernel> concat_s8_tables_candidates(const CpuFeatures& cpu) {
  std::vector<ConcatS8TablesKernel> kernels;
#if QRUN_X86_KERNELS
  if (cpu.x86_avx512_vbmi) {
    kernels.push_back({"concat_s8_tables_avx512vbmi", concat_s8_tables_avx512vbmi});
  }
#elif QRUN_ARM64_KERNELS
  if (cpu.arm_neon) kernels.push_back({"concat_s8_tables_neon", concat_s8_tables_neon});
#else
  (void)cpu;
#endif
  kernels.push_back({"concat_s8_tables_portable", concat_s8_tables_portable});
  return kernels;
}
ConcatS8TablesKernel select_concat_s8_tables(const CpuFeatures& cpu) {
  return concat_s8_tables_candidates(cpu).front();
}

ConcatF32Kernel select_concat_f32(const CpuFeatures&) {
  return {"concat_f32_reference", concat_f32_reference};
}

bool innermost_axis_stays(const CpuFeatures&, const TransposeGeometry& g) {
  return g.rank > 0 && g.perm[g.rank - 1] == g.rank - 1;
}

bool innermost_axis_moves_whole_elements(const CpuFeatures&, const TransposeGeometry& g) {
  const size_t e = g.element_size;
  return g.rank > 1 && g.perm[g.rank - 1] != g.rank - 1 && (e == 1 || e == 2 || e == 4 || e == 8);
}

const Entry<TransposeKernel, TransposeGeometry> kTranspose[] = {
    {{"transpose_rows_portable", transpose_rows_portable}, innermost_axis_stays},
    {{"transpose_tiles_portable", transpose_tiles_portable}, innermost_axis_moves_whole_elements},
    {{"transpose_reference", transpose_reference}, everywhere<TransposeGeometry>},
};

std::vector<TransposeKernel> transpose_candidates(const CpuFeatures& cpu,
                                                  const TransposeGeometry& g) {
  return serving(kTranspose, cpu, g);
}

TransposeKernel select_transpose(const CpuFeatures& cpu, const TransposeGeometry& g) {
  return transpose_candidates(cpu, g).front();
}

bool contiguous_rows(const CpuFeatures&, const SliceGeometry& g) {
  return g.rank > 0 && g.step[g.rank - 1] == 1;
}

const Entry<SliceKernel, SliceGeometry> kSlice[] = {
    {{"slice_rows_portable", slice_rows_portable}, contiguous_rows},
    {{"slice_reference", slice_reference}, everywhere<SliceGeometry>},
};

std::vector<SliceKernel> slice_candidates(const CpuFeatures& cpu, const SliceGeometry& g) {
  return serving(kSlice, cpu, g);
}

SliceKernel select_slice(const CpuFeatures& cpu, const SliceGeometry& g) {
  return slice_candidates(cpu, g).front();
}

GatherKernel select_gather(const CpuFeatures&) {
  return {"gather_reference", gather_reference};
}

const Entry<PadKernel, PadGeometry> kPad[] = {
    {{"pad_rows_portable", pad_rows_portable}, everywhere<PadGeometry>},
    {{"pad_reference", pad_reference}, everywhere<PadGeometry>},
};

std::vector<PadKernel> pad_candidates(const CpuFeatures& cpu, const PadGeometry& g) {
  return serving(kPad, cpu, g);
}

PadKernel select_pad(const CpuFeatures& cpu, const PadGeometry& g) {
  return pad_candidates(cpu, g).front();
}

TransposeConv2dQs8Kernel select_transpose_conv2d_qs8(const CpuFeatures&,
                                                     const TransposeConv2dGeometry&) {
  return {"transpose_conv2d_qs8_reference", transpose_conv2d_qs8_reference};
}

TransposeConv2dF32Kernel select_transpose_conv2d_f32(const CpuFeatures&,
                                                     const TransposeConv2dGeometry&) {
  return {"transpose_conv2d_f32_reference", transpose_conv2d_f32_reference};
}

ResizeNearestKernel select_resize_nearest(const CpuFeatures&) {
  return {"resize_nearest_reference", resize_nearest_reference};
}

std::vector<ResizeLinearQs8Kernel> resize_linear_qs8_candidates(const CpuFeatures& cpu) {
  std::vector<ResizeLinearQs8Kernel> kernels;
#if QRUN_X86_KERNELS
  if (cpu.x86_avx512) kernels.push_back({"resize_linear_qs8_avx512", resize_linear_qs8_avx512});
#elif QRUN_ARM64_KERNELS
  if (cpu.arm_neon) kernels.push_back({"resize_linear_qs8_neon", resize_linear_qs8_neon});
#elif QRUN_ARMV7_KERNELS
  if (cpu.armv7_neon) {
    kernels.push_back({"resize_linear_qs8_armv7neon", resize_linear_qs8_armv7neon});
  }
#else
  (void)cpu;
#endif
  kernels.push_back({"resize_linear_qs8_reference", resize_linear_qs8_reference});
  return kernels;
}
ResizeLinearQs8Kernel select_resize_linear_qs8(const CpuFeatures& cpu) {
  return resize_linear_qs8_candidates(cpu).front();
}

ResizeLinearF32Kernel select_resize_linear_f32(const CpuFeatures&) {
  return {"resize_linear_f32_reference", resize_linear_f32_reference};
}

ChannelShuffleKernel select_channel_shuffle(const CpuFeatures&) {
  return {"channel_shuffle_portable", channel_shuffle_portable};
}

QuantizeF32Qs8Kernel select_quantize_f32_qs8(const CpuFeatures&) {
  return {"quantize_f32_qs8_reference", quantize_f32_qs8_reference};
}

DequantizeQs8F32Kernel select_dequantize_qs8_f32(const CpuFeatures&) {
  return {"dequantize_qs8_f32_reference", dequantize_qs8_f32_reference};
}

std::vector<PReluQs8Kernel> prelu_qs8_candidates(const CpuFeatures& cpu,
                                                 const BroadcastGeometry& g) {
  return serving(kPReluQs8, cpu, g);
}
PReluQs8Kernel select_prelu_qs8(const CpuFeatures& cpu, const BroadcastGeometry& g) {
  return prelu_qs8_candidates(cpu, g).front();
}

PReluF32Kernel select_prelu_f32(const CpuFeatures&) {
  return {"prelu_f32_reference", prelu_f32_reference};
}

std::vector<BinaryQs8Kernel> binary_qs8_candidates(const CpuFeatures& cpu,
                                                   const BroadcastGeometry& g) {
  return serving(kBinaryQs8, cpu, g);
}
BinaryQs8Kernel select_binary_qs8(const CpuFeatures& cpu, const BroadcastGeometry& g) {
  return binary_qs8_candidates(cpu, g).front();
}

BinaryF32Kernel select_binary_f32(const CpuFeatures&) {
  return {"binary_f32_reference", binary_f32_reference};
}

std::vector<ReduceQs8Kernel> reduce_qs8_candidates(const CpuFeatures& cpu,
                                                   const ReduceGeometry& g) {
  return serving(kReduceQs8, cpu, g);
}
ReduceQs8Kernel select_reduce_qs8(const CpuFeatures& cpu, const ReduceGeometry& g) {
  return reduce_qs8_candidates(cpu, g).front();
}

ReduceF32Kernel select_reduce_f32(const CpuFeatures&) {
  return {"reduce_f32_reference", reduce_f32_reference};
}

}  // namespace qrun::kernels
