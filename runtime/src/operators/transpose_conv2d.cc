// TRANSPOSE_CONV_2D: inputs [input NHWC, weights OHWI, bias], output NHWC; output rows are shared
// among the threads.
#include "operators/checks.h"

namespace qrun {
namespace {

Status geometry_of(const OperatorSource& s, const fb::TransposeConv2DOptions& o,
                   kernels::TransposeConv2dGeometry* g) {
  const Tensor& input = s.input(0);
  const Tensor& weights = s.input(1);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_rank(s, input, 4));
  QRUN_RETURN_IF_ERROR(expect_rank(s, weights, 4));
  QRUN_RETURN_IF_ERROR(expect_rank(s, output, 4));
  const int limit = 1 << 16;
  const int values[] = {o.stride_h(),  o.stride_w(),         o.dilation_h(),      o.dilation_w(),
                        o.groups(),    o.pad_top(),          o.pad_left(),        o.pad_bottom(),
                        o.pad_right(), o.output_padding_h(), o.output_padding_w()};
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); ++i) {
    const int minimum = i < 5 ? 1 : 0;
    if (values[i] < minimum || values[i] > limit) {
      return s.error("strides, dilations and groups must be in [1, 65536], paddings in [0, 65536]");
    }
  }
  g->batch = input.dim(0);
  g->input_height = input.dim(1);
  g->input_width = input.dim(2);
  g->input_channels = input.dim(3);
  g->output_channels = weights.dim(0);
  g->kernel_height = weights.dim(1);
  g->kernel_width = weights.dim(2);
  g->stride_height = o.stride_h();
  g->stride_width = o.stride_w();
  g->dilation_height = o.dilation_h();
  g->dilation_width = o.dilation_w();
  g->pad_top = o.pad_top();
  g->pad_left = o.pad_left();
  g->groups = o.groups();
  if (g->input_channels % g->groups != 0 || g->output_channels % g->groups != 0 ||
      weights.dim(3) != g->input_channels / g->groups) {
    return s.error("weights " + shape_string(weights.shape) + " do not fit " +
                   std::to_string(g->input_channels) + " input channels in " +
                   std::to_string(g->groups) + " groups");
  }
  auto extent = [](int64_t in, int64_t stride, int64_t kernel, int64_t dilation, int64_t before,
                   int64_t after, int64_t extra) {
    return (in - 1) * stride + (kernel - 1) * dilation + 1 + extra - before - after;
  };
  const int64_t height =
      extent(g->input_height, g->stride_height, g->kernel_height, g->dilation_height, o.pad_top(),
             o.pad_bottom(), o.output_padding_h());
  const int64_t width = extent(g->input_width, g->stride_width, g->kernel_width, g->dilation_width,
                               o.pad_left(), o.pad_right(), o.output_padding_w());
  if (height < 1 || width < 1 || height > limit * 4 || width > limit * 4) {
    return s.error("the paddings leave an output of " + std::to_string(height) + " x " +
                   std::to_string(width));
  }
  g->output_height = static_cast<int>(height);
  g->output_width = static_cast<int>(width);
  QRUN_RETURN_IF_ERROR(
      expect_shape(s, output, {g->batch, g->output_height, g->output_width, g->output_channels}));
  return expect_shape(s, s.input(2), {g->output_channels});
}

template <typename Run>
void share_rows(ThreadPool& threads, const kernels::TransposeConv2dGeometry& g, const Run& run) {
  const size_t rows = g.output_rows();
  threads.parallelize(rows, threads.tile_for(rows), run);
}

}  // namespace

Status make_transpose_conv2d(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 3, 1));
  const fb::TransposeConv2DOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  QRUN_RETURN_IF_ERROR(expect_activation(s, s.input(0)));
  QRUN_RETURN_IF_ERROR(expect_constant(s, s.input(1)));
  QRUN_RETURN_IF_ERROR(expect_constant(s, s.input(2)));
  kernels::TransposeConv2dGeometry geometry;
  QRUN_RETURN_IF_ERROR(geometry_of(s, *options, &geometry));
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  if (!int8) {
    QRUN_RETURN_IF_ERROR(expect_type(s, s.input(1), ElementType::kFloat32));
    QRUN_RETURN_IF_ERROR(expect_type(s, s.input(2), ElementType::kFloat32));
    kernels::F32Range range;
    QRUN_RETURN_IF_ERROR(float_range(s, options->activation(), &range));
    const kernels::TransposeConv2dF32Kernel kernel =
        kernels::select_transpose_conv2d_f32(s.cpu, geometry);
    const float* weights = s.input(1).data<float>(nullptr);
    const float* bias = s.input(2).data<float>(nullptr);
    *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
      const float* in = input.data<float>(context.arena);
      float* out = output.mutable_data<float>(context.arena);
      share_rows(*context.threads, geometry, [&](size_t begin, size_t end) {
        kernel.run(geometry, range, weights, bias, in, out, begin, end);
      });
    });
    return Status::Ok();
  }
  QRUN_RETURN_IF_ERROR(expect_type(s, s.input(1), ElementType::kInt8));
  QRUN_RETURN_IF_ERROR(expect_type(s, s.input(2), ElementType::kInt32));
  QRUN_RETURN_IF_ERROR(
      expect_accumulator_fits(s, s.input(2),
                              static_cast<size_t>(geometry.kernel_height) * geometry.kernel_width *
                                  geometry.input_channels_per_group()));
  std::vector<float> multipliers;
  kernels::TransposeConv2dQs8Params params;
  QRUN_RETURN_IF_ERROR(requantization(s, static_cast<size_t>(geometry.output_channels),
                                      &multipliers, &params.output));
  params.input_zero_point = input.zero_point();
  const kernels::TransposeConv2dQs8Kernel kernel =
      kernels::select_transpose_conv2d_qs8(s.cpu, geometry);
  const int8_t* weights = s.input(1).data<int8_t>(nullptr);
  const int32_t* bias = s.input(2).data<int32_t>(nullptr);
  *op = make_operator(kernel.name, [=, &input, &output, multipliers = std::move(multipliers)](
                                       const RunContext& context) {
    kernels::TransposeConv2dQs8Params run_params = params;
    run_params.multipliers = multipliers.data();
    const int8_t* in = input.data<int8_t>(context.arena);
    int8_t* out = output.mutable_data<int8_t>(context.arena);
    share_rows(*context.threads, geometry, [&](size_t begin, size_t end) {
      kernel.run(geometry, run_params, weights, bias, in, out, begin, end);
    });
  });
  return Status::Ok();
}

}  // namespace qrun
