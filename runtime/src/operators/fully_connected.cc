// FULLY_CONNECTED: inputs [input [N, K], weights OI [O, K], bias [O]], output [N, O].
#include <cmath>

#include "operators/checks.h"

namespace qrun {
namespace {

// Float activations and int8 weights: dynamic quantization (qconvert --dynamic).
Status make_dynamic(const OperatorSource& s, const kernels::FullyConnectedGeometry& geometry,
                    const fb::FullyConnectedOptions* options, std::unique_ptr<Operator>* op) {
  const Tensor& input = s.input(0);
  const Tensor& weights = s.input(1);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_type(s, s.input(2), ElementType::kFloat32));
  if (weights.channel_axis != 0 ||
      weights.scales.size() != static_cast<size_t>(geometry.output_channels)) {
    return s.error("int8 weights of a float op need one scale per output channel");
  }
  for (size_t o = 0; o < weights.scales.size(); ++o) {
    if (!(weights.scales[o] > 0.0f) || !std::isfinite(weights.scales[o]) ||
        weights.zero_points[o] != 0) {
      return s.error("weight scales must be positive and finite, zero points 0");
    }
  }
  if (static_cast<int64_t>(geometry.input_channels) * 255 * 127 >= (int64_t{1} << 31)) {
    return s.error("the reduction is too long for an int32 accumulator");
  }
  kernels::F32Range range;
  QRUN_RETURN_IF_ERROR(float_range(s, options->activation(), &range));
  const kernels::FullyConnectedDynamicKernel kernel =
      kernels::select_fully_connected_dynamic(s.cpu);
  const kernels::FullyConnectedDynamicWeights operands{
      weights.data<int8_t>(nullptr), weights.scales.data(), s.input(2).data<float>(nullptr)};
  // Scratch for one quantized row, the closure's own.
  std::vector<int8_t> row(static_cast<size_t>(geometry.input_channels));
  *op = make_operator(
      kernel.name, [=, &input, &output, row = std::move(row)](const RunContext& context) mutable {
        kernel.run(geometry, range, operands, input.data<float>(context.arena), row.data(),
                   output.mutable_data<float>(context.arena));
      });
  return Status::Ok();
}

// What every FULLY_CONNECTED is checked for, fused or not: its inputs, options and shapes, and
// whether it runs in int8.
Status check_fully_connected(const OperatorSource& s, const fb::FullyConnectedOptions** options,
                             kernels::FullyConnectedGeometry* geometry, bool* int8) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 3, 1));
  QRUN_RETURN_IF_ERROR(options_as(s, options));
  const Tensor& input = s.input(0);
  const Tensor& weights = s.input(1);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  QRUN_RETURN_IF_ERROR(expect_constant(s, weights));
  QRUN_RETURN_IF_ERROR(expect_constant(s, s.input(2)));
  QRUN_RETURN_IF_ERROR(expect_rank(s, input, 2));
  QRUN_RETURN_IF_ERROR(expect_rank(s, weights, 2));
  *geometry = {input.dim(0), input.dim(1), weights.dim(0)};
  QRUN_RETURN_IF_ERROR(
      expect_shape(s, weights, {geometry->output_channels, geometry->input_channels}));
  QRUN_RETURN_IF_ERROR(expect_shape(s, s.input(2), {geometry->output_channels}));
  QRUN_RETURN_IF_ERROR(expect_shape(s, s.output(0), {geometry->batch, geometry->output_channels}));
  return op_is_int8(s, int8);
}

}  // namespace

