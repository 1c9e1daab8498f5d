// The graph passes, one file each, in the order RunGraphPasses applies them. Each leaves the graph
// valid (topologically ordered, every tensor with its shape) for the next.
#pragma once

#include "converter/graph.h"
#include "qrun/status.h"

namespace qrun::converter {

// Evaluates constant subgraphs and Shape of static shapes; computes every remaining tensor's shape.
Status FoldConstants(Graph& graph);
// Drops Identity, inference-mode Dropout and Pad of nothing.
Status RemoveIdentities(Graph& graph);
// A zero Pad of H and W read only by a Conv (or an AveragePool counting padding) becomes its
// padding.
Status FoldPadsIntoConvs(Graph& graph);
// Reshape to [N, g, C/g, H, W], Transpose (0, 2, 1, 3, 4), Reshape back becomes ChannelShuffle,
// with the Slices of its channels into equal parts that alone read it as extra outputs.
Status FuseChannelShuffles(Graph& graph);
// Concat over the channels of Add(Mul(Unsqueeze(Gather(x, c, axis 1)), a_c), b_c), c = 0..C-1,
// becomes one BatchNormalization (scale a, bias b) of x.
Status FuseChannelwiseAffines(Graph& graph);
// Mul(x, HardSigmoid(x)) with alpha 1/6, beta 1/2 becomes HardSwish(x), Mul(x, Sigmoid(x))
// becomes Silu(x): how opset-13 exports write those functions.
Status FuseGatedActivations(Graph& graph);
// ReduceMean / Sub / Pow / ReduceMean / Add / Sqrt / Div [/ Mul / Add] over the last axis becomes
// LayerNormalization.
Status FuseLayerNorms(Graph& graph);
// MatMul + bias whose result only Slices of the last axis read becomes one MatMul + bias per slice.
Status SplitPackedProjections(Graph& graph);
// Mul or Div by a scalar constant of a MatMul (+ bias) result, through Reshapes and Transposes,
// folds into the MatMul's weights and bias.
Status FoldScalesIntoProjections(Graph& graph);
// Folds BatchNormalization into the Conv or ConvTranspose before it; a lone one becomes a
// depthwise 1x1 Conv.
Status FoldBatchNorms(Graph& graph);
// Moves Relu and Clip into the producing op's activation range; one that cannot be moved becomes
// a 1x1 MaxPool carrying the range.
Status FuseActivations(Graph& graph);
// Gemm and MatMul with a constant right side become FULLY_CONNECTED with OI weights and a bias.
Status LowerFullyConnected(Graph& graph);
// NCHW to NHWC, once, and every remaining ONNX op to its qfb operator.
Status ConvertToNhwc(Graph& graph);
// A TRANSPOSE that alone feeds a BATCH_MATMUL's b and moves its innermost axis to b's reduction
// axis becomes the product's transpose_b (and a row-moving TRANSPOSE, or none).
Status FoldTransposesIntoBatchMatMuls(Graph& graph);

// All of the above, in order: the float graph that the writer and the quantizer take.
Status RunGraphPasses(Graph& graph);

}  // namespace qrun::converter
