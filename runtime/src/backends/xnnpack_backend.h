// The XNNPACK backend (qrun --backend xnnpack): each op that Debian's XNNPACK (2022) has an int8
// operator for runs on that operator, in qrun's own execution plan and activation arena; every
// other op stays on qrun's kernel, and says why. It exists to compare qrun's kernels with
// XNNPACK's on the same file in the same process (BRIEF §8).
//
// Requantization: XNNPACK's QC8 convolution multiplies float(acc) by an fp32 scale, clamps in
// float, rounds to nearest even (cvtps2dq on x86, fcvtns or the 1.5*2^23 magic-number addition on
// ARM) and adds the zero point: the same bytes as qrun's formula (BRIEF §3) for every accumulator,
// provided the scale is the same fp32 number. XNNPACK forms it itself as
// input_scale * kernel_scale[c] / output_scale, two roundings away from the converter's m[c], so
// the backend hands it m[c] as the kernel scale with unit input and output scales.
// XNNPACK's QS8 global average pooling likewise multiplies by the fp32 (s_in / s_out) / count, as
// qrun does, its QS8 multiply float(product) * scale as qrun's MUL, and its max pooling moves
// values. The ADD is where the two differ: XNNPACK's QS8 add is fixed point and lands 1 LSB away
// from qrun's on a few operand pairs at some scales, so an ADD (and a MUL, to be sure) goes to
// XNNPACK only where it gives qrun's bytes for all 65536 of them (xnnpack_backend.cc,
// lower_binary). Every op the backend lowers thus gives qrun's bytes, and so does the whole model.
#pragma once

#include <memory>
#include <string>

#include "operators/operator.h"

namespace qrun {

// Whether this build has the backend (CMake QRUN_WITH_XNNPACK).
bool xnnpack_backend_built();

// Lowers one op, already checked and prepared by qrun's own factory, to an XNNPACK operator. Where
// XNNPACK cannot take it, leaves *op empty and puts the reason in *declined.
Status make_xnnpack_operator(const OperatorSource& source, std::unique_ptr<Operator>* op,
                             std::string* declined);

}  // namespace qrun
