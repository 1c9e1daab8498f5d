// CONV_2D: inputs [input NHWC, weights OHWI, bias], output NHWC.
#include "operators/checks.h"
#include "operators/conv_common.h"

namespace qrun {
namespace {

int output_extent(int input, int pad_before, int pad_after, int kernel, int dilation, int stride) {
  const int64_t span = static_cast<int64_t>(dilation) * (kernel - 1) + 1;
  const int64_t padded = static_cast<int64_t>(input) + pad_before + pad_after;
  return padded < span ? 0 : static_cast<int>((padded - span) / stride + 1);
}

Status geometry_of(const OperatorSource& s, const fb::Conv2DOptions& o,
                   kernels::Conv2dGeometry* g) {
  QRUN_RETURN_IF_ERROR(expect_conv_ranks(s));
  const Tensor& output = s.output(0);
  if (o.stride_h() < 1 || o.stride_w() < 1 || o.dilation_h() < 1 || o.dilation_w() < 1 ||
      o.groups() < 1 || o.pad_top() < 0 || o.pad_left() < 0 || o.pad_bottom() < 0 ||
      o.pad_right() < 0) {
    return s.error("strides, dilations and groups must be >= 1 and paddings >= 0");
  }
  const int max_pad = 1 << 16;
  if (o.pad_top() > max_pad || o.pad_left() > max_pad || o.pad_bottom() > max_pad ||
      o.pad_right() > max_pad || o.dilation_h() > max_pad || o.dilation_w() > max_pad) {
    return s.error("padding or dilation is implausibly large");
  }
  QRUN_RETURN_IF_ERROR(read_conv_geometry(s, o, g));
  g->output_height = output_extent(g->input_height, o.pad_top(), o.pad_bottom(), g->kernel_height,
                                   g->dilation_height, g->stride_height);
  g->output_width = output_extent(g->input_width, o.pad_left(), o.pad_right(), g->kernel_width,
                                  g->dilation_width, g->stride_width);
  QRUN_RETURN_IF_ERROR(
      expect_shape(s, output, {g->batch, g->output_height, g->output_width, g->output_channels}));
  return expect_shape(s, s.input(2), {g->output_channels});
}

// What every CONV_2D is checked for, fused or not: its inputs, options and geometry, and whether
// it runs in int8.
Status check_conv2d(const OperatorSource& s, const fb::Conv2DOptions** options,
                    kernels::Conv2dGeometry* geometry, bool* int8) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 3, 1));
  QRUN_RETURN_IF_ERROR(options_as(s, options));
  QRUN_RETURN_IF_ERROR(expect_activation(s, s.input(0)));
  QRUN_RETURN_IF_ERROR(expect_constant(s, s.input(1)));
  QRUN_RETURN_IF_ERROR(expect_constant(s, s.input(2)));
  QRUN_RETURN_IF_ERROR(geometry_of(s, **options, geometry));
  return op_is_int8(s, int8);
}

// Splits a convolution's output among the threads so that they finish together. Rows go in one
// tile per thread when they divide evenly (or are many), and the channels of dense and depthwise
// convolutions, in whole steps of the kernel's channel block, make up the rest of the tiles: a
// channel tile reads only its share of the weights, so small images (a 7x7 map on 2 threads
// would split 4:3 by rows) are shared by channels alone. Grouped convolutions split by rows.
template <typename Run>
void share_work(ThreadPool& threads, const kernels::Conv2dGeometry& g, size_t channel_step,
                const Run& run) {
  const size_t rows = g.output_rows();
  const size_t channels = static_cast<size_t>(g.output_channels);
  const size_t count = static_cast<size_t>(threads.threads());
  size_t row_tile = rows, channel_tile = channels;
  if (count > 1 && !(g.groups == 1 || g.depthwise())) {
    row_tile = threads.tile_for(rows);
  } else if (count > 1) {
    const size_t row_tiles = rows % count == 0 || rows >= 8 * count ? count : 1;
    row_tile = (rows + row_tiles - 1) / row_tiles;
    const size_t channel_tiles = 8 * count / row_tiles;
    channel_tile = (channels + channel_tiles - 1) / channel_tiles;
    channel_tile = (channel_tile + channel_step - 1) / channel_step * channel_step;
  }
  threads.parallelize_2d(
      rows, row_tile, channels, channel_tile,
      [&](size_t row_begin, size_t row_end, size_t channel_begin, size_t channel_end) {
        run(kernels::Conv2dSlice{row_begin, row_end, channel_begin, channel_end});
      });
}

// A fused Add's operand and result (see make_conv2d_add).
struct ResidualSource {
  const Tensor& residual;
  const Tensor& output;
  kernels::AddQs8Params add;
};

