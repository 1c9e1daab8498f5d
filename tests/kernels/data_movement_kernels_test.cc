// Slice, Gather, Pad and Transpose reference kernels: cases worked out by hand (NumPy's results
// for the padding modes), and randomized shapes of every rank against an element-by-element
// statement of the definition. Int8 Concatenation's table kernels against its reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "cpu_features.h"
#include "registry.h"

namespace qrun::kernels {
namespace {

// The row-major index of `index` in a tensor of shape `dims`.
size_t Flat(const std::vector<size_t>& index, const std::vector<size_t>& dims) {
  size_t flat = 0;
  for (size_t d = 0; d < dims.size(); ++d) flat = flat * dims[d] + index[d];
  return flat;
}

// Calls fn(index) for every index of `dims`, in row-major order.
template <typename Fn>
void ForEachIndex(const std::vector<size_t>& dims, Fn fn) {
  size_t count = 1;
  for (size_t dim : dims) count *= dim;
  std::vector<size_t> index(dims.size(), 0);
  for (size_t e = 0; e < count; ++e) {
    fn(index);
    for (size_t d = dims.size(); d-- > 0;) {
      if (++index[d] < dims[d]) break;
      index[d] = 0;
    }
  }
}

std::vector<int32_t> Iota(size_t count) {
  std::vector<int32_t> values(count);
  for (size_t i = 0; i < count; ++i) values[i] = static_cast<int32_t>(i);
  return values;
}

TEST(SliceReference, ReversedAndStridedAxes) {
  SliceGeometry g;
  g.rank = 2;
  g.input_dims[0] = 3;
  g.input_dims[1] = 5;
  g.output_dims[0] = 2;
  g.output_dims[1] = 3;
  g.begin[0] = 2;
  g.step[0] = -2;  // rows 2, 0
  g.begin[1] = 4;
  g.step[1] = -1;  // columns 4, 3, 2
  g.element_size = 1;
  std::vector<int8_t> in(15);
  for (int i = 0; i < 15; ++i) in[i] = static_cast<int8_t>(i);
  std::vector<int8_t> out(6);
  slice_reference(g, in.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{14, 13, 12, 4, 3, 2}));
}

TEST(SliceReference, RandomShapesOfEveryRank) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    SliceGeometry g;
    g.rank = 1 + trial % kMaxSliceRank;
    g.element_size = 4;
    std::vector<size_t> in_dims, out_dims;
    for (int d = 0; d < g.rank; ++d) {
      const size_t dim = 1 + rng() % 5;
      const ptrdiff_t step = static_cast<ptrdiff_t>(rng() % 3) + 1;
      const bool backwards = rng() % 2;
      const size_t count = 1 + rng() % ((dim - 1) / step + 1);
      const size_t span = (count - 1) * step;
      const size_t first = rng() % (dim - span);
      g.input_dims[d] = dim;
      g.output_dims[d] = count;
      g.begin[d] = static_cast<ptrdiff_t>(backwards ? first + span : first);
      g.step[d] = backwards ? -step : step;
      in_dims.push_back(dim);
      out_dims.push_back(count);
    }
    size_t in_count = 1, out_count = 1;
    for (size_t dim : in_dims) in_count *= dim;
    for (size_t dim : out_dims) out_count *= dim;
    const std::vector<int32_t> in = Iota(in_count);
    std::vector<int32_t> out(out_count, -1), expected(out_count);
    ForEachIndex(out_dims, [&](const std::vector<size_t>& index) {
      std::vector<size_t> source(index.size());
      for (size_t d = 0; d < index.size(); ++d) {
        source[d] = static_cast<size_t>(g.begin[d] + static_cast<ptrdiff_t>(index[d]) * g.step[d]);
      }
      expected[Flat(index, out_dims)] = in[Flat(source, in_dims)];
    });
    slice_reference(g, in.data(), out.data());
    ASSERT_EQ(out, expected) << "trial " << trial;
  }
}

TEST(GatherReference, RowsInIndexOrderPerOuterBlock) {
  // [2, 3, 2] along axis 1 with indices {2, 0, 2}.
  const std::vector<int32_t> in = Iota(12);
  const int32_t indices[] = {2, 0, 2};
  GatherGeometry g{2, 3, 2 * sizeof(int32_t), 3};
  std::vector<int32_t> out(12);
  gather_reference(g, indices, in.data(), out.data());
  EXPECT_EQ(out, (std::vector<int32_t>{4, 5, 0, 1, 4, 5, 10, 11, 6, 7, 10, 11}));
}

