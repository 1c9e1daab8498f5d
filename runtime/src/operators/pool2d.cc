// MAX_POOL_2D, AVERAGE_POOL_2D and MEAN (global average pooling over H and W, which is an average
// pool whose window is the whole image).
#include <algorithm>

#include "operators/checks.h"

namespace qrun {
namespace {

// Checks the window and derives the geometry. A padding smaller than the window guarantees that
// every window holds at least one real input position.
Status pool_geometry(const OperatorSource& s, const fb::Pool2DOptions& o,
                     kernels::Pool2dGeometry* g) {
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  QRUN_RETURN_IF_ERROR(expect_rank(s, input, 4));
  if (o.kernel_h() < 1 || o.kernel_w() < 1 || o.stride_h() < 1 || o.stride_w() < 1) {
    return s.error("pooling window and strides must be >= 1");
  }
  if (o.pad_top() < 0 || o.pad_left() < 0 || o.pad_bottom() < 0 || o.pad_right() < 0 ||
      o.pad_top() >= o.kernel_h() || o.pad_bottom() >= o.kernel_h() ||
      o.pad_left() >= o.kernel_w() || o.pad_right() >= o.kernel_w()) {
    return s.error("pooling paddings must be >= 0 and smaller than the window");
  }
  g->batch = input.dim(0);
  g->input_height = input.dim(1);
  g->input_width = input.dim(2);
  g->channels = input.dim(3);
  g->kernel_height = o.kernel_h();
  g->kernel_width = o.kernel_w();
  g->stride_height = o.stride_h();
  g->stride_width = o.stride_w();
  g->pad_top = o.pad_top();
  g->pad_left = o.pad_left();
  g->count_include_pad = o.count_include_pad();
  const int64_t padded_h = static_cast<int64_t>(g->input_height) + o.pad_top() + o.pad_bottom();
  const int64_t padded_w = static_cast<int64_t>(g->input_width) + o.pad_left() + o.pad_right();
  if (padded_h < g->kernel_height || padded_w < g->kernel_width) {
    return s.error("pooling window is larger than the padded input");
  }
  g->output_height = static_cast<int>((padded_h - g->kernel_height) / g->stride_height + 1);
  g->output_width = static_cast<int>((padded_w - g->kernel_width) / g->stride_width + 1);
  return expect_shape(s, output, {g->batch, g->output_height, g->output_width, g->channels});
}

// Shares a pooling's output rows among the threads. A band of rows of one image is the same
// pooling over fewer rows: its input starts at the first row its windows read, and only the
// image's real top padding stays padding (a window's count of real positions is unchanged).
// run(band, input_offset, output_offset) computes one band; offsets are in elements.
template <typename Run>
void share_rows(ThreadPool& threads, const kernels::Pool2dGeometry& g, const Run& run) {
  const size_t rows = static_cast<size_t>(g.batch) * g.output_height;
  if (threads.threads() == 1) {
    run(g, 0, 0);
    return;
  }
  const size_t row_elements = static_cast<size_t>(g.input_width) * g.channels;
  const size_t output_row_elements = static_cast<size_t>(g.output_width) * g.channels;
  threads.parallelize(rows, threads.tile_for(rows), [&](size_t begin, size_t end) {
    for (size_t row = begin; row < end;) {
      const int image = static_cast<int>(row / g.output_height);
      const int first = static_cast<int>(row % g.output_height);
      const int last = static_cast<int>(
          std::min<size_t>(static_cast<size_t>(g.output_height), first + (end - row)));
      const int top = first * g.stride_height - g.pad_top;
      const int start = std::max(top, 0);
      const int stop =
          std::min(g.input_height, (last - 1) * g.stride_height - g.pad_top + g.kernel_height);
      kernels::Pool2dGeometry band = g;
      band.batch = 1;
      band.output_height = last - first;
      band.pad_top = start - top;
      band.input_height = stop - start;
      run(band, (static_cast<size_t>(image) * g.input_height + start) * row_elements,
          (static_cast<size_t>(image) * g.output_height + first) * output_row_elements);
      row += static_cast<size_t>(last - first);
    }
  });
}

Status make_average(const OperatorSource& s, const kernels::Pool2dGeometry& geometry,
                    const fb::ActivationRange* activation, std::unique_ptr<Operator>* op) {
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  if (int8) {
    // The window's int32 sum of values in [-255, 255] must not overflow.
    if (static_cast<int64_t>(geometry.kernel_height) * geometry.kernel_width > (1 << 23)) {
      return s.error("pooling window is too large for an int32 sum");
    }
    std::vector<float> multipliers;
    kernels::AveragePoolQs8Params params;
    QRUN_RETURN_IF_ERROR(requantization(s, 1, &multipliers, &params.output));
    params.multiplier = multipliers[0];
    params.input_zero_point = input.zero_point();
    const kernels::AveragePool2dQs8Kernel kernel =
        kernels::select_average_pool2d_qs8(s.cpu, geometry);
    *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
      const int8_t* in = input.data<int8_t>(context.arena);
      int8_t* out = output.mutable_data<int8_t>(context.arena);
      share_rows(*context.threads, geometry,
                 [&](const kernels::Pool2dGeometry& band, size_t in_at, size_t out_at) {
                   kernel.run(band, params, in + in_at, out + out_at);
                 });
    });
    return Status::Ok();
  }
  kernels::F32Range range;
  QRUN_RETURN_IF_ERROR(float_range(s, activation, &range));
  const kernels::AveragePool2dF32Kernel kernel =
      kernels::select_average_pool2d_f32(s.cpu, geometry);
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    const float* in = input.data<float>(context.arena);
    float* out = output.mutable_data<float>(context.arena);
    share_rows(*context.threads, geometry,
               [&](const kernels::Pool2dGeometry& band, size_t in_at, size_t out_at) {
                 kernel.run(band, range, in + in_at, out + out_at);
               });
  });
  return Status::Ok();
}

}  // namespace