// The int8 convolution, with an Add behind it when `residual` is given.
Status make_conv2d_qs8(const OperatorSource& s, const kernels::Conv2dGeometry& geometry,
                       const kernels::Conv2dQs8Kernel& kernel, const ResidualSource* residual,
                       std::unique_ptr<Operator>* op) {
  std::vector<float> multipliers;
  kernels::Conv2dQs8Params params;
  QRUN_RETURN_IF_ERROR(read_conv_qs8_requantization(s, geometry, &multipliers, &params.output));
  params.input_zero_point = s.input(0).zero_point();
  // Packing may fold the multipliers in; the closure below owns them (a moved vector keeps its
  // storage, so the pointer stays good).
  params.multipliers = multipliers.data();
  kernels::Conv2dQs8Weights weights{s.input(1).data<int8_t>(nullptr),
                                    s.input(2).data<int32_t>(nullptr), nullptr};
  PackedWeights packed;
  QRUN_RETURN_IF_ERROR(packed.pack(kernel, geometry, params, &weights));
  const size_t packed_bytes = packed.size();
  const Tensor& input = s.input(0);
  const Tensor& output = residual != nullptr ? residual->output : s.output(0);
  const Tensor* residual_tensor = residual != nullptr ? &residual->residual : nullptr;
  const kernels::AddQs8Params add = residual != nullptr ? residual->add : kernels::AddQs8Params{};
  *op = make_operator(
      kernel.name,
      [=, &input, &output, multipliers = std::move(multipliers),
       packed = std::move(packed)](const RunContext& context) {
        const int8_t* in = input.data<int8_t>(context.arena);
        int8_t* out = output.mutable_data<int8_t>(context.arena);
        kernels::Conv2dQs8Residual fused_add{nullptr, add};
        kernels::Conv2dQs8Params run_params = params;
        if (residual_tensor != nullptr) {
          fused_add.data = residual_tensor->data<int8_t>(context.arena);
          run_params.residual = &fused_add;
        }
        share_work(*context.threads, geometry, kernel.channel_step,
                   [&](const kernels::Conv2dSlice& slice) {
                     kernel.run(geometry, run_params, weights, in, out, slice);
                   });
      },
      packed_bytes);
  return Status::Ok();
}

}  // namespace

Status make_conv2d(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  const fb::Conv2DOptions* options = nullptr;
  kernels::Conv2dGeometry geometry;
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(check_conv2d(s, &options, &geometry, &int8));

  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  if (!int8) {
    QRUN_RETURN_IF_ERROR(expect_type(s, s.input(1), ElementType::kFloat32));
    QRUN_RETURN_IF_ERROR(expect_type(s, s.input(2), ElementType::kFloat32));
    kernels::F32Range range;
    QRUN_RETURN_IF_ERROR(float_range(s, options->activation(), &range));
    const kernels::Conv2dF32Kernel kernel = kernels::select_conv2d_f32(s.cpu, geometry);
    kernels::Conv2dF32Weights weights{s.input(1).data<float>(nullptr),
                                      s.input(2).data<float>(nullptr), nullptr};
    PackedWeights packed;
    QRUN_RETURN_IF_ERROR(packed.pack(kernel, geometry, range, &weights));
    const size_t packed_bytes = packed.size();
    *op = make_operator(
        kernel.name,
        [=, &input, &output, packed = std::move(packed)](const RunContext& context) {
          const float* in = input.data<float>(context.arena);
          float* out = output.mutable_data<float>(context.arena);
          share_work(*context.threads, geometry, kernel.channel_step,
                     [&](const kernels::Conv2dSlice& slice) {
                       kernel.run(geometry, range, weights, in, out, slice);
                     });
        },
        packed_bytes);
    return Status::Ok();
  }
  return make_conv2d_qs8(s, geometry, kernels::select_conv2d_qs8(s.cpu, geometry), nullptr, op);
}

Status make_gemm_add(const OperatorSource& producer, const kernels::Conv2dGeometry& geometry,
                     const std::vector<kernels::Conv2dQs8Kernel>& kernels,
                     const OperatorSource& add, int fed, std::unique_ptr<Operator>* op) {
  op->reset();
  QRUN_RETURN_IF_ERROR(expect_io_count(add, 2, 1));
  const int fed_side = add.inputs[0] == fed ? 0 : 1;
  if (kernels.empty() || add.inputs[fed_side] != fed || add.inputs[1 - fed_side] == fed) {
    return Status::Ok();
  }
  const Tensor& residual = add.input(1 - fed_side);
  const Tensor& output = add.output(0);
  if (residual.type != ElementType::kInt8 || output.type != ElementType::kInt8 ||
      residual.shape != output.shape || add.input(fed_side).shape != output.shape) {
    return Status::Ok();  // broadcasting or mixed types: the two ops run in turn
  }
  QRUN_RETURN_IF_ERROR(expect_per_tensor(add, residual));
  ResidualSource source{residual, output, {}};
  std::vector<float> multipliers;
  QRUN_RETURN_IF_ERROR(requantization(add, 2, &multipliers, &source.add.output));
  // Add's definition is symmetric in its operands: the producer's result is always `a`.
  source.add.a_zero_point = add.input(fed_side).zero_point();
  source.add.a_multiplier = multipliers[fed_side];
  source.add.b_zero_point = residual.zero_point();
  source.add.b_multiplier = multipliers[1 - fed_side];
  return make_conv2d_qs8(producer, geometry, kernels.front(), &source, op);
}

Status make_conv2d_add(const OperatorSource& conv, const OperatorSource& add, int fed,
                       std::unique_ptr<Operator>* op) {
  op->reset();
  const fb::Conv2DOptions* options = nullptr;
  kernels::Conv2dGeometry geometry;
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(check_conv2d(conv, &options, &geometry, &int8));
  if (!int8) return Status::Ok();
  return make_gemm_add(conv, geometry, kernels::conv2d_add_qs8_candidates(conv.cpu, geometry), add,
                       fed, op);
}

}  // namespace qrun
