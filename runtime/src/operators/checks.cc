#include "operators/checks.h"

#include <cmath>
#include <cstdlib>

namespace qrun {

Status expect_io_count(const OperatorSource& s, size_t inputs, size_t outputs) {
  if (s.inputs.size() != inputs || s.outputs.size() != outputs) {
    return s.error("takes " + std::to_string(inputs) + " inputs and " + std::to_string(outputs) +
                   " outputs, the model gives " + std::to_string(s.inputs.size()) + " and " +
                   std::to_string(s.outputs.size()));
  }
  return Status::Ok();
}

Status expect_rank(const OperatorSource& s, const Tensor& t, int rank) {
  if (t.rank() != rank) {
    return s.error("tensor '" + t.name + "' has shape " + shape_string(t.shape) +
                   ", expected rank " + std::to_string(rank));
  }
  return Status::Ok();
}

Status expect_type(const OperatorSource& s, const Tensor& t, ElementType type) {
  if (t.type != type) {
    return s.error("tensor '" + t.name + "' is " + element_type_name(t.type) + ", expected " +
                   element_type_name(type));
  }
  return Status::Ok();
}

Status expect_activation(const OperatorSource& s, const Tensor& t) {
  if (t.is_constant()) return s.error("tensor '" + t.name + "' must not be a constant");
  return Status::Ok();
}

Status expect_constant(const OperatorSource& s, const Tensor& t) {
  if (!t.is_constant()) return s.error("tensor '" + t.name + "' must be a constant");
  return Status::Ok();
}

Status expect_shape(const OperatorSource& s, const Tensor& t, const std::vector<int>& shape) {
  if (t.shape != shape) {
    return s.error("tensor '" + t.name + "' has shape " + shape_string(t.shape) + ", expected " +
                   shape_string(shape));
  }
  return Status::Ok();
}

Status expect_per_tensor(const OperatorSource& s, const Tensor& t) {
  if (t.scales.size() != 1) {
    return s.error("tensor '" + t.name + "' needs one scale and zero point");
  }
  return Status::Ok();
}

Status expect_same_quantization(const OperatorSource& s, const Tensor& a, const Tensor& b) {
  QRUN_RETURN_IF_ERROR(expect_type(s, b, a.type));
  if (a.scales != b.scales || a.zero_points != b.zero_points) {
    return s.error("tensors '" + a.name + "' and '" + b.name + "' must have the same quantization");
  }
  return Status::Ok();
}

Status op_is_int8(const OperatorSource& s, bool* int8) {
  const ElementType type = s.input(0).type;
  if (type == ElementType::kInt32) return s.error("int32 activations are not supported");
  *int8 = type == ElementType::kInt8;
  for (int output = 0; output < static_cast<int>(s.outputs.size()); ++output) {
    QRUN_RETURN_IF_ERROR(expect_type(s, s.output(output), type));
    if (*int8) QRUN_RETURN_IF_ERROR(expect_per_tensor(s, s.output(output)));
  }
  if (*int8) QRUN_RETURN_IF_ERROR(expect_per_tensor(s, s.input(0)));
  return Status::Ok();
}

Status float_range(const OperatorSource& s, const fb::ActivationRange* range,
                   kernels::F32Range* out) {
  *out = kernels::F32Range{};
  if (range == nullptr) return Status::Ok();
  if (std::isnan(range->min()) || std::isnan(range->max()) || range->min() > range->max()) {
    return s.error("activation range is empty or not a number");
  }
  *out = {range->min(), range->max()};
  return Status::Ok();
}

Status requantization(const OperatorSource& s, size_t count, std::vector<float>* multipliers,
                      kernels::Qs8Output* output) {
  const fb::Requantization* requant = s.op.requantization();
  if (requant == nullptr || requant->multiplier() == nullptr) {
    return s.error("int8 operator has no requantization multipliers");
  }
  const auto& source = *requant->multiplier();
  if (source.size() != count && source.size() != 1) {
    return s.error("has " + std::to_string(source.size()) +
                   " requantization multipliers, expected " + std::to_string(count));
  }
  multipliers->assign(count, 0.0f);
  for (size_t i = 0; i < count; ++i) {
    const float m = source.Get(source.size() == 1 ? 0 : i);
    if (!std::isfinite(m) || m <= 0.0f) {
      return s.error("requantization multiplier " + std::to_string(m) +
                     " is not a positive finite number");
    }
    (*multipliers)[i] = m;
  }
  const int32_t lo = requant->output_min();
  const int32_t hi = requant->output_max();
  if (lo < -128 || hi > 127 || lo > hi) {
    return s.error("output range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                   "] is not a range of int8");
  }
  output->zero_point = s.output(0).zero_point();
  output->min = lo;
  output->max = hi;
  return Status::Ok();
}

}  // namespace qrun

namespace qrun {

Status expect_accumulator_fits(const OperatorSource& s, const Tensor& bias, size_t reduction) {
  const int64_t limit = int64_t{1} << 31;
  const int64_t products = static_cast<int64_t>(reduction) * 255 * 127;
  const int32_t* values = bias.data<int32_t>(nullptr);
  for (size_t i = 0; i < bias.element_count; ++i) {
    if (products + std::llabs(static_cast<int64_t>(values[i])) >= limit) {
      return s.error("a sum of " + std::to_string(reduction) +
                     " int8 products plus its bias can overflow the int32 accumulator");
    }
  }
  return Status::Ok();
}

Status expect_shape_keeping_op_with_table(const OperatorSource& s, bool* int8) {
  if (s.inputs.empty()) return s.error("has no input");
  const Tensor& input = s.input(0);
  QRUN_RETURN_IF_ERROR(expect_activation(s, input));
  QRUN_RETURN_IF_ERROR(op_is_int8(s, int8));
  QRUN_RETURN_IF_ERROR(expect_io_count(s, *int8 ? 2 : 1, 1));
  return expect_shape(s, s.output(0), input.shape);
}

}  // namespace qrun
