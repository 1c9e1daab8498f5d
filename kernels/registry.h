// The one place that says which kernel serves which op on which CPU. The runtime asks it once per
// op at load time, with the CPU's features and the op's geometry, and keeps the answer; kernels
// never look at the CPU themselves. Entries are tried best first; the reference kernel, which
// runs everywhere, is always last.
#pragma once

#include <cstddef>
#include <vector>

#include "add/add.h"
#include "batch_matmul/batch_matmul.h"
#include "channel_shuffle/channel_shuffle.h"
#include "concat/concat.h"
#include "conv2d/conv2d.h"
#include "elementwise_binary/elementwise_binary.h"
#include "elementwise_unary/elementwise_unary.h"
#include "fully_connected/fully_connected.h"
#include "gather/gather.h"
#include "layer_norm/layer_norm.h"
#include "mul/mul.h"
#include "pad/pad.h"
#include "peak/peak.h"
#include "pooling/pool2d.h"
#include "prelu/prelu.h"
#include "quantize/quantize.h"
#include "reduce/reduce.h"
#include "resize/resize.h"
#include "slice/slice.h"
#include "softmax/softmax.h"
#include "transpose/transpose.h"
#include "transpose_conv2d/transpose_conv2d.h"

namespace qrun::kernels {

// What the CPU can run, as found at load time (see runtime/cpu_features.h).
struct CpuFeatures {
  bool x86_avx2 = false;
  bool x86_avx_vnni = false;
  bool x86_avx512 = false;  // F, BW, VL and DQ: the Skylake-X set
  bool x86_avx512_vnni = false;
  bool x86_avx512_vbmi = false;  // byte permutes across a whole zmm (vpermb, vpermi2b)
  bool arm_neon = false;
  bool arm_neon_dot = false;
  bool arm_i8mm = false;
  bool armv7_neon = false;  // NEON on 32-bit ARM, where it is optional (AArch64's is arm_neon)
};

// A kernel that reads weights in a layout of its own packs them once, at load time, into
// `packed_size(geometry)` bytes (64-byte aligned), and may fold parameters that do not change
// from run to run (the input's zero point) into them; a kernel that reads the file's canonical
// layout has neither function.
//
// A call may be given part of the output channels; where that part starts is a multiple of
// `channel_step` (a kernel's block of channels).
template <typename Geometry, typename Params, typename Weights, typename Run>
struct WeightedKernel {
  const char* name;
  Run run;
  size_t (*packed_size)(const Geometry&);
  void (*pack)(const Geometry&, const Params&, const Weights&, void* packed);
  size_t channel_step;
};

using Conv2dQs8Kernel =
    WeightedKernel<Conv2dGeometry, Conv2dQs8Params, Conv2dQs8Weights, Conv2dQs8Fn>;
using Conv2dF32Kernel = WeightedKernel<Conv2dGeometry, F32Range, Conv2dF32Weights, Conv2dF32Fn>;
using FullyConnectedQs8Kernel = WeightedKernel<FullyConnectedGeometry, FullyConnectedQs8Params,
                                               FullyConnectedQs8Weights, FullyConnectedQs8Fn>;
using FullyConnectedF32Kernel =
    WeightedKernel<FullyConnectedGeometry, F32Range, FullyConnectedF32Weights, FullyConnectedF32Fn>;

// A kernel that needs nothing prepared at load time.
template <typename Run>
struct Kernel {
  const char* name;
  Run run;
};

using AddQs8Kernel = Kernel<AddQs8Fn>;
using AddF32Kernel = Kernel<AddF32Fn>;
using MaxPool2dS8Kernel = Kernel<MaxPool2dS8Fn>;
using MaxPool2dF32Kernel = Kernel<MaxPool2dF32Fn>;
using AveragePool2dQs8Kernel = Kernel<AveragePool2dQs8Fn>;
using AveragePool2dF32Kernel = Kernel<AveragePool2dF32Fn>;
using MulQs8Kernel = Kernel<MulQs8Fn>;
using MulF32Kernel = Kernel<MulF32Fn>;
using LookupTableS8Kernel = Kernel<LookupTableS8Fn>;
using UnaryF32Kernel = Kernel<UnaryF32Fn>;
using SoftmaxQs8Kernel = Kernel<SoftmaxQs8Fn>;
using SoftmaxF32Kernel = Kernel<SoftmaxF32Fn>;
using ConcatS8TablesKernel = Kernel<ConcatS8TablesFn>;
using ConcatF32Kernel = Kernel<ConcatF32Fn>;
using TransposeKernel = Kernel<TransposeFn>;
using SliceKernel = Kernel<SliceFn>;
using GatherKernel = Kernel<GatherFn>;
using PadKernel = Kernel<PadFn>;
using TransposeConv2dQs8Kernel = Kernel<TransposeConv2dQs8Fn>;
using TransposeConv2dF32Kernel = Kernel<TransposeConv2dF32Fn>;
using QuantizeF32Qs8Kernel = Kernel<QuantizeF32Qs8Fn>;
using DequantizeQs8F32Kernel = Kernel<DequantizeQs8F32Fn>;

Conv2dQs8Kernel select_conv2d_qs8(const CpuFeatures&, const Conv2dGeometry&);
// `*_candidates`: every kernel that could serve, best first, the reference last; the select
// function takes the first. Tests hold each candidate to the reference.
std::vector<Conv2dQs8Kernel> conv2d_qs8_candidates(const CpuFeatures&, const Conv2dGeometry&);
// The kernels that can run a Conv2D with an Add fused behind it (Conv2dQs8Params::residual), best
// first; empty where none can (the reference is not among them: the runtime then runs the two ops).
std::vector<Conv2dQs8Kernel> conv2d_add_qs8_candidates(const CpuFeatures&, const Conv2dGeometry&);
Conv2dF32Kernel select_conv2d_f32(const CpuFeatures&, const Conv2dGeometry&);
FullyConnectedQs8Kernel select_fully_connected_qs8(const CpuFeatures&,
                                                   const FullyConnectedGeometry&);
std::vector<FullyConnectedQs8Kernel> fully_connected_qs8_candidates(const CpuFeatures&,
                                                                    const FullyConnectedGeometry&);
// The Conv2D kernels that run a FullyConnected with an Add fused behind it, its rows as a 1x1
// convolution's pixels (as_conv2d), best first; empty where none can.
std::vector<Conv2dQs8Kernel> fully_connected_add_qs8_candidates(const CpuFeatures&,
                                                                const FullyConnectedGeometry&);
FullyConnectedF32Kernel select_fully_connected_f32(const CpuFeatures&,
                                                   const FullyConnectedGeometry&);

AddQs8Kernel select_add_qs8(const CpuFeatures&, const BroadcastGeometry&);
std::vector<AddQs8Kernel> add_qs8_candidates(const CpuFeatures&, const BroadcastGeometry&);
AddF32Kernel select_add_f32(const CpuFeatures&);
MaxPool2dS8Kernel select_max_pool2d_s8(const CpuFeatures&, const Pool2dGeometry&);
std::vector<MaxPool2dS8Kernel> max_pool2d_s8_candidates(const CpuFeatures&, const Pool2dGeometry&);
MaxPool2dF32Kernel select_max_pool2d_f32(const CpuFeatures&, const Pool2dGeometry&);
AveragePool2dQs8Kernel select_average_pool2d_qs8(const CpuFeatures&, const Pool2dGeometry&);
std::vector<AveragePool2dQs8Kernel> average_pool2d_qs8_candidates(const CpuFeatures&,
                                                                  const Pool2dGeometry&);
AveragePool2dF32Kernel select_average_pool2d_f32(const CpuFeatures&, const Pool2dGeometry&);
MulQs8Kernel select_mul_qs8(const CpuFeatures&);
std::vector<MulQs8Kernel> mul_qs8_candidates(const CpuFeatures&);
MulF32Kernel select_mul_f32(const CpuFeatures&);
LookupTableS8Kernel select_lookup_table_s8(const CpuFeatures&);
std::vector<LookupTableS8Kernel> lookup_table_s8_candidates(const CpuFeatures&);
UnaryF32Kernel select_unary_f32(const CpuFeatures&);
using FullyConnectedDynamicKernel = Kernel<FullyConnectedDynamicFn>;
FullyConnectedDynamicKernel select_fully_connected_dynamic(const CpuFeatures&);
using BatchMatMulQs8Kernel = Kernel<BatchMatMulQs8Fn>;
using BatchMatMulF32Kernel = Kernel<BatchMatMulF32Fn>;
using LayerNormF32Kernel = Kernel<LayerNormF32Fn>;
using LayerNormQs8Kernel = Kernel<LayerNormQs8Fn>;
LayerNormQs8Kernel select_layer_norm_qs8(const CpuFeatures&);
std::vector<LayerNormQs8Kernel> layer_norm_qs8_candidates(const CpuFeatures&);
BatchMatMulQs8Kernel select_batch_matmul_qs8(const CpuFeatures&);
std::vector<BatchMatMulQs8Kernel> batch_matmul_qs8_candidates(const CpuFeatures&);
BatchMatMulF32Kernel select_batch_matmul_f32(const CpuFeatures&);
LayerNormF32Kernel select_layer_norm_f32(const CpuFeatures&);
SoftmaxQs8Kernel select_softmax_qs8(const CpuFeatures&);
std::vector<SoftmaxQs8Kernel> softmax_qs8_candidates(const CpuFeatures&);
SoftmaxF32Kernel select_softmax_f32(const CpuFeatures&);
// Int8 concatenation runs through tables (concat.h); concat_qs8_reference defines their bytes.
ConcatS8TablesKernel select_concat_s8_tables(const CpuFeatures&);
std::vector<ConcatS8TablesKernel> concat_s8_tables_candidates(const CpuFeatures&);
ConcatF32Kernel select_concat_f32(const CpuFeatures&);
TransposeKernel select_transpose(const CpuFeatures&, const TransposeGeometry&);
std::vector<TransposeKernel> transpose_candidates(const CpuFeatures&, const TransposeGeometry&);
SliceKernel select_slice(const CpuFeatures&, const SliceGeometry&);
std::vector<SliceKernel> slice_candidates(const CpuFeatures&, const SliceGeometry&);
GatherKernel select_gather(const CpuFeatures&);
PadKernel select_pad(const CpuFeatures&, const PadGeometry&);
std::vector<PadKernel> pad_candidates(const CpuFeatures&, const PadGeometry&);
TransposeConv2dQs8Kernel select_transpose_conv2d_qs8(const CpuFeatures&,
                                                     const TransposeConv2dGeometry&);
TransposeConv2dF32Kernel select_transpose_conv2d_f32(const CpuFeatures&,
                                                     const TransposeConv2dGeometry&);
using ResizeNearestKernel = Kernel<ResizeNearestFn>;
using ResizeLinearQs8Kernel = Kernel<ResizeLinearQs8Fn>;
using ResizeLinearF32Kernel = Kernel<ResizeLinearF32Fn>;
using ChannelShuffleKernel = Kernel<ChannelShuffleFn>;
ResizeNearestKernel select_resize_nearest(const CpuFeatures&);
ResizeLinearQs8Kernel select_resize_linear_qs8(const CpuFeatures&);
std::vector<ResizeLinearQs8Kernel> resize_linear_qs8_candidates(const CpuFeatures&);
ResizeLinearF32Kernel select_resize_linear_f32(const CpuFeatures&);
ChannelShuffleKernel select_channel_shuffle(const CpuFeatures&);
QuantizeF32Qs8Kernel select_quantize_f32_qs8(const CpuFeatures&);
DequantizeQs8F32Kernel select_dequantize_qs8_f32(const CpuFeatures&);
using PReluQs8Kernel = Kernel<PReluQs8Fn>;
using PReluF32Kernel = Kernel<PReluF32Fn>;
PReluQs8Kernel select_prelu_qs8(const CpuFeatures&, const BroadcastGeometry&);
std::vector<PReluQs8Kernel> prelu_qs8_candidates(const CpuFeatures&, const BroadcastGeometry&);
PReluF32Kernel select_prelu_f32(const CpuFeatures&);
using BinaryQs8Kernel = Kernel<BinaryQs8Fn>;
using BinaryF32Kernel = Kernel<BinaryF32Fn>;
BinaryQs8Kernel select_binary_qs8(const CpuFeatures&, const BroadcastGeometry&);
std::vector<BinaryQs8Kernel> binary_qs8_candidates(const CpuFeatures&, const BroadcastGeometry&);
BinaryF32Kernel select_binary_f32(const CpuFeatures&);
using ReduceQs8Kernel = Kernel<ReduceQs8Fn>;
using ReduceF32Kernel = Kernel<ReduceF32Fn>;
ReduceQs8Kernel select_reduce_qs8(const CpuFeatures&, const ReduceGeometry&);
std::vector<ReduceQs8Kernel> reduce_qs8_candidates(const CpuFeatures&, const ReduceGeometry&);
ReduceF32Kernel select_reduce_f32(const CpuFeatures&);

// The loop of the fastest int8 multiply-accumulate instruction among the families the CPU may use,
// for "fraction of peak" figures; `run` is null where no such loop exists yet.
struct PeakLoop {
  const char* instruction;
  uint64_t (*run)(uint64_t iterations);
};
PeakLoop select_peak_loop(const CpuFeatures&);

}  // namespace qrun::kernels
