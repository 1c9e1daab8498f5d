#include "converter/kernel_catalog.h"

#include <algorithm>
#include <functional>
#include <map>

#include "kernels/registry.h"

namespace qrun::converter {
namespace {

// The registry's names, which this file does nothing but query.
using namespace kernels;  // NOLINT(build/namespaces)

// One CPU per family, with the features that family implies.
std::vector<CpuFeatures> FamilyCpus() {
  std::vector<CpuFeatures> cpus;
  CpuFeatures cpu;
  cpu.x86_avx2 = true;
  cpus.push_back(cpu);
  cpu.x86_avx_vnni = true;
  cpus.push_back(cpu);
  cpu.x86_avx_vnni = false;
  cpu.x86_avx512 = true;
  cpus.push_back(cpu);
  cpu.x86_avx512_vnni = true;
  cpus.push_back(cpu);
  cpu.x86_avx512_vbmi = true;
  cpus.push_back(cpu);
  cpu = CpuFeatures();
  cpu.arm_neon = true;
  cpus.push_back(cpu);
  cpu.arm_neon_dot = true;
  cpus.push_back(cpu);
  cpu.arm_i8mm = true;
  cpus.push_back(cpu);
  cpu = CpuFeatures();
  cpu.armv7_neon = true;
  cpus.push_back(cpu);
  return cpus;
}

// The family a kernel belongs to is the last word of its name ("conv2d_qs8_igemm_6x16c2_avx2");
// "reference" kernels belong to none.
void AddFamily(const char* kernel_name, std::vector<std::string>* families) {
  const std::string name = kernel_name;
  const std::string family = name.substr(name.find_last_of('_') + 1);
  if (family == "reference") return;
  if (std::find(families->begin(), families->end(), family) == families->end()) {
    families->push_back(family);
  }
}

template <typename Kernel>
std::vector<const char*> NamesOf(const std::vector<Kernel>& kernels) {
  std::vector<const char*> names;
  for (const Kernel& kernel : kernels) names.push_back(kernel.name);
  return names;
}

Conv2dGeometry DenseConv() {
  Conv2dGeometry g;
  g.input_height = g.input_width = g.output_height = g.output_width = 14;
  g.input_channels = g.output_channels = 64;
  g.kernel_height = g.kernel_width = 3;
  g.pad_top = g.pad_left = 1;
  return g;
}

Conv2dGeometry DepthwiseConv() {
  Conv2dGeometry g = DenseConv();
  g.groups = g.input_channels;
  return g;
}

Pool2dGeometry PoolWindow() {
  Pool2dGeometry g;
  g.input_height = g.input_width = 14;
  g.output_height = g.output_width = 7;
  g.channels = 64;
  g.kernel_height = g.kernel_width = g.stride_height = g.stride_width = 2;
  return g;
}

BroadcastGeometry SameShapes() {
  BroadcastGeometry g;
  g.output_dims[2] = 14;
  g.output_dims[3] = 64;
  g.a_strides[2] = g.b_strides[2] = 64;
  g.a_strides[3] = g.b_strides[3] = 1;
  return g;
}

// What the registry picks for an operator on one CPU: int8 kernels, then fp32 ones.
using Probe = std::function<void(const CpuFeatures&, std::vector<const char*>* int8,
                                 std::vector<const char*>* fp32)>;

const std::map<std::string, Probe>& Probes() {
  static const std::map<std::string, Probe> table = {
      {"CONV_2D",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = NamesOf(conv2d_qs8_candidates(cpu, DenseConv()));
         for (const char* name : NamesOf(conv2d_qs8_candidates(cpu, DepthwiseConv()))) {
           int8->push_back(name);
         }
         *fp32 = {select_conv2d_f32(cpu, DenseConv()).name,
                  select_conv2d_f32(cpu, DepthwiseConv()).name};
       }},
      {"FULLY_CONNECTED",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         FullyConnectedGeometry g;
         g.input_channels = g.output_channels = 256;
         *int8 = NamesOf(fully_connected_qs8_candidates(cpu, g));
         *fp32 = {select_fully_connected_f32(cpu, g).name};
       }},
      {"ADD",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = NamesOf(add_qs8_candidates(cpu, SameShapes()));
         *fp32 = {select_add_f32(cpu).name};
       }},
      {"MAX_POOL_2D",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = NamesOf(max_pool2d_s8_candidates(cpu, PoolWindow()));
         *fp32 = {select_max_pool2d_f32(cpu, PoolWindow()).name};
       }},
      {"AVERAGE_POOL_2D",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = NamesOf(average_pool2d_qs8_candidates(cpu, PoolWindow()));
         *fp32 = {select_average_pool2d_f32(cpu, PoolWindow()).name};
       }},
      {"MEAN",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         Pool2dGeometry g = PoolWindow();
         g.kernel_height = g.kernel_width = 14;
         g.output_height = g.output_width = 1;
         *int8 = NamesOf(average_pool2d_qs8_candidates(cpu, g));
         *fp32 = {select_average_pool2d_f32(cpu, g).name};
       }},
      {"MUL",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = {select_mul_qs8(cpu).name};
         *fp32 = {select_mul_f32(cpu).name};
       }},
      {"ELEMENTWISE_UNARY",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = {select_lookup_table_s8(cpu).name};
         *fp32 = {select_unary_f32(cpu).name};
       }},
      {"SOFTMAX",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = {select_softmax_qs8(cpu).name};
         *fp32 = {select_softmax_f32(cpu).name};
       }},
      {"LAYER_NORM",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = {select_layer_norm_qs8(cpu).name};
         *fp32 = {select_layer_norm_f32(cpu).name};
       }},
      {"BATCH_MATMUL",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = {select_batch_matmul_qs8(cpu).name};
         *fp32 = {select_batch_matmul_f32(cpu).name};
       }},
      {"CONCATENATION",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = {select_concat_s8_tables(cpu).name};
         *fp32 = {select_concat_f32(cpu).name};
       }},
      {"TRANSPOSE",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         // Attention's head transpose: the innermost axis stays in place.
         TransposeGeometry g;
         g.rank = 3;
         g.input_dims[0] = 4;
         g.input_dims[1] = 8;
         g.input_dims[2] = 16;
         g.perm[0] = 1;
         g.perm[1] = 0;
         *int8 = {select_transpose(cpu, g).name};
         g.element_size = 4;
         *fp32 = {select_transpose(cpu, g).name};
       }},
      {"RESHAPE", [](const CpuFeatures&, auto*, auto*) {}},
      {"QUANTIZE", [](const CpuFeatures& cpu, auto* int8,
                      auto*) { *int8 = {select_quantize_f32_qs8(cpu).name}; }},
      {"DEQUANTIZE", [](const CpuFeatures& cpu, auto* int8,
                        auto*) { *int8 = {select_dequantize_qs8_f32(cpu).name}; }},
      {"PRELU",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = NamesOf(prelu_qs8_candidates(cpu, SameShapes()));
         *fp32 = {select_prelu_f32(cpu).name};
       }},
      {"ELEMENTWISE_BINARY",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         *int8 = NamesOf(binary_qs8_candidates(cpu, SameShapes()));
         *fp32 = {select_binary_f32(cpu).name};
       }},
      {"REDUCE",
       [](const CpuFeatures& cpu, auto* int8, auto* fp32) {
         // NHWC's spatial axes.
         ReduceGeometry g;
         g.rank = 4;
         g.dims[0] = 1;
         g.dims[1] = g.dims[2] = 7;
         g.dims[3] = 64;
         g.reduced[1] = g.reduced[2] = true;
         *int8 = NamesOf(reduce_qs8_candidates(cpu, g));
         *fp32 = {select_reduce_f32(cpu).name};
       }},
  };
  return table;
}

}  // namespace

KernelFamilies FastKernelFamilies(const std::string& qfb_operator) {
  KernelFamilies families;
  const auto probe = Probes().find(qfb_operator);
  if (probe == Probes().end()) return families;
  families.known = true;
  for (const CpuFeatures& cpu : FamilyCpus()) {
    std::vector<const char*> int8, fp32;
    probe->second(cpu, &int8, &fp32);
    for (const char* name : int8) AddFamily(name, &families.int8);
    for (const char* name : fp32) AddFamily(name, &families.fp32);
  }
  return families;
}

}  // namespace qrun::converter
