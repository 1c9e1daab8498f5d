// Transpose in plain C++ for any CPU, moving whole runs instead of single elements. The geometry
// is first simplified without changing the result: dimensions of size 1 are dropped, and input
// dimensions that stay side by side and in order in the output are merged into one. What is
// left is often a copy of contiguous runs (attention's [seq, heads, dim] to [heads, seq, dim]
// moves rows of `dim` elements; [seq, 1, d_model] to [1, seq, d_model] is one copy), done with
// memcpy; otherwise elements are gathered one by one with their size known to the compiler.
#include <cstdint>
#include <cstring>

#include "transpose/transpose.h"

namespace qrun::kernels {
namespace {

struct Simplified {
  int rank = 0;
  size_t dims[kMaxTransposeRank] = {};  // input dimensions
  int perm[kMaxTransposeRank] = {};
};

Simplified simplify(const TransposeGeometry& g) {
  // Drop the dimensions of size 1, renumbering the others.
  int renumbered[kMaxTransposeRank] = {};
  Simplified kept;
  for (int d = 0; d < g.rank; ++d) {
    renumbered[d] = g.input_dims[d] == 1 ? -1 : kept.rank;
    if (g.input_dims[d] != 1) kept.dims[kept.rank++] = g.input_dims[d];
  }
  int out = 0;
  for (int d = 0; d < g.rank; ++d) {
    if (renumbered[g.perm[d]] >= 0) kept.perm[out++] = renumbered[g.perm[d]];
  }
  // Merge runs of input dimensions that the output takes in order, one after the other.
  int merged_into[kMaxTransposeRank] = {};
  int groups = 0;
  int group_of_input[kMaxTransposeRank] = {};
  for (int d = 0; d < kept.rank; ++d) {
    const bool continues = d > 0 && kept.perm[d] == kept.perm[d - 1] + 1;
    if (!continues) merged_into[groups++] = kept.perm[d];
    group_of_input[kept.perm[d]] = groups - 1;
  }
  // Groups are numbered in output order; the simplified input lists them in input order.
  Simplified result;
  result.rank = groups;
  int group_rank[kMaxTransposeRank] = {};
  int next = 0;
  for (int d = 0; d < kept.rank; ++d) {
    const int group = group_of_input[d];
    if (merged_into[group] == d) {
      group_rank[group] = next;
      result.dims[next++] = 1;
    }
    result.dims[group_rank[group]] *= kept.dims[d];
  }
  for (int group = 0; group < groups; ++group) result.perm[group] = group_rank[group];
  return result;
}

// Gathers `Size`-byte elements along the output, the last output dimension innermost.
template <size_t Size>
void gather(const size_t (&out_dims)[kMaxTransposeRank], const size_t (&strides)[kMaxTransposeRank],
            const unsigned char* in, unsigned char* out) {
  for (size_t i0 = 0; i0 < out_dims[0]; ++i0) {
    for (size_t i1 = 0; i1 < out_dims[1]; ++i1) {
      for (size_t i2 = 0; i2 < out_dims[2]; ++i2) {
        const unsigned char* source = in + (i0 * strides[0] + i1 * strides[1] + i2 * strides[2]);
        for (size_t i3 = 0; i3 < out_dims[3]; ++i3) {
          std::memcpy(out, source + i3 * strides[3], Size);
          out += Size;
        }
      }
    }
  }
}

}  // namespace

void transpose_runs_portable(const TransposeGeometry& g, const void* input, void* output) {
  const Simplified s = simplify(g);
  // Byte strides of the input dimensions, then the output's dimensions padded to rank 4 on the
  // left, each with the stride of the input dimension it reads.
  size_t in_strides[kMaxTransposeRank];
  size_t stride = g.element_size;
  for (int d = s.rank - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= s.dims[d];
  }
  const size_t total_bytes = stride;
  size_t out_dims[kMaxTransposeRank] = {1, 1, 1, 1};
  size_t strides[kMaxTransposeRank] = {0, 0, 0, 0};
  const int offset = kMaxTransposeRank - s.rank;
  for (int d = 0; d < s.rank; ++d) {
    out_dims[offset + d] = s.dims[s.perm[d]];
    strides[offset + d] = in_strides[s.perm[d]];
  }
  const auto* in = static_cast<const unsigned char*>(input);
  auto* out = static_cast<unsigned char*>(output);
  if (s.rank <= 1) {
    std::memcpy(out, in, total_bytes);
    return;
  }
  if (s.perm[s.rank - 1] == s.rank - 1) {
    // The innermost input dimension stays innermost: copy its runs.
    const size_t run = out_dims[3] * g.element_size;
    for (size_t i0 = 0; i0 < out_dims[0]; ++i0) {
      for (size_t i1 = 0; i1 < out_dims[1]; ++i1) {
        for (size_t i2 = 0; i2 < out_dims[2]; ++i2) {
          std::memcpy(out, in + (i0 * strides[0] + i1 * strides[1] + i2 * strides[2]), run);
          out += run;
        }
      }
    }
    return;
  }
  switch (g.element_size) {
    case 1: gather<1>(out_dims, strides, in, out); return;
    case 2: gather<2>(out_dims, strides, in, out); return;
    case 4: gather<4>(out_dims, strides, in, out); return;
    default: break;
  }
  // Other sizes: the inner dimension's elements one by one, of the size the geometry gives.
  for (size_t i0 = 0; i0 < out_dims[0]; ++i0) {
    for (size_t i1 = 0; i1 < out_dims[1]; ++i1) {
      for (size_t i2 = 0; i2 < out_dims[2]; ++i2) {
        const unsigned char* source = in + (i0 * strides[0] + i1 * strides[1] + i2 * strides[2]);
        for (size_t i3 = 0; i3 < out_dims[3]; ++i3) {
          std::memcpy(out, source + i3 * strides[3], g.element_size);
          out += g.element_size;
        }
      }
    }
  }
}

}  // namespace qrun::kernels
