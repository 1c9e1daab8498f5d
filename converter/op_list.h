// qconvert --list-ops: every ONNX op qconvert takes, whether it runs in int8 and in fp32, the qfb
// operators it becomes, and the instruction-set families with a kernel of their own for those
// operators in this build (from the kernel registry, see kernel_catalog.h).
#pragma once

#include <string>

namespace qrun::converter {

// One line per op: "Conv  yes  yes  avx2 avx512vnni | portable  CONV_2D"; the first three columns
// are whitespace-separated words, for scripts (the ONNX conformance test reads them).
std::string ListSupportedOps();

}  // namespace qrun::converter
