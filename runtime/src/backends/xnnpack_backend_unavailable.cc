// A build without XNNPACK (QRUN_WITH_XNNPACK=OFF): the backend cannot be chosen (see
// Interpreter::set_backend), so nothing is ever lowered.
#include "backends/xnnpack_backend.h"

namespace qrun {

bool xnnpack_backend_built() {
  return false;
}

Status make_xnnpack_operator(const OperatorSource&, std::unique_ptr<Operator>* op,
                             std::string* declined) {
  op->reset();
  *declined = "qrun was built without XNNPACK";
  return Status::Ok();
}

}  // namespace qrun