std::vector<int8_t> Pad1d(PadMode mode, std::vector<int8_t> in, size_t before, size_t after) {
  PadGeometry g;
  g.rank = 1;
  g.input_dims[0] = in.size();
  g.before[0] = before;
  g.after[0] = after;
  g.mode = mode;
  const int8_t value = -7;
  std::vector<int8_t> out(before + in.size() + after);
  pad_reference(g, &value, in.data(), out.data());
  return out;
}

TEST(PadReference, ModesAsNumPyPads) {
  // np.pad([1, 2, 3], (2, 2), mode) for reflect and edge; constant -7.
  EXPECT_EQ(Pad1d(PadMode::kReflect, {1, 2, 3}, 2, 2), (std::vector<int8_t>{3, 2, 1, 2, 3, 2, 1}));
  EXPECT_EQ(Pad1d(PadMode::kEdge, {1, 2, 3}, 2, 3), (std::vector<int8_t>{1, 1, 1, 2, 3, 3, 3, 3}));
  EXPECT_EQ(Pad1d(PadMode::kConstant, {1, 2, 3}, 1, 2), (std::vector<int8_t>{-7, 1, 2, 3, -7, -7}));
}

TEST(PadReference, EveryAxisOfA3dTensor) {
  PadGeometry g;
  g.rank = 3;
  const size_t dims[] = {2, 3, 4}, before[] = {1, 0, 2}, after[] = {0, 2, 1};
  for (int d = 0; d < 3; ++d) {
    g.input_dims[d] = dims[d];
    g.before[d] = before[d];
    g.after[d] = after[d];
  }
  g.element_size = 4;
  const std::vector<size_t> in_dims(dims, dims + 3);
  const std::vector<size_t> out_dims = {3, 5, 7};
  const std::vector<int32_t> in = Iota(24);
  for (PadMode mode : {PadMode::kConstant, PadMode::kReflect, PadMode::kEdge}) {
    g.mode = mode;
    const int32_t value = -1;
    std::vector<int32_t> out(105), expected(105);
    pad_reference(g, &value, in.data(), out.data());
    ForEachIndex(out_dims, [&](const std::vector<size_t>& index) {
      std::vector<size_t> source(3);
      bool inside = true;
      for (size_t d = 0; d < 3; ++d) {
        ptrdiff_t at = static_cast<ptrdiff_t>(index[d]) - static_cast<ptrdiff_t>(before[d]);
        const ptrdiff_t last = static_cast<ptrdiff_t>(dims[d]) - 1;
        if (mode == PadMode::kReflect) at = at < 0 ? -at : (at > last ? 2 * last - at : at);
        if (mode == PadMode::kEdge) at = at < 0 ? 0 : (at > last ? last : at);
        inside = inside && at >= 0 && at <= last;
        source[d] = static_cast<size_t>(at);
      }
      expected[Flat(index, out_dims)] = inside ? in[Flat(source, in_dims)] : value;
    });
    EXPECT_EQ(out, expected) << "mode " << static_cast<int>(mode);
  }
}

TEST(TransposeReference, RandomPermutationsUpToRank6) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 100; ++trial) {
    TransposeGeometry g;
    g.rank = 1 + trial % kMaxTransposeRank;
    g.element_size = 4;
    std::vector<size_t> in_dims, out_dims;
    std::vector<int> perm(g.rank);
    for (int d = 0; d < g.rank; ++d) perm[d] = d;
    std::shuffle(perm.begin(), perm.end(), rng);
    for (int d = 0; d < g.rank; ++d) {
      g.input_dims[d] = 1 + rng() % 4;
      in_dims.push_back(g.input_dims[d]);
      g.perm[d] = perm[d];
    }
    for (int d = 0; d < g.rank; ++d) out_dims.push_back(in_dims[perm[d]]);
    size_t count = 1;
    for (size_t dim : in_dims) count *= dim;
    const std::vector<int32_t> in = Iota(count);
    std::vector<int32_t> out(count), expected(count);
    ForEachIndex(out_dims, [&](const std::vector<size_t>& index) {
      std::vector<size_t> source(index.size());
      for (size_t d = 0; d < index.size(); ++d) source[perm[d]] = index[d];
      expected[Flat(index, out_dims)] = in[Flat(source, in_dims)];
    });
    transpose_reference(g, in.data(), out.data());
    ASSERT_EQ(out, expected) << "trial " << trial;
  }
}