Status make_max_pool2d(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 1, 1));
  const fb::Pool2DOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  kernels::Pool2dGeometry geometry;
  QRUN_RETURN_IF_ERROR(pool_geometry(s, *options, &geometry));
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  if (int8) {
    QRUN_RETURN_IF_ERROR(expect_same_quantization(s, input, output));
    int32_t output_min = -128, output_max = 127;
    if (const fb::Requantization* requant = s.op.requantization()) {
      output_min = requant->output_min();
      output_max = requant->output_max();
      if (output_min < -128 || output_max > 127 || output_min > output_max) {
        return s.error("output range is not a range of int8");
      }
    }
    const kernels::MaxPool2dS8Kernel kernel = kernels::select_max_pool2d_s8(s.cpu, geometry);
    *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
      const int8_t* in = input.data<int8_t>(context.arena);
      int8_t* out = output.mutable_data<int8_t>(context.arena);
      share_rows(*context.threads, geometry,
                 [&](const kernels::Pool2dGeometry& band, size_t in_at, size_t out_at) {
                   kernel.run(band, output_min, output_max, in + in_at, out + out_at);
                 });
    });
    return Status::Ok();
  }
  kernels::F32Range range;
  QRUN_RETURN_IF_ERROR(float_range(s, options->activation(), &range));
  const kernels::MaxPool2dF32Kernel kernel = kernels::select_max_pool2d_f32(s.cpu, geometry);
  *op = make_operator(kernel.name, [=, &input, &output](const RunContext& context) {
    const float* in = input.data<float>(context.arena);
    float* out = output.mutable_data<float>(context.arena);
    share_rows(*context.threads, geometry,
               [&](const kernels::Pool2dGeometry& band, size_t in_at, size_t out_at) {
                 kernel.run(band, range, in + in_at, out + out_at);
               });
  });
  return Status::Ok();
}

Status make_average_pool2d(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 1, 1));
  const fb::Pool2DOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  kernels::Pool2dGeometry geometry;
  QRUN_RETURN_IF_ERROR(pool_geometry(s, *options, &geometry));
  return make_average(s, geometry, options->activation(), op);
}

Status make_mean(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 1, 1));
  const Tensor& input = s.input(0);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  QRUN_RETURN_IF_ERROR(expect_rank(s, input, 4));
  QRUN_RETURN_IF_ERROR(expect_shape(s, s.output(0), {input.dim(0), 1, 1, input.dim(3)}));
  kernels::Pool2dGeometry geometry;
  geometry.batch = input.dim(0);
  geometry.input_height = geometry.kernel_height = input.dim(1);
  geometry.input_width = geometry.kernel_width = input.dim(2);
  geometry.channels = input.dim(3);
  geometry.output_height = geometry.output_width = 1;
  return make_average(s, geometry, nullptr, op);
}

}  // namespace qrun
