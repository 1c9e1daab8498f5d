// Turns the bytes of a .qfb into the runtime's tensors and op list, trusting nothing: the
// FlatBuffers verifier first, then every tensor's shape, type, quantization and buffer, every op's
// tensor indices, and the order of ops (each reads only what is already written). What an op
// needs of its own tensors is checked when the op is prepared (operators/).
#pragma once

#include <vector>

#include "model_file.h"
#include "qfb_generated.h"
#include "tensor.h"

namespace qrun {

struct LoadedGraph {
  const fb::Model* model = nullptr;
  std::vector<Tensor> tensors;
  std::vector<int> inputs;
  std::vector<int> outputs;
};

Status load_graph(const ModelFile& file, LoadedGraph* graph);

}  // namespace qrun
