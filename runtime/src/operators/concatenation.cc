// CONCATENATION along one axis; int8 inputs are requantized into the output's parameters.
#include "operators/checks.h"

namespace qrun {
namespace {

class Concatenation final : public Operator {
 public:
  Concatenation(bool int8, kernels::ConcatQs8Kernel qs8, kernels::ConcatF32Kernel f32,
                size_t outer, std::vector<size_t> blocks, std::vector<int32_t> zero_points,
                std::vector<float> multipliers, kernels::Qs8Output output_range,
                std::vector<const Tensor*> inputs, const Tensor& output)
      : int8_(int8), qs8_(qs8), f32_(f32), blocks_(std::move(blocks)),
        zero_points_(std::move(zero_points)), multipliers_(std::move(multipliers)),
        inputs_(std::move(inputs)), pointers_(inputs_.size()), output_(output) {
    geometry_.outer = outer;
    geometry_.input_count = inputs_.size();
    geometry_.input_blocks = blocks_.data();
    params_.input_zero_points = zero_points_.data();
    params_.multipliers = multipliers_.data();
    params_.output = output_range;
  }

  void run(const RunContext& context) const override {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      pointers_[i] = inputs_[i]->data<uint8_t>(context.arena);
    }
    if (int8_) {
      qs8_.run(geometry_, params_, reinterpret_cast<const int8_t* const*>(pointers_.data()),
               output_.mutable_data<int8_t>(context.arena));
    } else {
      f32_.run(geometry_, reinterpret_cast<const float* const*>(pointers_.data()),
               output_.mutable_data<float>(context.arena));
    }
  }
  const char* kernel_name() const override { return int8_ ? qs8_.name : f32_.name; }

 private:
  bool int8_;
  kernels::ConcatQs8Kernel qs8_;
  kernels::ConcatF32Kernel f32_;
  std::vector<size_t> blocks_;
  std::vector<int32_t> zero_points_;
  std::vector<float> multipliers_;
  std::vector<const Tensor*> inputs_;
  // Filled at run time with the inputs' addresses; sized at load so that running allocates nothing.
  mutable std::vector<const uint8_t*> pointers_;
  kernels::ConcatGeometry geometry_;
  kernels::ConcatQs8Params params_;
  const Tensor& output_;
};

}  // namespace

Status make_concatenation(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  if (s.inputs.empty() || s.outputs.size() != 1) return s.error("takes inputs and one output");
  const fb::ConcatenationOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& output = s.output(0);
  const int rank = output.rank();
  const int axis = options->axis() < 0 ? options->axis() + rank : options->axis();
  if (axis < 0 || axis >= rank) return s.error("axis " + std::to_string(options->axis()) + " is out of range");
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));

  size_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= static_cast<size_t>(output.shape[d]);
  std::vector<size_t> blocks;
  std::vector<int32_t> zero_points;
  std::vector<const Tensor*> inputs;
  int64_t axis_total = 0;
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    const Tensor& input = s.input(static_cast<int>(i));
    QRUN_RETURN_IF_ERROR(expect_type(s, input, output.type));
    if (int8) QRUN_RETURN_IF_ERROR(expect_per_tensor(s, input));
    QRUN_RETURN_IF_ERROR(expect_rank(s, input, rank));
    for (int d = 0; d < rank; ++d) {
      if (d != axis && input.shape[d] != output.shape[d]) {
        return s.error("input '" + input.name + "' " + shape_string(input.shape) +
                       " does not fit output " + shape_string(output.shape));
      }
    }
    axis_total += input.shape[axis];
    blocks.push_back(input.element_count / outer);
    zero_points.push_back(input.zero_point());
    inputs.push_back(&input);
  }
  if (axis_total != output.shape[axis]) {
    return s.error("inputs add up to " + std::to_string(axis_total) + " along axis " +
                   std::to_string(axis) + ", the output has " + std::to_string(output.shape[axis]));
  }
  std::vector<float> multipliers;
  kernels::Qs8Output range;
  if (int8) QRUN_RETURN_IF_ERROR(requantization(s, inputs.size(), &multipliers, &range));
  *op = std::make_unique<Concatenation>(int8, kernels::select_concat_qs8(s.cpu),
                                        kernels::select_concat_f32(s.cpu), outer, std::move(blocks),
                                        std::move(zero_points), std::move(multipliers), range,
                                        std::move(inputs), output);
  return Status::Ok();
}

}  // namespace qrun
