// TRANSPOSE_CONV_2D: inputs [input NHWC, weights OHWI, bias], output NHWC.
//
// In int8, without dilation, it runs as one CONV_2D per stride phase on the CPU's best convolution
// kernels: the output pixels whose full-size position is (ry, rx) modulo the stride are reached by
// the taps ky = ry + j * stride_h, kx = rx + i * stride_w only, each from input pixel (q - j, ...),
// which is a stride-1 convolution of the input with those taps reversed. Each phase's result goes
// to a scratch image and is copied to its interleaved pixels. The int32 sums are those of the
// reference (integer sums do not depend on order), so the bytes are too. Otherwise the reference
// kernel runs, its output rows shared among the threads.
#include <algorithm>
#include <cstring>

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

// One stride phase: its convolution and where its pixels go.
struct Phase {
  kernels::Conv2dGeometry geometry;  // stride 1; output: this phase's rows and columns
  kernels::Conv2dQs8Kernel kernel{};
  std::vector<int8_t> ohwi;  // the phase's taps, reversed
  PackedWeights packed;
  kernels::Conv2dQs8Weights weights;
  int first_oy = 0, first_ox = 0;  // the output pixel of phase pixel (0, 0)
};

// Output pixels of phase `r` along one axis: the first, the count, and the first one's position in
// the phase's input-aligned row (q0); the phase's taps.
struct PhaseAxis {
  int first = 0, count = 0, q0 = 0, taps = 0;
};

PhaseAxis phase_axis(int r, int stride, int pad, int kernel, int output) {
  PhaseAxis a;
  a.first = ((r - pad) % stride + stride) % stride;
  a.count = a.first < output ? (output - a.first + stride - 1) / stride : 0;
  a.q0 = (a.first + pad - r) / stride;
  a.taps = r < kernel ? (kernel - r + stride - 1) / stride : 0;
  return a;
}

