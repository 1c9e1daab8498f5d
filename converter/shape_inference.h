// Output shapes of the ONNX ops that stay in the graph after constant folding, at opset 13
// semantics (plus the later attributes the importer lets through), from the (concrete) shapes of
// their inputs. The constant folding walk calls it for every node it keeps, in topological order,
// so each node's input shapes are known by then.
#pragma once

#include <cstdint>
#include <vector>

#include "converter/graph.h"
#include "qrun/status.h"

namespace qrun::converter {

Status InferOutputShapes(Graph& graph, const Node& node);

// NumPy broadcasting of two shapes; false when they do not broadcast.
bool BroadcastShapes(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                     std::vector<int64_t>* result);

// ONNX Reshape's target (0 copies the input dimension unless `allow_zero`, the opset-14
// attribute, makes it a literal 0; -1 takes what is left); false when the request is impossible.
bool ResolveReshape(const std::vector<int64_t>& input, const std::vector<int64_t>& requested,
                    bool allow_zero, std::vector<int64_t>* result);

// Maps a possibly negative axis into [0, rank); false when it is out of range.
bool NormalizeAxis(int64_t axis, size_t rank, int64_t* normalized);

int64_t ElementCount(const std::vector<int64_t>& shape);

// The axes an ONNX ReduceMean / ReduceSum / ReduceMax / ReduceMin reduces, normalized and sorted,
// from its `axes` attribute or (ReduceSum, opset 13) its constant input 1; none given means all of
// them, unless noop_with_empty_axes makes the node an identity (then `axes` is left empty).
Status ReduceAxes(const Graph& graph, const Node& node, size_t rank, std::vector<int64_t>* axes);

}  // namespace qrun::converter
