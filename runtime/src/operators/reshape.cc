// RESHAPE: the same elements in the same order under another shape, so a view of the input's
// bytes.
#include <cstring>

#include "operators/checks.h"

namespace qrun {
namespace {

class ViewOperator final : public Operator {
 public:
  ViewOperator(const Tensor& input, const Tensor& output) : input_(input), output_(output) {}
  void run(const RunContext& context) const override {
    const uint8_t* from = input_.data<uint8_t>(context.arena);
    uint8_t* to = output_.mutable_data<uint8_t>(context.arena);
    if (from != to) std::memcpy(to, from, output_.byte_size);
  }
  const char* kernel_name() const override { return "view"; }
  bool is_view() const override { return true; }

 private:
  const Tensor& input_;
  const Tensor& output_;
};

}  // namespace

std::unique_ptr<Operator> make_view(const Tensor& input, const Tensor& output) {
  return std::make_unique<ViewOperator>(input, output);
}

Status make_reshape(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  QRUN_RETURN_IF_ERROR(expect_io_count(s, 1, 1));
  const fb::ReshapeOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  QRUN_RETURN_IF_ERROR(expect_same_quantization(s, s.input(0), s.output(0)));
  if (s.input(0).element_count != s.output(0).element_count) {
    return s.error("cannot reshape " + shape_string(s.input(0).shape) + " to " +
                   shape_string(s.output(0).shape));
  }
  *op = make_view(s.input(0), s.output(0));
  return Status::Ok();
}

}  // namespace qrun