// The int8 operator by phases, or nothing (without error) where a phase cannot be a convolution:
// dilation, or padding so large that a phase starts past its taps.
Status make_by_phases(const OperatorSource& s, const kernels::TransposeConv2dGeometry& g,
                      const kernels::TransposeConv2dQs8Params& params,
                      const std::vector<float>& multipliers, std::unique_ptr<Operator>* op) {
  op->reset();
  if (g.dilation_height != 1 || g.dilation_width != 1) return Status::Ok();
  const int8_t* weights = s.input(1).data<int8_t>(nullptr);
  const int32_t* bias = s.input(2).data<int32_t>(nullptr);
  const int group_in = g.input_channels_per_group();
  std::vector<Phase> phases;
  // Pixels no tap reaches (a kernel smaller than the stride) hold the requantized bias.
  std::vector<std::pair<int, int>> bias_only;  // (first_oy, first_ox) of such phases, with counts
  std::vector<std::pair<int, int>> bias_only_counts;
  size_t scratch_size = 0;
  for (int ry = 0; ry < g.stride_height; ++ry) {
    const PhaseAxis y =
        phase_axis(ry, g.stride_height, g.pad_top, g.kernel_height, g.output_height);
    for (int rx = 0; rx < g.stride_width; ++rx) {
      const PhaseAxis x =
          phase_axis(rx, g.stride_width, g.pad_left, g.kernel_width, g.output_width);
      if (y.count == 0 || x.count == 0) continue;
      if (y.taps == 0 || x.taps == 0) {
        bias_only.emplace_back(y.first, x.first);
        bias_only_counts.emplace_back(y.count, x.count);
        continue;
      }
      if (y.q0 > y.taps - 1 || x.q0 > x.taps - 1) return Status::Ok();
      Phase phase;
      kernels::Conv2dGeometry& c = phase.geometry;
      c.batch = g.batch;
      c.input_height = g.input_height;
      c.input_width = g.input_width;
      c.input_channels = g.input_channels;
      c.output_height = y.count;
      c.output_width = x.count;
      c.output_channels = g.output_channels;
      c.kernel_height = y.taps;
      c.kernel_width = x.taps;
      c.pad_top = y.taps - 1 - y.q0;
      c.pad_left = x.taps - 1 - x.q0;
      c.groups = g.groups;
      for (int oc = 0; oc < g.output_channels; ++oc) {
        for (int j = 0; j < y.taps; ++j) {
          const int ky = ry + (y.taps - 1 - j) * g.stride_height;
          for (int i = 0; i < x.taps; ++i) {
            const int kx = rx + (x.taps - 1 - i) * g.stride_width;
            const int8_t* taps =
                weights +
                ((static_cast<size_t>(oc) * g.kernel_height + ky) * g.kernel_width + kx) * group_in;
            phase.ohwi.insert(phase.ohwi.end(), taps, taps + group_in);
          }
        }
      }
      phase.first_oy = y.first;
      phase.first_ox = x.first;
      scratch_size = std::max(scratch_size, static_cast<size_t>(c.batch) * c.output_height *
                                                c.output_width * c.output_channels);
      phases.push_back(std::move(phase));
    }
  }
  kernels::Conv2dQs8Params conv_params;
  conv_params.input_zero_point = params.input_zero_point;
  conv_params.multipliers = multipliers.data();
  conv_params.output = params.output;
  size_t packed_bytes = 0;
  for (Phase& phase : phases) {
    phase.kernel = kernels::select_conv2d_qs8(s.cpu, phase.geometry);
    phase.weights = {phase.ohwi.data(), bias, nullptr};
    QRUN_RETURN_IF_ERROR(
        phase.packed.pack(phase.kernel, phase.geometry, conv_params, &phase.weights));
    packed_bytes += phase.packed.size() + phase.ohwi.size();
  }
  std::vector<int8_t> bias_values(static_cast<size_t>(g.output_channels));
  for (int oc = 0; oc < g.output_channels; ++oc) {
    bias_values[oc] = kernels::requantize(bias[oc], multipliers[oc], params.output.zero_point,
                                          params.output.min, params.output.max);
  }
  const char* name = phases.empty() ? "transpose_conv2d_bias_only" : phases.front().kernel.name;
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  const size_t channels = static_cast<size_t>(g.output_channels);
  *op = make_operator(
      name,
      [=, &input, &output, phases = std::move(phases), multipliers = multipliers,
       scratch = std::vector<int8_t>(scratch_size)](const RunContext& context) mutable {
        kernels::Conv2dQs8Params run_params = conv_params;
        run_params.multipliers = multipliers.data();
        const int8_t* in = input.data<int8_t>(context.arena);
        int8_t* out = output.mutable_data<int8_t>(context.arena);
        auto pixel = [&](int n, int oy, int ox) {
          return out +
                 ((static_cast<size_t>(n) * g.output_height + oy) * g.output_width + ox) * channels;
        };
        for (const Phase& phase : phases) {
          const kernels::Conv2dGeometry& c = phase.geometry;
          const size_t rows = c.output_rows();
          context.threads->parallelize(
              rows, context.threads->tile_for(rows), [&](size_t begin, size_t end) {
                phase.kernel.run(c, run_params, phase.weights, in, scratch.data(),
                                 {begin, end, 0, channels});
              });
          const int8_t* result = scratch.data();
          for (int n = 0; n < c.batch; ++n) {
            for (int t = 0; t < c.output_height; ++t) {
              for (int u = 0; u < c.output_width; ++u) {
                std::memcpy(pixel(n, phase.first_oy + t * g.stride_height,
                                  phase.first_ox + u * g.stride_width),
                            result, channels);
                result += channels;
              }
            }
          }
        }
        for (size_t k = 0; k < bias_only.size(); ++k) {
          for (int n = 0; n < g.batch; ++n) {
            for (int t = 0; t < bias_only_counts[k].first; ++t) {
              for (int u = 0; u < bias_only_counts[k].second; ++u) {
                std::memcpy(pixel(n, bias_only[k].first + t * g.stride_height,
                                  bias_only[k].second + u * g.stride_width),
                            bias_values.data(), channels);
              }
            }
          }
        }
      },
      packed_bytes);
  return Status::Ok();
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
  QRUN_RETURN_IF_ERROR(make_by_phases(s, geometry, params, multipliers, op));
  if (*op != nullptr) return Status::Ok();
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