// Every kernel the registry could pick for a geometry gives the reference's bytes.
TEST(SliceKernels, EveryCandidateMatchesTheReference) {
  std::mt19937 rng(17);
  int fast = 0;
  for (int trial = 0; trial < 300; ++trial) {
    SliceGeometry g;
    g.rank = 1 + trial % kMaxSliceRank;
    g.element_size = 1 + trial % 4;
    size_t in_count = 1, out_count = 1;
    for (int d = 0; d < g.rank; ++d) {
      const size_t dim = 1 + rng() % 6;
      const bool innermost = d == g.rank - 1;
      const ptrdiff_t step = innermost && trial % 2 ? 1 : static_cast<ptrdiff_t>(rng() % 3) + 1;
      const size_t count = 1 + rng() % ((dim - 1) / step + 1);
      const size_t span = (count - 1) * step;
      const size_t first = rng() % (dim - span);
      const bool backwards = !(innermost && trial % 2) && rng() % 2;
      g.input_dims[d] = dim;
      g.output_dims[d] = count;
      g.begin[d] = static_cast<ptrdiff_t>(backwards ? first + span : first);
      g.step[d] = backwards ? -step : step;
      in_count *= dim;
      out_count *= count;
    }
    std::vector<uint8_t> in(in_count * g.element_size);
    for (uint8_t& v : in) v = static_cast<uint8_t>(rng());
    std::vector<uint8_t> expected(out_count * g.element_size);
    slice_reference(g, in.data(), expected.data());
    for (const SliceKernel& kernel : slice_candidates(CpuFeatures{}, g)) {
      std::vector<uint8_t> out(expected.size(), 0xAA);
      kernel.run(g, in.data(), out.data());
      ASSERT_EQ(out, expected) << kernel.name << " trial " << trial;
      fast += kernel.run != slice_reference;
    }
  }
  EXPECT_GT(fast, 100);
}

TEST(TransposeKernels, EveryCandidateMatchesTheReference) {
  std::mt19937 rng(31);
  int fast = 0;
  for (int trial = 0; trial < 300; ++trial) {
    TransposeGeometry g;
    g.rank = 1 + trial % kMaxTransposeRank;
    g.element_size = 1 + trial % 4;
    std::vector<int> perm(g.rank);
    for (int d = 0; d < g.rank; ++d) perm[d] = d;
    // Half the trials keep the innermost axis in place, as the row kernel needs.
    std::shuffle(perm.begin(), perm.end() - (trial % 2 ? 1 : 0), rng);
    size_t count = 1;
    for (int d = 0; d < g.rank; ++d) {
      // The input's innermost axis and the one that becomes the output's may span several of
      // the tile kernel's 16-element tiles.
      const bool plane_axis = d == g.rank - 1 || d == perm[g.rank - 1];
      g.input_dims[d] = 1 + rng() % (plane_axis ? 40 : 5);
      g.perm[d] = perm[d];
      count *= g.input_dims[d];
    }
    std::vector<uint8_t> in(count * g.element_size);
    for (uint8_t& v : in) v = static_cast<uint8_t>(rng());
    std::vector<uint8_t> expected(in.size());
    transpose_reference(g, in.data(), expected.data());
    for (const TransposeKernel& kernel : transpose_candidates(CpuFeatures{}, g)) {
      std::vector<uint8_t> out(expected.size(), 0xAA);
      kernel.run(g, in.data(), out.data());
      ASSERT_EQ(out, expected) << kernel.name << " trial " << trial;
      fast += kernel.run != transpose_reference;
    }
  }
  EXPECT_GT(fast, 100);
}

