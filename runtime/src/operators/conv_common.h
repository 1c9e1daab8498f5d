// What CONV_2D and TRANSPOSE_CONV_2D read alike: both take an NHWC input, OHWI weights and a bias,
// their option tables name strides, dilations, paddings and groups the same, and in int8 both
// read the same requantization block. Each op checks the ranges of its options and derives its
// output size itself.
#pragma once

#include <string>
#include <vector>

#include "operators/checks.h"

namespace qrun {

// The input, weights and output, each of rank 4.
inline Status expect_conv_ranks(const OperatorSource& s) {
  QRUN_RETURN_IF_ERROR(expect_rank(s, s.input(0), 4));
  QRUN_RETURN_IF_ERROR(expect_rank(s, s.input(1), 4));
  return expect_rank(s, s.output(0), 4);
}

// The input's and weights' dimensions and the options' strides, dilations, leading paddings and
// groups, and the check that the weights' channels fit the groups.
template <typename Options, typename Geometry>
Status read_conv_geometry(const OperatorSource& s, const Options& o, Geometry* g) {
  const Tensor& input = s.input(0);
  const Tensor& weights = s.input(1);
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
  return Status::Ok();
}

// The int8 weights and int32 bias, whose sums must fit int32, and the per-output-channel
// requantization block.
template <typename Geometry>
Status read_conv_qs8_requantization(const OperatorSource& s, const Geometry& g,
                                    std::vector<float>* multipliers, kernels::Qs8Output* output) {
  QRUN_RETURN_IF_ERROR(expect_type(s, s.input(1), ElementType::kInt8));
  QRUN_RETURN_IF_ERROR(expect_type(s, s.input(2), ElementType::kInt32));
  QRUN_RETURN_IF_ERROR(expect_accumulator_fits(
      s, s.input(2),
      static_cast<size_t>(g.kernel_height) * g.kernel_width * g.input_channels_per_group()));
  return requantization(s, static_cast<size_t>(g.output_channels), multipliers, output);
}

}  // namespace qrun
