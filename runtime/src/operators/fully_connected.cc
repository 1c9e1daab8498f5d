// FULLY_CONNECTED: inputs [input [N, K], weights OI [O, K], bias [O]], output [N, O].
#include "operators/checks.h"

namespace qrun {
namespace {

class FullyConnectedQs8 final : public Operator {
 public:
  FullyConnectedQs8(kernels::FullyConnectedQs8Kernel kernel,
                    kernels::FullyConnectedGeometry geometry, std::vector<float> multipliers,
                    kernels::FullyConnectedQs8Params params, kernels::FullyConnectedQs8Weights weights,
                    const Tensor& input, const Tensor& output)
      : kernel_(kernel), geometry_(geometry), multipliers_(std::move(multipliers)), params_(params),
        weights_(weights), input_(input), output_(output) {
    params_.multipliers = multipliers_.data();
  }

  void run(const RunContext& context) const override {
    const int8_t* input = input_.data<int8_t>(context.arena);
    int8_t* output = output_.mutable_data<int8_t>(context.arena);
    const size_t channels = static_cast<size_t>(geometry_.output_channels);
    context.threads->parallelize(channels, context.threads->tile_for(channels),
                                 [&](size_t begin, size_t end) {
                                   kernel_.run(geometry_, params_, weights_, input, output, begin,
                                               end);
                                 });
  }
  const char* kernel_name() const override { return kernel_.name; }

 private:
  kernels::FullyConnectedQs8Kernel kernel_;
  kernels::FullyConnectedGeometry geometry_;
  std::vector<float> multipliers_;
  kernels::FullyConnectedQs8Params params_;
  kernels::FullyConnectedQs8Weights weights_;
  const Tensor& input_;
  const Tensor& output_;
};

class FullyConnectedF32 final : public Operator {
 public:
  FullyConnectedF32(kernels::FullyConnectedF32Kernel kernel,
                    kernels::FullyConnectedGeometry geometry, kernels::F32Range range,
                    kernels::FullyConnectedF32Weights weights, const Tensor& input,
                    const Tensor& output)
      : kernel_(kernel), geometry_(geometry), range_(range), weights_(weights), input_(input),
        output_(output) {}

  void run(const RunContext& context) const override {
    const float* input = input_.data<float>(context.arena);
    float* output = output_.mutable_data<float>(context.arena);
    const size_t channels = static_cast<size_t>(geometry_.output_channels);
    context.threads->parallelize(channels, context.threads->tile_for(channels),
                                 [&](size_t begin, size_t end) {
                                   kernel_.run(geometry_, range_, weights_, input, output, begin,
                                               end);
                                 });
  }
  const char* kernel_name() const override { return kernel_.name; }

 private:
  kernels::FullyConnectedF32Kernel kernel_;
  kernels::FullyConnectedGeometry geometry_;
  kernels::F32Range range_;
  kernels::FullyConnectedF32Weights weights_;
  const Tensor& input_;
  const Tensor& output_;
};

}  // namespace

Status make_fully_connected(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 3, 1));
  const fb::FullyConnectedOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& input = s.input(0);
  const Tensor& weights = s.input(1);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  QRUN_RETURN_IF_ERROR(expect_constant(s, weights));
  QRUN_RETURN_IF_ERROR(expect_constant(s, s.input(2)));
  QRUN_RETURN_IF_ERROR(expect_rank(s, input, 2));
  QRUN_RETURN_IF_ERROR(expect_rank(s, weights, 2));
  const kernels::FullyConnectedGeometry geometry{input.dim(0), input.dim(1), weights.dim(0)};
  QRUN_RETURN_IF_ERROR(expect_shape(s, weights, {geometry.output_channels, geometry.input_channels}));
  QRUN_RETURN_IF_ERROR(expect_shape(s, s.input(2), {geometry.output_channels}));
  QRUN_RETURN_IF_ERROR(expect_shape(s, s.output(0), {geometry.batch, geometry.output_channels}));
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));

  if (!int8) {
    QRUN_RETURN_IF_ERROR(expect_type(s, weights, ElementType::kFloat32));
    QRUN_RETURN_IF_ERROR(expect_type(s, s.input(2), ElementType::kFloat32));
    kernels::F32Range range;
    QRUN_RETURN_IF_ERROR(float_range(s, options->activation(), &range));
    const kernels::FullyConnectedF32Weights packed{weights.data<float>(nullptr),
                                                   s.input(2).data<float>(nullptr), nullptr};
    *op = std::make_unique<FullyConnectedF32>(kernels::select_fully_connected_f32(s.cpu, geometry),
                                              geometry, range, packed, input, s.output(0));
    return Status::Ok();
  }
  QRUN_RETURN_IF_ERROR(expect_type(s, weights, ElementType::kInt8));
  QRUN_RETURN_IF_ERROR(expect_type(s, s.input(2), ElementType::kInt32));
  QRUN_RETURN_IF_ERROR(
      expect_accumulator_fits(s, s.input(2), static_cast<size_t>(geometry.input_channels)));
  std::vector<float> multipliers;
  kernels::FullyConnectedQs8Params params;
  QRUN_RETURN_IF_ERROR(requantization(s, static_cast<size_t>(geometry.output_channels),
                                      &multipliers, &params.output));
  params.input_zero_point = input.zero_point();
  const kernels::FullyConnectedQs8Weights packed{weights.data<int8_t>(nullptr),
                                                 s.input(2).data<int32_t>(nullptr), nullptr};
  *op = std::make_unique<FullyConnectedQs8>(kernels::select_fully_connected_qs8(s.cpu, geometry),
                                            geometry, std::move(multipliers), params, packed, input,
                                            s.output(0));
  return Status::Ok();
}

}  // namespace qrun
