// The checks every operator's preparation shares: counts, ranks, types, quantization and the
// requantization block, each failing with a message that names the op and the tensor.
#pragma once

#include <vector>

#include "operators/operator.h"

namespace qrun {

Status expect_io_count(const OperatorSource& s, size_t inputs, size_t outputs);
Status expect_rank(const OperatorSource& s, const Tensor& t, int rank);
Status expect_type(const OperatorSource& s, const Tensor& t, ElementType type);
Status expect_activation(const OperatorSource& s, const Tensor& t);
Status expect_constant(const OperatorSource& s, const Tensor& t);
Status expect_shape(const OperatorSource& s, const Tensor& t, const std::vector<int>& shape);
// One scale and zero point for the whole tensor.
Status expect_per_tensor(const OperatorSource& s, const Tensor& t);
// Same element type, and for int8 the same scale and zero point: ops that move values unchanged.
Status expect_same_quantization(const OperatorSource& s, const Tensor& a, const Tensor& b);

// Whether the op runs in int8 (its first input is int8) or float; every other activation it
// touches must then be of the same type.
Status op_is_int8(const OperatorSource& s, bool* int8);
// An elementwise op of one activation whose output has its shape; in int8 it reads the
// converter's table as input 1 (SOFTMAX, ELEMENTWISE_UNARY).
Status expect_shape_keeping_op_with_table(const OperatorSource& s, bool* int8);

// The fused activation of a float op.
Status float_range(const OperatorSource& s, const fb::ActivationRange* range,
                   kernels::F32Range* out);
// The requantization block of an int8 op: `count` positive finite multipliers (a single one is
// repeated to `count`), and the output range, which must lie in int8 and contain nothing odd.
Status requantization(const OperatorSource& s, size_t count, std::vector<float>* multipliers,
                      kernels::Qs8Output* output);

template <typename Options>
Status options_as(const OperatorSource& s, const Options** options) {
  *options = s.op.options_as<Options>();
  if (*options == nullptr) return s.error("options are missing or of the wrong type");
  return Status::Ok();
}

}  // namespace qrun

namespace qrun {

// An int8 dot product of `reduction` terms plus a bias must not overflow int32 (that would be
// undefined behaviour in the reference kernel): |bias| + reduction * 255 * 127 < 2^31.
Status expect_accumulator_fits(const OperatorSource& s, const Tensor& bias, size_t reduction);

}  // namespace qrun
