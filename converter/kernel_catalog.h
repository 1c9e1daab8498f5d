// Which instruction-set families have a kernel of their own (other than the reference) for each
// qfb operator in this build, found by asking the registry what it picks on a CPU of each family
// for typical shapes: the answer follows the registry, so a list printed from it cannot drift.
#pragma once

#include <string>
#include <vector>

namespace qrun::converter {

struct KernelFamilies {
  bool known = false;             // false for an operator the catalog does not know
  std::vector<std::string> int8;  // e.g. {"avx2", "avx512vnni"}, in the order families are probed
  std::vector<std::string> fp32;
};

// `qfb_operator` as schema/qfb.fbs names it ("CONV_2D").
KernelFamilies FastKernelFamilies(const std::string& qfb_operator);

}  // namespace qrun::converter
