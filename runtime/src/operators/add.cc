// ADD: two inputs of rank <= 4 broadcast NumPy-style to the output's shape.
#include "operators/binary_qs8_params.h"
#include "operators/broadcast.h"

namespace qrun {

Status make_add(const OperatorSource& s, std::unique_ptr<Operator>* op) {
  kernels::BroadcastGeometry geometry;
  bool int8 = false;
  QRUN_RETURN_IF_ERROR(prepare_broadcast(s, &geometry, &int8));
  const fb::AddOptions* options = nullptr;
  QRUN_RETURN_IF_ERROR(options_as(s, &options));
  if (int8) {
    kernels::AddQs8Params params;
    QRUN_RETURN_IF_ERROR(read_add_qs8_params(s, &params));
    *op = make_broadcast_operator<int8_t>(s, kernels::select_add_qs8(s.cpu, geometry), geometry,
                                          params);
    return Status::Ok();
  }
  kernels::F32Range range;
  QRUN_RETURN_IF_ERROR(float_range(s, options->activation(), &range));
  *op = make_broadcast_operator<float>(s, kernels::select_add_f32(s.cpu), geometry, range);
  return Status::Ok();
}

}  // namespace qrun
