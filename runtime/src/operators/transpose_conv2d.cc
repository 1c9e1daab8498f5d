// TRANSPOSE_CONV_2D: inputs [input NHWC, weights OHWI, bias], output NHWC.
//
// Without dilation it runs as one CONV_2D per stride phase on the CPU's best convolution kernels:
// the output pixels whose full-size position is (ry, rx) modulo the stride are reached by the taps
// ky = ry + j * stride_h, kx = rx + i * stride_w only, each from input pixel (q - j, ...), which is
// a stride-1 convolution of the input with those taps reversed. Each phase's result goes to a
// scratch image (sized at load) and is copied to its interleaved pixels. In int8 the int32 sums are
// those of the reference (integer sums do not depend on order), so the bytes are too; in float the
// sums run in another order, so they agree to rounding. Otherwise the reference kernel runs, its
// output rows shared among the threads.
#include <algorithm>
#include <cstring>

#include "operators/checks.h"
#include "operators/conv_common.h"

namespace qrun {
namespace {

Status geometry_of(const OperatorSource& s, const fb::TransposeConv2DOptions& o,
                   kernels::TransposeConv2dGeometry* g) {
  QRUN_RETURN_IF_ERROR(expect_conv_ranks(s));
  const Tensor& output = s.output(0);
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
  QRUN_RETURN_IF_ERROR(read_conv_geometry(s, o, g));
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

// The convolution kernels of each element type, and how a phase's parameters are made.
template <typename Element>
struct ConvTypes;
template <>
struct ConvTypes<int8_t> {
  using Kernel = kernels::Conv2dQs8Kernel;
  using Weights = kernels::Conv2dQs8Weights;
  using Params = kernels::Conv2dQs8Params;
  using Bias = int32_t;
  static Kernel select(const kernels::CpuFeatures& cpu, const kernels::Conv2dGeometry& g) {
    return kernels::select_conv2d_qs8(cpu, g);
  }
  // The parameters with the multipliers the running closure owns.
  static Params with(Params params, const std::vector<float>& multipliers) {
    params.multipliers = multipliers.data();
    return params;
  }
  // What a pixel no tap reaches holds: its bias, finished as an accumulator.
  static int8_t bias_only(const Params& p, int32_t bias, int oc) {
    return kernels::requantize(bias, p.multipliers[oc], p.output.zero_point, p.output.min,
                               p.output.max);
  }
};
template <>
struct ConvTypes<float> {
  using Kernel = kernels::Conv2dF32Kernel;
  using Weights = kernels::Conv2dF32Weights;
  using Params = kernels::F32Range;
  using Bias = float;
  static Kernel select(const kernels::CpuFeatures& cpu, const kernels::Conv2dGeometry& g) {
    return kernels::select_conv2d_f32(cpu, g);
  }
  static Params with(Params params, const std::vector<float>&) { return params; }
  static float bias_only(const Params& range, float bias, int) {
    return kernels::clamp_f32(bias, range);
  }
};

// One stride phase: its convolution and where its pixels go.
template <typename Element>
struct Phase {
  kernels::Conv2dGeometry geometry;  // stride 1; output: this phase's rows and columns
  typename ConvTypes<Element>::Kernel kernel{};
  std::vector<Element> ohwi;  // the phase's taps, reversed
  PackedWeights packed;
  typename ConvTypes<Element>::Weights weights{};
  int first_oy = 0, first_ox = 0;  // the output pixel of phase pixel (0, 0)
};

// A set of output pixels along one axis: the first, the count (one every stride).
struct Strided {
  int first_oy = 0, first_ox = 0, rows = 0, columns = 0;
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

// The operator by phases, or nothing (without error) where a phase cannot be a convolution:
// dilation, or padding so large that a phase starts past its taps. `multipliers` are the int8
// requantization's (empty in float).
template <typename Element>
Status make_by_phases(const OperatorSource& s, const kernels::TransposeConv2dGeometry& g,
                      const typename ConvTypes<Element>::Params& params,
                      const std::vector<float>& multipliers, std::unique_ptr<Operator>* op) {
  using Types = ConvTypes<Element>;
  op->reset();
  if (g.dilation_height != 1 || g.dilation_width != 1) return Status::Ok();
  const Element* weights = s.input(1).data<Element>(nullptr);
  const auto* bias = s.input(2).data<typename Types::Bias>(nullptr);
  const int group_in = g.input_channels_per_group();
  std::vector<Phase<Element>> phases;
  std::vector<Strided> bias_only;  // pixels no tap reaches (a kernel smaller than the stride)
  size_t scratch_size = 0;
  for (int ry = 0; ry < g.stride_height; ++ry) {
    const PhaseAxis y =
        phase_axis(ry, g.stride_height, g.pad_top, g.kernel_height, g.output_height);
    for (int rx = 0; rx < g.stride_width; ++rx) {
      const PhaseAxis x =
          phase_axis(rx, g.stride_width, g.pad_left, g.kernel_width, g.output_width);
      if (y.count == 0 || x.count == 0) continue;
      if (y.taps == 0 || x.taps == 0) {
        bias_only.push_back({y.first, x.first, y.count, x.count});
        continue;
      }
      if (y.q0 > y.taps - 1 || x.q0 > x.taps - 1) return Status::Ok();
      Phase<Element> phase;
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
            const Element* taps =
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
  const typename Types::Params load_params = Types::with(params, multipliers);
  size_t packed_bytes = 0;
  for (Phase<Element>& phase : phases) {
    phase.kernel = Types::select(s.cpu, phase.geometry);
    phase.weights = {phase.ohwi.data(), bias, nullptr};
    QRUN_RETURN_IF_ERROR(
        phase.packed.pack(phase.kernel, phase.geometry, load_params, &phase.weights));
    packed_bytes += phase.packed.size() + phase.ohwi.size() * sizeof(Element);
  }
  std::vector<Element> bias_values(static_cast<size_t>(g.output_channels));
  for (int oc = 0; oc < g.output_channels; ++oc) {
    bias_values[oc] = Types::bias_only(load_params, bias[oc], oc);
  }
  const char* name = phases.empty() ? "transpose_conv2d_bias_only" : phases.front().kernel.name;
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  const size_t channels = static_cast<size_t>(g.output_channels);
  *op = make_operator(
      name,
      [=, &input, &output, phases = std::move(phases), multipliers = multipliers,
       scratch = std::vector<Element>(scratch_size)](const RunContext& context) mutable {
        const typename Types::Params run_params = Types::with(params, multipliers);
        const Element* in = input.data<Element>(context.arena);
        Element* out = output.mutable_data<Element>(context.arena);
        // Copies a phase's pixels, `channels` elements each, to their places in the output.
        auto interleave = [&](const Strided& where, const Element* from, bool same_for_all) {
          for (int n = 0; n < g.batch; ++n) {
            for (int t = 0; t < where.rows; ++t) {
              for (int u = 0; u < where.columns; ++u) {
                const int oy = where.first_oy + t * g.stride_height;
                const int ox = where.first_ox + u * g.stride_width;
                std::memcpy(
                    out + ((static_cast<size_t>(n) * g.output_height + oy) * g.output_width + ox) *
                              channels,
                    from, channels * sizeof(Element));
                if (!same_for_all) from += channels;
              }
            }
          }
        };
        for (const Phase<Element>& phase : phases) {
          const kernels::Conv2dGeometry& c = phase.geometry;
          const size_t rows = c.output_rows();
          context.threads->parallelize(
              rows, context.threads->tile_for(rows), [&](size_t begin, size_t end) {
                phase.kernel.run(c, run_params, phase.weights, in, scratch.data(),
                                 {begin, end, 0, channels});
              });
          interleave({phase.first_oy, phase.first_ox, c.output_height, c.output_width},
                     scratch.data(), false);
        }
        for (const Strided& where : bias_only) interleave(where, bias_values.data(), true);
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
    QRUN_RETURN_IF_ERROR(make_by_phases<float>(s, geometry, range, {}, op));
    if (*op != nullptr) return Status::Ok();
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
  std::vector<float> multipliers;
  kernels::TransposeConv2dQs8Params params;
  QRUN_RETURN_IF_ERROR(read_conv_qs8_requantization(s, geometry, &multipliers, &params.output));
  params.input_zero_point = input.zero_point();
  kernels::Conv2dQs8Params conv_params;
  conv_params.input_zero_point = params.input_zero_point;
  conv_params.output = params.output;
  QRUN_RETURN_IF_ERROR(make_by_phases<int8_t>(s, geometry, conv_params, multipliers, op));
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
