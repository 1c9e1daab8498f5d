// The int8 parameters of ADD and MUL from the file's requantization block and the inputs' zero
// points, read alike by qrun's operators and by the XNNPACK backend's lowering of the same ops.
#pragma once

#include <vector>

#include "add/add.h"
#include "mul/mul.h"
#include "operators/checks.h"

namespace qrun {

// ADD: one multiplier per input.
inline Status read_add_qs8_params(const OperatorSource& s, kernels::AddQs8Params* params) {
  std::vector<float> multipliers;
  QRUN_RETURN_IF_ERROR(requantization(s, 2, &multipliers, &params->output));
  params->a_zero_point = s.input(0).zero_point();
  params->b_zero_point = s.input(1).zero_point();
  params->a_multiplier = multipliers[0];
  params->b_multiplier = multipliers[1];
  return Status::Ok();
}

// MUL: one multiplier for the product.
inline Status read_mul_qs8_params(const OperatorSource& s, kernels::MulQs8Params* params) {
  std::vector<float> multipliers;
  QRUN_RETURN_IF_ERROR(requantization(s, 1, &multipliers, &params->output));
  params->a_zero_point = s.input(0).zero_point();
  params->b_zero_point = s.input(1).zero_point();
  params->multiplier = multipliers[0];
  return Status::Ok();
}

}  // namespace qrun
