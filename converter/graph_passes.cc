#include "converter/passes.h"

namespace qrun::converter {

Status RunGraphPasses(Graph& graph) {
  QRUN_RETURN_IF_ERROR(FoldConstants(graph));
  QRUN_RETURN_IF_ERROR(RemoveIdentities(graph));
  QRUN_RETURN_IF_ERROR(FoldPadsIntoConvs(graph));
  QRUN_RETURN_IF_ERROR(FuseChannelShuffles(graph));
  QRUN_RETURN_IF_ERROR(FuseChannelwiseAffines(graph));
  QRUN_RETURN_IF_ERROR(FuseGatedActivations(graph));
  QRUN_RETURN_IF_ERROR(FuseLayerNorms(graph));
  QRUN_RETURN_IF_ERROR(SplitPackedProjections(graph));
  QRUN_RETURN_IF_ERROR(FoldScalesIntoProjections(graph));
  QRUN_RETURN_IF_ERROR(FoldBatchNorms(graph));
  QRUN_RETURN_IF_ERROR(FuseActivations(graph));
  QRUN_RETURN_IF_ERROR(LowerFullyConnected(graph));
  QRUN_RETURN_IF_ERROR(ConvertToNhwc(graph));
  return FoldTransposesIntoBatchMatMuls(graph);
}

}  // namespace qrun::converter
