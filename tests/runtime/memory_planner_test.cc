#include "memory_planner.h"

#include <gtest/gtest.h>

namespace qrun {
namespace {

Tensor activation(size_t bytes, int producer, int last_consumer) {
  Tensor t;
  t.byte_size = bytes;
  t.producer = producer;
  t.last_consumer = last_consumer;
  t.is_graph_input = producer < 0;
  return t;
}

bool overlaps(const Tensor& a, const Tensor& b) {
  return a.arena_offset < b.arena_offset + b.byte_size &&
         b.arena_offset < a.arena_offset + a.byte_size;
}

TEST(MemoryPlanner, AChainNeedsOnlyTwoSlots) {
  // input -> op0 -> t1 -> op1 -> t2 -> op2 -> t3 (graph output)
  std::vector<Tensor> tensors = {activation(1000, -1, 0), activation(1000, 0, 1),
                                 activation(1000, 1, 2), activation(1000, 2, 2)};
  tensors[3].is_graph_output = true;
  EXPECT_EQ(plan_arena(&tensors, 3), 2 * 1024u);
  EXPECT_FALSE(overlaps(tensors[0], tensors[1]));
  EXPECT_FALSE(overlaps(tensors[1], tensors[2]));
  EXPECT_FALSE(overlaps(tensors[2], tensors[3]));
}

TEST(MemoryPlanner, ASkipConnectionKeepsItsTensorAlive) {
  // t0 is read by op0 and again by op2 (a residual add): it may share with nothing in between.
  std::vector<Tensor> tensors = {activation(64, -1, 2), activation(64, 0, 1), activation(64, 1, 2),
                                 activation(64, 2, 3)};
  tensors[3].is_graph_output = true;
  EXPECT_EQ(plan_arena(&tensors, 3), 3 * 64u);
  for (int a = 0; a < 4; ++a) {
    for (int b = a + 1; b < 4; ++b) {
      const bool alive_together = tensors[a].producer <= tensors[b].last_consumer &&
                                  tensors[b].producer <= tensors[a].last_consumer;
      if (alive_together) {
        EXPECT_FALSE(overlaps(tensors[a], tensors[b])) << a << " and " << b;
      }
    }
  }
}

TEST(MemoryPlanner, ConstantsTakeNoArena) {
  static const int8_t weights[4] = {1, 2, 3, 4};
  std::vector<Tensor> tensors = {activation(64, -1, 0), Tensor{}, activation(64, 0, 0)};
  tensors[1].constant = weights;
  tensors[1].byte_size = 4;
  tensors[2].is_graph_output = true;
  EXPECT_EQ(plan_arena(&tensors, 1), 128u);
}

}  // namespace
}  // namespace qrun
