// Transpose that moves the innermost axis (as attention's K -> K^T, [B, S, D] -> [B, D, S]).
// Element by element it is a strided gather, so the kernel walks square tiles of the 2-D plane
// spanned by the input's innermost axis and the output's innermost axis: within a tile the
// strided reads stay in a few cache lines that the tile's other rows reuse, and every write is
// contiguous. The remaining axes are an outer walk. Plain C++ for any CPU; the bytes are the
// reference's.
#include <cstdint>
#include <cstring>

#include "transpose/transpose.h"

namespace qrun::kernels {
namespace {

constexpr size_t kTile = 16;

// One tile: out[i][j] (row stride out_row_stride) = in[j][i] (row stride in_row_stride), for
// i < rows, j < columns, elements of type T.
template <typename T>
void copy_tile(const unsigned char* in, size_t in_row_stride, unsigned char* out,
               size_t out_row_stride, size_t rows, size_t columns) {
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < columns; ++j) {
      T value;
      std::memcpy(&value, in + (j * in_row_stride + i) * sizeof(T), sizeof(T));
      std::memcpy(out + (i * out_row_stride + j) * sizeof(T), &value, sizeof(T));
    }
  }
}

template <typename T>
void transpose_planes(const TransposeGeometry& g, const unsigned char* in, unsigned char* out) {
  const int last = g.rank - 1;
  size_t in_strides[kMaxTransposeRank] = {};
  size_t out_strides[kMaxTransposeRank] = {};
  size_t out_dims[kMaxTransposeRank] = {};
  size_t stride = 1;
  for (int d = last; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= g.input_dims[d];
  }
  stride = 1;
  for (int d = last; d >= 0; --d) {
    out_dims[d] = g.input_dims[g.perm[d]];
    out_strides[d] = stride;
    stride *= out_dims[d];
  }
  // The plane: output axis `rows_axis` walks the input's innermost axis (input stride 1), the
  // output's innermost axis walks input axis perm[last].
  int rows_axis = 0;
  while (g.perm[rows_axis] != last) ++rows_axis;
  const size_t rows = out_dims[rows_axis];
  const size_t columns = out_dims[last];
  const size_t in_row_stride = in_strides[g.perm[last]];
  const size_t out_row_stride = out_strides[rows_axis];

  int outer_axes[kMaxTransposeRank] = {};
  int outer_rank = 0;
  size_t planes = 1;
  for (int d = 0; d < last; ++d) {
    if (d == rows_axis) continue;
    outer_axes[outer_rank++] = d;
    planes *= out_dims[d];
  }
  size_t index[kMaxTransposeRank] = {};
  size_t in_base = 0, out_base = 0;  // in elements
  for (size_t plane = 0; plane < planes; ++plane) {
    for (size_t i = 0; i < rows; i += kTile) {
      const size_t tile_rows = rows - i < kTile ? rows - i : kTile;
      for (size_t j = 0; j < columns; j += kTile) {
        const size_t tile_columns = columns - j < kTile ? columns - j : kTile;
        copy_tile<T>(in + (in_base + j * in_row_stride + i) * sizeof(T), in_row_stride,
                     out + (out_base + i * out_row_stride + j) * sizeof(T), out_row_stride,
                     tile_rows, tile_columns);
      }
    }
    for (int o = outer_rank - 1; o >= 0; --o) {
      const int d = outer_axes[o];
      in_base += in_strides[g.perm[d]];
      out_base += out_strides[d];
      if (++index[o] < out_dims[d]) break;
      in_base -= out_dims[d] * in_strides[g.perm[d]];
      out_base -= out_dims[d] * out_strides[d];
      index[o] = 0;
    }
  }
}

}  // namespace

void transpose_tiles_portable(const TransposeGeometry& g, const void* input, void* output) {
  const auto* in = static_cast<const unsigned char*>(input);
  auto* out = static_cast<unsigned char*>(output);
  switch (g.element_size) {
    case 1: transpose_planes<uint8_t>(g, in, out); break;
    case 2: transpose_planes<uint16_t>(g, in, out); break;
    case 4: transpose_planes<uint32_t>(g, in, out); break;
    default: transpose_planes<uint64_t>(g, in, out); break;
  }
}

}  // namespace qrun::kernels
