// MAX_POOL_2D, AVERAGE_POOL_2D and MEAN (global average pooling over H and W, which is an average
// pool whose window is the whole image).
#include "operators/checks.h"

namespace qrun {
namespace {

class MaxPool2d final : public Operator {
 public:
  MaxPool2d(bool int8, kernels::MaxPool2dS8Kernel s8, kernels::MaxPool2dF32Kernel f32,
            kernels::Pool2dGeometry geometry, kernels::Qs8Output qs8_range,
            kernels::F32Range f32_range, const Tensor& input, const Tensor& output)
      : int8_(int8), s8_(s8), f32_(f32), geometry_(geometry), qs8_range_(qs8_range),
        f32_range_(f32_range), input_(input), output_(output) {}

  void run(const RunContext& context) const override {
    if (int8_) {
      s8_.run(geometry_, qs8_range_.min, qs8_range_.max, input_.data<int8_t>(context.arena),
              output_.mutable_data<int8_t>(context.arena));
    } else {
      f32_.run(geometry_, f32_range_, input_.data<float>(context.arena),
               output_.mutable_data<float>(context.arena));
    }
  }
  const char* kernel_name() const override { return int8_ ? s8_.name : f32_.name; }

 private:
  bool int8_;
  kernels::MaxPool2dS8Kernel s8_;
  kernels::MaxPool2dF32Kernel f32_;
  kernels::Pool2dGeometry geometry_;
  kernels::Qs8Output qs8_range_;
  kernels::F32Range f32_range_;
  const Tensor& input_;
  const Tensor& output_;
};

class AveragePool2d final : public Operator {
 public:
  AveragePool2d(bool int8, kernels::AveragePool2dQs8Kernel qs8, kernels::AveragePool2dF32Kernel f32,
                kernels::Pool2dGeometry geometry, kernels::AveragePoolQs8Params params,
                kernels::F32Range range, const Tensor& input, const Tensor& output)
      : int8_(int8), qs8_(qs8), f32_(f32), geometry_(geometry), params_(params), range_(range),
        input_(input), output_(output) {}

  void run(const RunContext& context) const override {
    if (int8_) {
      qs8_.run(geometry_, params_, input_.data<int8_t>(context.arena),
               output_.mutable_data<int8_t>(context.arena));
    } else {
      f32_.run(geometry_, range_, input_.data<float>(context.arena),
               output_.mutable_data<float>(context.arena));
    }
  }
  const char* kernel_name() const override { return int8_ ? qs8_.name : f32_.name; }

 private:
  bool int8_;
  kernels::AveragePool2dQs8Kernel qs8_;
  kernels::AveragePool2dF32Kernel f32_;
  kernels::Pool2dGeometry geometry_;
  kernels::AveragePoolQs8Params params_;
  kernels::F32Range range_;
  const Tensor& input_;
  const Tensor& output_;
};

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

Status make_average(const OperatorSource& s, const kernels::Pool2dGeometry& geometry,
                    const fb::ActivationRange* activation, std::unique_ptr<Operator>* op) {
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  kernels::AveragePoolQs8Params params;
  kernels::F32Range range;
  if (int8) {
    // The window's int32 sum of values in [-255, 255] must not overflow.
    if (static_cast<int64_t>(geometry.kernel_height) * geometry.kernel_width > (1 << 23)) {
      return s.error("pooling window is too large for an int32 sum");
    }
    std::vector<float> multipliers;
    QRUN_RETURN_IF_ERROR(requantization(s, 1, &multipliers, &params.output));
    params.multiplier = multipliers[0];
    params.input_zero_point = s.input(0).zero_point();
  } else {
    QRUN_RETURN_IF_ERROR(float_range(s, activation, &range));
  }
  *op = std::make_unique<AveragePool2d>(
      int8, kernels::select_average_pool2d_qs8(s.cpu, geometry),
      kernels::select_average_pool2d_f32(s.cpu, geometry), geometry, params, range, s.input(0),
      s.output(0));
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
  kernels::Qs8Output qs8_range;
  kernels::F32Range f32_range;
  if (int8) {
    QRUN_RETURN_IF_ERROR(expect_same_quantization(s, s.input(0), s.output(0)));
    const fb::Requantization* requant = s.op.requantization();
    if (requant != nullptr) {
      if (requant->output_min() < -128 || requant->output_max() > 127 ||
          requant->output_min() > requant->output_max()) {
        return s.error("output range is not a range of int8");
      }
      qs8_range.min = requant->output_min();
      qs8_range.max = requant->output_max();
    }
  } else {
    QRUN_RETURN_IF_ERROR(float_range(s, options->activation(), &f32_range));
  }
  *op = std::make_unique<MaxPool2d>(int8, kernels::select_max_pool2d_s8(s.cpu, geometry),
                                    kernels::select_max_pool2d_f32(s.cpu, geometry), geometry,
                                    qs8_range, f32_range, s.input(0), s.output(0));
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