Status make_fully_connected(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  const fb::FullyConnectedOptions* options = nullptr;
  kernels::FullyConnectedGeometry geometry;
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(check_fully_connected(s, &options, &geometry, &int8));
  const Tensor& input = s.input(0);
  const Tensor& weights = s.input(1);
  if (!int8 && weights.type == ElementType::kInt8) return make_dynamic(s, geometry, options, op);

  const Tensor& output = s.output(0);
  const size_t channels = static_cast<size_t>(geometry.output_channels);
  // Tiles of whole steps of the kernel's channel block, as the kernel may assume.
  const auto tile_for = [channels](const ThreadPool& threads, size_t step) {
    return (threads.tile_for(channels) + step - 1) / step * step;
  };
  if (!int8) {
    QRUN_RETURN_IF_ERROR(expect_type(s, weights, ElementType::kFloat32));
    QRUN_RETURN_IF_ERROR(expect_type(s, s.input(2), ElementType::kFloat32));
    kernels::F32Range range;
    QRUN_RETURN_IF_ERROR(float_range(s, options->activation(), &range));
    const kernels::FullyConnectedF32Kernel kernel =
        kernels::select_fully_connected_f32(s.cpu, geometry);
    kernels::FullyConnectedF32Weights operands{weights.data<float>(nullptr),
                                               s.input(2).data<float>(nullptr), nullptr};
    PackedWeights packed;
    QRUN_RETURN_IF_ERROR(packed.pack(kernel, geometry, range, &operands));
    const size_t packed_bytes = packed.size();
    *op = make_operator(
        kernel.name,
        [=, &input, &output, packed = std::move(packed)](const RunContext& context) {
          const float* in = input.data<float>(context.arena);
          float* out = output.mutable_data<float>(context.arena);
          context.threads->parallelize(channels, tile_for(*context.threads, kernel.channel_step),
                                       [&](size_t begin, size_t end) {
                                         kernel.run(geometry, range, operands, in, out, begin, end);
                                       });
        },
        packed_bytes);
    return Status::Ok();
  }
  QRUN_RETURN_IF_ERROR(expect_type(s, weights, ElementType::kInt8));
  QRUN_RETURN_IF_ERROR(expect_type(s, s.input(2), ElementType::kInt32));
  QRUN_RETURN_IF_ERROR(
      expect_accumulator_fits(s, s.input(2), static_cast<size_t>(geometry.input_channels)));
  std::vector<float> multipliers;
  kernels::FullyConnectedQs8Params params;
  QRUN_RETURN_IF_ERROR(requantization(s, channels, &multipliers, &params.output));
  params.input_zero_point = input.zero_point();
  // Packing may fold the multipliers in; the closure below owns them (a moved vector keeps its
  // storage, so the pointer stays good).
  params.multipliers = multipliers.data();
  const kernels::FullyConnectedQs8Kernel kernel =
      kernels::select_fully_connected_qs8(s.cpu, geometry);
  kernels::FullyConnectedQs8Weights operands{weights.data<int8_t>(nullptr),
                                             s.input(2).data<int32_t>(nullptr), nullptr};
  PackedWeights packed;
  QRUN_RETURN_IF_ERROR(packed.pack(kernel, geometry, params, &operands));
  const size_t packed_bytes = packed.size();
  *op = make_operator(
      kernel.name,
      [=, &input, &output, multipliers = std::move(multipliers),
       packed = std::move(packed)](const RunContext& context) {
        const int8_t* in = input.data<int8_t>(context.arena);
        int8_t* out = output.mutable_data<int8_t>(context.arena);
        context.threads->parallelize(channels, tile_for(*context.threads, kernel.channel_step),
                                     [&](size_t begin, size_t end) {
                                       kernel.run(geometry, params, operands, in, out, begin, end);
                                     });
      },
      packed_bytes);
  return Status::Ok();
}

Status make_fully_connected_add(const OperatorSource& fully_connected, const OperatorSource& add,
                                int fed, std::unique_ptr<Operator>* op) {
  op->reset();
  const fb::FullyConnectedOptions* options = nullptr;
  kernels::FullyConnectedGeometry geometry;
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(check_fully_connected(fully_connected, &options, &geometry, &int8));
  if (!int8) return Status::Ok();
  return make_gemm_add(fully_connected, kernels::as_conv2d(geometry),
                       kernels::fully_connected_add_qs8_candidates(fully_connected.cpu, geometry),
                       add, fed, op);
}

}  // namespace qrun
