// CHANNEL_SHUFFLE of NHWC channels, optionally split into equal parts; values and quantization are
// unchanged.
#include "operators/checks.h"

namespace qrun {

Status make_channel_shuffle(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  if (s.inputs.size() != 1 || s.outputs.empty() ||
      s.outputs.size() > kernels::kMaxChannelShuffleOutputs) {
    return s.error("takes one input and 1 to " +
                   std::to_string(kernels::kMaxChannelShuffleOutputs) + " outputs");
  }
  const fb::ChannelShuffleOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  const Tensor& input = s.input(0);
  const int rank = input.rank();
  if (rank < 1) return s.error("needs an input with a channel axis");
  const int64_t channels = input.shape[rank - 1];
  const int64_t groups = options->groups();
  const int64_t parts = static_cast<int64_t>(s.outputs.size());
  if (groups < 1 || channels % groups != 0 || channels % parts != 0) {
    return s.error(std::to_string(channels) + " channels do not split into " +
                   std::to_string(groups) + " groups and " + std::to_string(parts) + " outputs");
  }
  std::vector<int> part_shape(input.shape.begin(), input.shape.end());
  part_shape.back() = static_cast<int>(channels / parts);
  std::vector<const Tensor*> outputs;
  for (int i = 0; i < static_cast<int>(parts); ++i) {
    QRUN_RETURN_IF_ERROR(expect_same_quantization(s, input, s.output(i)));
    QRUN_RETURN_IF_ERROR(expect_shape(s, s.output(i), part_shape));
    outputs.push_back(&s.output(i));
  }
  kernels::ChannelShuffleGeometry geometry;
  geometry.pixels = input.element_count / static_cast<size_t>(channels);
  geometry.channels = static_cast<size_t>(channels);
  geometry.groups = static_cast<size_t>(groups);
  geometry.output_count = static_cast<size_t>(parts);
  geometry.element_size = element_size(input.type);
  // Sized here so that running allocates nothing.
  std::vector<void*> addresses(outputs.size());
  const kernels::ChannelShuffleKernel kernel = kernels::select_channel_shuffle(s.cpu);
  *op = make_operator(kernel.name,
                      [=, &input, outputs = std::move(outputs),
                       addresses = std::move(addresses)](const RunContext& context) mutable {
                        for (size_t i = 0; i < outputs.size(); ++i) {
                          addresses[i] = outputs[i]->mutable_data<uint8_t>(context.arena);
                        }
                        kernel.run(geometry, input.data<uint8_t>(context.arena), addresses.data());
                      });
  return Status::Ok();
}

}  // namespace qrun
