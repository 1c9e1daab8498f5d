// RESHAPE: the same elements in the same order under another shape; a copy.
#include <cstring>

#include "operators/checks.h"

namespace qrun {

Status make_reshape(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 1, 1));
  const fb::ReshapeOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  QRUN_RETURN_IF_ERROR(expect_same_quantization(s, s.input(0), s.output(0)));
  if (s.input(0).element_count != s.output(0).element_count) {
    return s.error("cannot reshape " + shape_string(s.input(0).shape) + " to " +
                   shape_string(s.output(0).shape));
  }
  const Tensor& input = s.input(0);
  const Tensor& output = s.output(0);
  *op = make_operator("copy", [&input, &output](const RunContext& context) {
    std::memcpy(output.mutable_data<uint8_t>(context.arena), input.data<uint8_t>(context.arena),
                output.byte_size);
  });
  return Status::Ok();
}

}  // namespace qrun
