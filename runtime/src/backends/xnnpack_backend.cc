// The XNNPACK backend: int8 ops lowered to XNNPACK's operator API (see xnnpack_backend.h). Each
// XNNPACK operator is created at load time (it packs its own copy of the weights then) and set up
// once the activation arena exists (bind), so a run only calls xnn_run_operator.
#include "backends/xnnpack_backend.h"

#include <xnnpack.h>

#include <algorithm>
#include <functional>
#include <mutex>

#include "add/add.h"
#include "mul/mul.h"
#include "operators/binary_qs8_params.h"
#include "operators/checks.h"

namespace qrun {
namespace {

const char* status_name(xnn_status status) {
  switch (status) {
    case xnn_status_success: return "success";
    case xnn_status_uninitialized: return "uninitialized";
    case xnn_status_invalid_parameter: return "invalid parameter";
    case xnn_status_invalid_state: return "invalid state";
    case xnn_status_unsupported_parameter: return "unsupported parameter";
    case xnn_status_unsupported_hardware: return "unsupported hardware";
    case xnn_status_out_of_memory: return "out of memory";
  }
  return "unknown status";
}

// xnn_initialize once per process; its result is kept for every later load.
xnn_status initialize_xnnpack() {
  static std::once_flag once;
  static xnn_status status = xnn_status_uninitialized;
  std::call_once(once, [] { status = xnn_initialize(nullptr); });
  return status;
}

struct DeleteXnnOperator {
  void operator()(xnn_operator_t op) const { xnn_delete_operator(op); }
};
using XnnOperatorPtr = std::unique_ptr<xnn_operator, DeleteXnnOperator>;

// Points an XNNPACK operator at its tensors in the arena (xnn_setup_*).
using XnnSetup = std::function<xnn_status(xnn_operator_t, uint8_t* arena, pthreadpool_t)>;

class XnnpackOperator final : public Operator {
 public:
  XnnpackOperator(const char* kernel_name, XnnOperatorPtr op, XnnSetup setup)
      : kernel_name_(kernel_name), op_(std::move(op)), setup_(std::move(setup)) {}

  Status bind(uint8_t* arena, ThreadPool& threads) override {
    const xnn_status status = setup_(op_.get(), arena, threads.pthreadpool_handle());
    if (status != xnn_status_success) {
      return Status(StatusCode::kInternal, std::string("XNNPACK cannot set up ") + kernel_name_ +
                                               ": " + status_name(status));
    }
    return Status::Ok();
  }
  // Set up at bind with the same shapes it was created for, the operator cannot fail here.
  void run(const RunContext& context) const override {
    xnn_run_operator(op_.get(), context.threads->pthreadpool_handle());
  }
  const char* kernel_name() const override { return kernel_name_; }

 private:
  const char* kernel_name_;
  XnnOperatorPtr op_;
  XnnSetup setup_;
};

// What one lowering gives: the operator, or the reason XNNPACK did not take the op.
struct Lowering {
  std::unique_ptr<Operator>* op;
  std::string* declined;