TEST(PadKernels, EveryCandidateMatchesTheReference) {
  std::mt19937 rng(19);
  const PadMode modes[] = {PadMode::kConstant, PadMode::kReflect, PadMode::kEdge};
  for (int trial = 0; trial < 300; ++trial) {
    PadGeometry g;
    g.rank = trial % (kMaxPadRank + 1);
    g.element_size = 1 + trial % 4;
    g.mode = modes[trial % 3];
    size_t in_count = 1, out_count = 1;
    for (int d = 0; d < g.rank; ++d) {
      const size_t dim = 1 + rng() % 5;
      const size_t limit = g.mode == PadMode::kReflect ? dim - 1 : 3;
      g.input_dims[d] = dim;
      g.before[d] = rng() % (limit + 1);
      g.after[d] = rng() % (limit + 1);
      in_count *= dim;
      out_count *= g.before[d] + dim + g.after[d];
    }
    std::vector<uint8_t> in(in_count * g.element_size);
    for (uint8_t& v : in) v = static_cast<uint8_t>(rng());
    const uint8_t value[4] = {0x12, 0x34, 0x56, 0x78};
    std::vector<uint8_t> expected(out_count * g.element_size);
    pad_reference(g, value, in.data(), expected.data());
    for (const PadKernel& kernel : pad_candidates(CpuFeatures{}, g)) {
      std::vector<uint8_t> out(expected.size(), 0xAA);
      kernel.run(g, value, in.data(), out.data());
      ASSERT_EQ(out, expected) << kernel.name << " trial " << trial;
    }
  }
}

// Every concatenation-by-tables kernel this CPU has gives the reference's bytes: random blocks
// (many shorter than a vector, some longer than several), inputs that share the output's
// parameters (copied) and inputs requantized (looked up), extreme zero points, multipliers from
// 1e-2 to 10 and output ranges a fused activation would narrow.
TEST(ConcatS8TablesKernels, EveryKernelMatchesTheReference) {
  const CpuFeatures cpu = detect_cpu_features();
  std::mt19937 random(20261122);
  const auto pick = [&](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  for (int trial = 0; trial < 300; ++trial) {
    const size_t input_count = static_cast<size_t>(pick(1, 6));
    std::vector<size_t> blocks(input_count);
    std::vector<int32_t> zero_points(input_count);
    std::vector<float> multipliers(input_count);
    ConcatQs8Params p;
    p.output.zero_point = pick(0, 2) == 0 ? -128 : pick(-128, 127);
    p.output.min = pick(0, 1) ? -128 : p.output.zero_point;
    p.output.max = pick(0, 2) == 0 ? pick(p.output.min, 127) : 127;
    const size_t outer = static_cast<size_t>(pick(1, 40));
    std::vector<std::vector<int8_t>> data(input_count);
    std::vector<const int8_t*> inputs(input_count);
    std::vector<int8_t> tables(input_count * kConcatTableSize);
    std::vector<const int8_t*> table_of(input_count, nullptr);
    for (size_t i = 0; i < input_count; ++i) {
      blocks[i] = static_cast<size_t>(pick(0, 3) == 0 ? pick(65, 300) : pick(1, 64));
      const bool same = pick(0, 2) == 0;
      zero_points[i] = same ? p.output.zero_point : pick(-128, 127);
      multipliers[i] = same ? 1.0f
                            : static_cast<float>(std::pow(
                                  10.0, std::uniform_real_distribution<double>(-2, 1)(random)));
      data[i].resize(outer * blocks[i]);
      for (int8_t& x : data[i]) x = static_cast<int8_t>(pick(-128, 127));
      inputs[i] = data[i].data();
      if (concat_qs8_table(zero_points[i], multipliers[i], p.output,
                           tables.data() + i * kConcatTableSize)) {
        table_of[i] = tables.data() + i * kConcatTableSize;
      }
    }
    p.input_zero_points = zero_points.data();
    p.multipliers = multipliers.data();
    const ConcatGeometry g{outer, input_count, blocks.data()};
    size_t total = 0;
    for (size_t block : blocks) total += outer * block;
    std::vector<int8_t> expected(total);
    concat_qs8_reference(g, p, inputs.data(), expected.data());
    for (const ConcatS8TablesKernel& kernel : concat_s8_tables_candidates(cpu)) {
      if (trial == 0) std::printf("kernel checked: %s\n", kernel.name);
      std::vector<int8_t> actual(total);
      kernel.run(g, table_of.data(), inputs.data(), actual.data());
      ASSERT_EQ(expected, actual) << kernel.name << ", trial " << trial;
    }
  }
}

}  // namespace
}  // namespace qrun::kernels
