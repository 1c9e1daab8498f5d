#include "memory_planner.h"

#include <algorithm>

namespace qrun {
namespace {

struct Lifetime {
  int tensor;
  int first;  // op index that writes it (-1: alive from the start)
  int last;   // op index that last reads it (op_count: alive to the end)
  size_t size;
};

size_t aligned(size_t bytes) {
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

bool overlap_in_time(const Lifetime& a, const Lifetime& b) {
  return a.first <= b.last && b.first <= a.last;
}

}  // namespace

size_t plan_arena(std::vector<Tensor>* tensors, int op_count) {
  const int tensor_count = static_cast<int>(tensors->size());
  const auto lifetime = [&](int i) {
    const Tensor& t = (*tensors)[i];
    const int first = t.is_graph_input ? -1 : t.producer;
    int last = t.last_consumer < first ? first : t.last_consumer;
    if (t.is_graph_output) last = op_count;
    return Lifetime{i, first, last, aligned(t.byte_size)};
  };
  const auto planned = [&](const Tensor& t) {
    return !t.is_constant() && (t.producer >= 0 || t.is_graph_input);
  };
  std::vector<Lifetime> lives;
  std::vector<int> life_of(tensor_count, -1);
  for (int i = 0; i < tensor_count; ++i) {
    const Tensor& t = (*tensors)[i];
    if (t.view_of >= 0 || !planned(t)) continue;
    life_of[i] = static_cast<int>(lives.size());
    lives.push_back(lifetime(i));
  }
  // A view's bytes are its root's: the root stays alive as long as any of its views.
  for (int i = 0; i < tensor_count; ++i) {
    const Tensor& t = (*tensors)[i];
    if (t.view_of < 0 || life_of[t.view_of] < 0) continue;
    Lifetime& root = lives[life_of[t.view_of]];
    const Lifetime view = lifetime(i);
    root.first = std::min(root.first, view.first);
    root.last = std::max(root.last, view.last);
    root.size = std::max(root.size, view.size);
  }
  std::stable_sort(lives.begin(), lives.end(),
                   [](const Lifetime& a, const Lifetime& b) { return a.size > b.size; });

  std::vector<std::pair<size_t, const Lifetime*>> placed;  // (offset, lifetime)
  size_t arena = 0;
  for (const Lifetime& life : lives) {
    // Neighbours alive at the same time, in offset order; take the first gap that fits.
    std::vector<std::pair<size_t, size_t>> busy;
    for (const auto& [offset, other] : placed) {
      if (overlap_in_time(life, *other)) busy.emplace_back(offset, offset + other->size);
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (begin >= offset + life.size) break;
      offset = std::max(offset, end);
    }
    placed.emplace_back(offset, &life);
    (*tensors)[life.tensor].arena_offset = offset;
    arena = std::max(arena, offset + life.size);
  }
  for (Tensor& t : *tensors) {
    if (t.view_of >= 0) t.arena_offset = (*tensors)[t.view_of].arena_offset;
  }
  return arena;
}

}  // namespace qrun
