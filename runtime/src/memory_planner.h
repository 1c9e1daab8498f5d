// Places every activation in one arena, from the tensors' lifetimes: two tensors may share bytes
// when no op needs both alive at once. Greedy by size, largest first, each at the lowest offset
// that does not overlap a live neighbour (the strategy TFLite's arena planner also uses).
#pragma once

#include <cstddef>
#include <vector>

#include "tensor.h"

namespace qrun {

constexpr size_t kArenaAlignment = 64;

// Sets arena_offset of every non-constant tensor and returns the arena's size in bytes. A tensor
// with view_of set gets the bytes of that one (which must not be a view itself).
size_t plan_arena(std::vector<Tensor>* tensors, int op_count);

}  // namespace qrun