  Status decline(std::string why) const {
    *declined = std::move(why);
    return Status::Ok();
  }
  // Keeps `created` when XNNPACK made it, otherwise declines with XNNPACK's status.
  Status accept(const char* kernel_name, xnn_status status, xnn_operator_t created,
                XnnSetup setup) const {
    XnnOperatorPtr owned(created);
    if (status != xnn_status_success) {
      return decline(std::string("XNNPACK refused the parameters (") + status_name(status) + ")");
    }
    *op = std::make_unique<XnnpackOperator>(kernel_name, std::move(owned), std::move(setup));
    return Status::Ok();
  }
};

// XNNPACK takes int8 zero points and a strictly increasing output range.
bool fits_xnnpack_output(const kernels::Qs8Output& output) {
  return output.zero_point >= -128 && output.zero_point <= 127 && output.min < output.max;
}

// A convolution with per-channel multipliers: CONV_2D, and FULLY_CONNECTED as a 1x1 convolution
// over a 1 x N image. The multipliers go in as the kernel scales with unit input and output scales,
// so that XNNPACK's requantization scale, input_scale * kernel_scale[c] / output_scale, is the
// file's m[c] to the bit (see xnnpack_backend.h).
Status lower_qc8_convolution(const OperatorSource& s, const kernels::Conv2dGeometry& g,
                             const char* kernel_name, const Lowering& lowering) {
  std::vector<float> multipliers;
  kernels::Qs8Output output;
  QRUN_RETURN_IF_ERROR(
      requantization(s, static_cast<size_t>(g.output_channels), &multipliers, &output));
  if (!fits_xnnpack_output(output)) {
    return lowering.decline("an output range of one value, which XNNPACK does not take");
  }
  const int pad_bottom =
      std::max(0, (g.output_height - 1) * g.stride_height +
                      g.dilation_height * (g.kernel_height - 1) + 1 - g.input_height - g.pad_top);
  const int pad_right =
      std::max(0, (g.output_width - 1) * g.stride_width + g.dilation_width * (g.kernel_width - 1) +
                      1 - g.input_width - g.pad_left);
  xnn_operator_t created = nullptr;
  const xnn_status status = xnn_create_convolution2d_nhwc_qc8(
      g.pad_top, pad_right, pad_bottom, g.pad_left, g.kernel_height, g.kernel_width,
      g.stride_height, g.stride_width, g.dilation_height, g.dilation_width, g.groups,
      g.input_channels_per_group(), g.output_channels_per_group(), g.input_channels,
      g.output_channels, static_cast<int8_t>(s.input(0).zero_point()), 1.0f, multipliers.data(),
      s.input(1).data<int8_t>(nullptr), s.input(2).data<int32_t>(nullptr),
      static_cast<int8_t>(output.zero_point), 1.0f, static_cast<int8_t>(output.min),
      static_cast<int8_t>(output.max), 0, &created);
  const Tensor& input = s.input(0);
  const Tensor& result = s.output(0);
  return lowering.accept(
      kernel_name, status, created,
      [g, &input, &result](xnn_operator_t op, uint8_t* arena, pthreadpool_t threads) {
        return xnn_setup_convolution2d_nhwc_qc8(
            op, static_cast<size_t>(g.batch), static_cast<size_t>(g.input_height),
            static_cast<size_t>(g.input_width), input.data<int8_t>(arena),
            result.mutable_data<int8_t>(arena), threads);
      });
}

Status lower_conv2d(const OperatorSource& s, const Lowering& lowering) {
  const fb::Conv2DOptions& o = *s.op.options_as<fb::Conv2DOptions>();
  const Tensor& input = s.input(0);
  const Tensor& weights = s.input(1);
  const Tensor& output = s.output(0);
  kernels::Conv2dGeometry g;
  g.batch = input.dim(0);
  g.input_height = input.dim(1);
  g.input_width = input.dim(2);
  g.input_channels = input.dim(3);
  g.output_height = output.dim(1);
  g.output_width = output.dim(2);
  g.output_channels = weights.dim(0);
  g.kernel_height = weights.dim(1);
  g.kernel_width = weights.dim(2);
  g.stride_height = o.stride_h();
  g.stride_width = o.stride_w();
  g.dilation_height = o.dilation_h();
  g.dilation_width = o.dilation_w();
  g.pad_top = o.pad_top();
  g.pad_left = o.pad_left();
  g.groups = o.groups();
  return lower_qc8_convolution(s, g, "xnnpack_convolution2d_nhwc_qc8", lowering);
}

Status lower_fully_connected(const OperatorSource& s, const Lowering& lowering) {
  // XNNPACK's QS8 fully connected takes one weight scale; its QC8 convolution takes one per
  // channel, and a fully connected layer is a 1x1 convolution with the batch as the image's width.
  kernels::Conv2dGeometry g;
  g.input_height = g.output_height = 1;
  g.input_width = g.output_width = s.input(0).dim(0);
  g.input_channels = s.input(0).dim(1);
  g.output_channels = s.input(1).dim(0);
  return lower_qc8_convolution(s, g, "xnnpack_convolution2d_nhwc_qc8_1x1", lowering);
}

std::vector<size_t> dims_of(const Tensor& t) {
  return std::vector<size_t>(t.shape.begin(), t.shape.end());
}

// XNNPACK's QS8 add (2022) is not fp32: it rounds s_a / s_out and s_b / s_out to integers with
// one shared shift, the larger in [2^20, 2^21) (21 bits, where fp32 keeps 24), sums the two int32
// products and the zero points' bias, and shifts right rounding half up. qrun computes the sum in
// fp32 and rounds half to even (add/add_reference.h). The two agree within 1 LSB and differ only
// where the exact sum lies within the multipliers' rounding error of a half: 1 to 3 of the 65536
// operand pairs for most ADDs of resnet18, none for others. A difference that enters a network is
// carried and may grow (resnet18 at 96x96: 6 elements 1 LSB apart in its ADDs became 2 LSB in its
// logits). An int8 binary op is a function of 65536 operand pairs, so lower_binary tries XNNPACK's
// on all of them at load time and takes it only where it gives qrun's bytes for every pair; the
// other ops stay on qrun, the reason counting the pairs. (Nudging XNNPACK's 21-bit multipliers by a
// unit or two either way was tried: it made 1 or 2 more ADDs exact per model, not worth the load
// time.) XNNPACK's QS8 multiply is fp32 like qrun's MUL (mul/mul.h), so it should always pass.

// XNNPACK's QS8 add and multiply take the same arguments.
using XnnCreateBinary = xnn_status (*)(int8_t, float, int8_t, float, int8_t, float, int8_t, int8_t,
                                       uint32_t, xnn_operator_t*);
using XnnSetupBinary = xnn_status (*)(xnn_operator_t, size_t, const size_t*, size_t, const size_t*,
                                      const int8_t*, const int8_t*, int8_t*, pthreadpool_t);

// qrun's reference kernel of an int8 ADD or MUL (the definition), with its parameters.
template <typename Params>
using QrunBinary = void (*)(const kernels::BroadcastGeometry&, const Params&, const int8_t* a,
                            const int8_t* b, int8_t* output);

// How many of the 65536 operand pairs the binary operator `op` does not give qrun's bytes for.
template <typename Params>
Status count_pairs_unlike_qrun(xnn_operator_t op, XnnSetupBinary setup,
                               QrunBinary<Params> qrun_reference, const Params& params,
                               size_t* unlike) {
  std::vector<int8_t> a(256 * 256 + XNN_EXTRA_BYTES), b(a.size()), result(a.size());
  for (size_t i = 0; i < 256 * 256; ++i) {
    a[i] = static_cast<int8_t>(i % 256);
    b[i] = static_cast<int8_t>(i / 256);
  }
  const size_t shape[1] = {256 * 256};
  xnn_status status = setup(op, 1, shape, 1, shape, a.data(), b.data(), result.data(), nullptr);
  if (status == xnn_status_success) status = xnn_run_operator(op, nullptr);
  if (status != xnn_status_success) {
    return Status(StatusCode::kInternal,
                  std::string("XNNPACK cannot run its operator: ") + status_name(status));
  }
  kernels::BroadcastGeometry geometry;
  geometry.output_dims[3] = 256 * 256;
  geometry.a_strides[3] = geometry.b_strides[3] = 1;
  std::vector<int8_t> expected(256 * 256);
  qrun_reference(geometry, params, a.data(), b.data(), expected.data());
  *unlike = 0;
  for (size_t i = 0; i < expected.size(); ++i) *unlike += expected[i] != result[i] ? 1 : 0;
  return Status::Ok();
}

// An int8 ADD or MUL: XNNPACK's operator, given the file's multipliers as input scales with a
// unit output scale, where it gives the bytes of qrun's reference for every operand pair.
template <typename Params>
Status lower_binary(const OperatorSource& s, const char* kernel_name, XnnCreateBinary create,
                    XnnSetupBinary setup, float a_scale, float b_scale,
                    QrunBinary<Params> qrun_reference, const Params& params,
                    const Lowering& lowering) {
  const kernels::Qs8Output& output_range = params.output;
  const Tensor& a = s.input(0);
  const Tensor& b = s.input(1);
  const Tensor& output = s.output(0);
  if (a.is_constant() || b.is_constant()) {
    return lowering.decline("a constant operand (XNNPACK reads 16 bytes past its inputs)");
  }
  if (a.rank() > XNN_MAX_TENSOR_DIMS || b.rank() > XNN_MAX_TENSOR_DIMS) {
    return lowering.decline("XNNPACK broadcasts up to rank " + std::to_string(XNN_MAX_TENSOR_DIMS));
  }
  if (!fits_xnnpack_output(output_range)) {
    return lowering.decline("an output range of one value, which XNNPACK does not take");
  }
  xnn_operator_t created = nullptr;
  const xnn_status status = create(
      static_cast<int8_t>(a.zero_point()), a_scale, static_cast<int8_t>(b.zero_point()), b_scale,
      static_cast<int8_t>(output_range.zero_point), 1.0f, static_cast<int8_t>(output_range.min),
      static_cast<int8_t>(output_range.max), 0, &created);
  if (status == xnn_status_success) {
    XnnOperatorPtr trial(created);
    size_t unlike = 0;
    QRUN_RETURN_IF_ERROR(count_pairs_unlike_qrun(created, setup, qrun_reference, params, &unlike));
    if (unlike > 0) {
      return lowering.decline("XNNPACK's operator differs from qrun's on " +
                              std::to_string(unlike) + " of the 65536 operand pairs");
    }
    trial.release();
  }
  return lowering.accept(kernel_name, status, created,
                         [setup, &a, &b, &output, a_dims = dims_of(a), b_dims = dims_of(b)](
                             xnn_operator_t op, uint8_t* arena, pthreadpool_t threads) {
                           return setup(op, a_dims.size(), a_dims.data(), b_dims.size(),
                                        b_dims.data(), a.data<int8_t>(arena), b.data<int8_t>(arena),
                                        output.mutable_data<int8_t>(arena), threads);
                         });
}

Status lower_add(const OperatorSource& s, const Lowering& lowering) {
  kernels::AddQs8Params params;
  QRUN_RETURN_IF_ERROR(read_add_qs8_params(s, &params));
  return lower_binary(s, "xnnpack_add_nd_qs8", xnn_create_add_nd_qs8, xnn_setup_add_nd_qs8,
                      params.a_multiplier, params.b_multiplier, kernels::add_qs8_reference, params,
                      lowering);
}

Status lower_mul(const OperatorSource& s, const Lowering& lowering) {
  kernels::MulQs8Params params;
  QRUN_RETURN_IF_ERROR(read_mul_qs8_params(s, &params));
  // XNNPACK's product scale, a_scale * b_scale / output_scale, is then the file's multiplier.
  return lower_binary(s, "xnnpack_multiply_nd_qs8", xnn_create_multiply_nd_qs8,
                      xnn_setup_multiply_nd_qs8, params.multiplier, 1.0f,
                      kernels::mul_qs8_reference, params, lowering);
}

Status lower_max_pool2d(const OperatorSource& s, const Lowering& lowering) {
  const fb::Pool2DOptions& o = *s.op.options_as<fb::Pool2DOptions>();
  if (o.kernel_h() * o.kernel_w() == 1) {
    return lowering.decline("a 1x1 window, which XNNPACK's max pooling does not take");
  }
  int32_t output_min = -128, output_max = 127;
  if (const fb::Requantization* requant = s.op.requantization()) {
    output_min = requant->output_min();
    output_max = requant->output_max();
  }
  if (output_min >= output_max) {
    return lowering.decline("an output range of one value, which XNNPACK does not take");
  }
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  const size_t channels = static_cast<size_t>(input.dim(3));
  xnn_operator_t created = nullptr;
  const xnn_status status = xnn_create_max_pooling2d_nhwc_s8(
      o.pad_top(), o.pad_right(), o.pad_bottom(), o.pad_left(), o.kernel_h(), o.kernel_w(),
      o.stride_h(), o.stride_w(), 1, 1, channels, channels, channels,
      static_cast<int8_t>(output_min), static_cast<int8_t>(output_max), 0, &created);
  return lowering.accept(
      "xnnpack_max_pooling2d_nhwc_s8", status, created,
      [&input, &output](xnn_operator_t op, uint8_t* arena, pthreadpool_t threads) {
        return xnn_setup_max_pooling2d_nhwc_s8(
            op, static_cast<size_t>(input.dim(0)), static_cast<size_t>(input.dim(1)),
            static_cast<size_t>(input.dim(2)), input.data<int8_t>(arena),
            output.mutable_data<int8_t>(arena), threads);
      });
}

// MEAN over H and W. XNNPACK's QS8 global average pooling sums the int8 values with the bias
// -zero_point * count and multiplies by the fp32 scale (s_in / s_out) / float(count), as qrun does.
Status lower_mean(const OperatorSource& s, const Lowering& lowering) {
  std::vector<float> multipliers;
  kernels::Qs8Output out;
  QRUN_RETURN_IF_ERROR(requantization(s, 1, &multipliers, &out));
  if (!fits_xnnpack_output(out)) {
    return lowering.decline("an output range of one value, which XNNPACK does not take");
  }
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  const size_t channels = static_cast<size_t>(input.dim(3));
  xnn_operator_t created = nullptr;
  const xnn_status status = xnn_create_global_average_pooling_nwc_qs8(
      channels, channels, channels, static_cast<int8_t>(input.zero_point()), multipliers[0],
      static_cast<int8_t>(out.zero_point), 1.0f, static_cast<int8_t>(out.min),
      static_cast<int8_t>(out.max), 0, &created);
  return lowering.accept(
      "xnnpack_global_average_pooling_nwc_qs8", status, created,
      [&input, &output](xnn_operator_t op, uint8_t* arena, pthreadpool_t threads) {
        return xnn_setup_global_average_pooling_nwc_qs8(
            op, static_cast<size_t>(input.dim(0)),
            static_cast<size_t>(input.dim(1)) * static_cast<size_t>(input.dim(2)),
            input.data<int8_t>(arena), output.mutable_data<int8_t>(arena), threads);
      });
}

// Why an int8 op of a type that is never lowered stays on qrun's kernel.
std::string not_lowered(fb::OperatorType type) {
  switch (type) {
    case fb::OperatorType::AVERAGE_POOL_2D:
      return "XNNPACK (2022) has no int8 average pooling with an int8 zero point (QU8 only)";
    case fb::OperatorType::SOFTMAX:
    case fb::OperatorType::ELEMENTWISE_UNARY:
      return "qrun computes it from the converter's 256-entry table; XNNPACK's own would differ";
    case fb::OperatorType::RESHAPE:
    case fb::OperatorType::TRANSPOSE:
    case fb::OperatorType::CONCATENATION: return "data movement, left to qrun";
    case fb::OperatorType::BATCH_MATMUL:
    case fb::OperatorType::LAYER_NORM: return "XNNPACK (2022) has no int8 operator for it";
    default: return "the backend lowers it to no XNNPACK operator";
  }
}

}  // namespace

bool xnnpack_backend_built() {
  return true;
}

Status make_xnnpack_operator(const OperatorSource& s, std::unique_ptr<Operator>* op,
                             std::string* declined) {
  op->reset();
  declined->clear();
  const Lowering lowering{op, declined};
  if (initialize_xnnpack() != xnn_status_success) {
    return lowering.decline("XNNPACK does not run on this CPU");
  }
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(op_is_int8(s, &int8));
  if (!int8) return lowering.decline("a float op: the backend lowers int8 ops");
  switch (s.op.type()) {
    case fb::OperatorType::CONV_2D: return lower_conv2d(s, lowering);
    case fb::OperatorType::FULLY_CONNECTED: return lower_fully_connected(s, lowering);
    case fb::OperatorType::ADD: return lower_add(s, lowering);
    case fb::OperatorType::MUL: return lower_mul(s, lowering);
    case fb::OperatorType::MAX_POOL_2D: return lower_max_pool2d(s, lowering);
    case fb::OperatorType::MEAN: return lower_mean(s, lowering);
    default: return lowering.decline(not_lowered(s.op.type()));
  }
}

}  // namespace qrun
