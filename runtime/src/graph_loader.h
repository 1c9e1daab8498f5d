// Turns the bytes of a .qfb into the runtime's tensors and op list, trusting nothing: the
// FlatBuffers verifier first, then every tensor's shape, type, quantization and buffer, every op's
// tensor indices, the order of ops (each reads only what is already written) and the inputs' image
// preprocessing. What an op needs of its own tensors is checked when the op is prepared
// (operators/).
#pragma once

#include <optional>
#include <vector>

#include "model_file.h"
#include "qfb_generated.h"
#include "qrun/qrun.h"
#include "tensor.h"

namespace qrun {

struct LoadedGraph {
  const fb::Model* model = nullptr;
  std::vector<Tensor> tensors;
  std::vector<int> inputs;
  std::vector<int> outputs;
  // One per input: how an image becomes that input, where the model says.
  std::vector<std::optional<qrun_image_preprocessing>> input_preprocessing;
};

Status load_graph(const ModelFile& file, LoadedGraph* graph);

}  // namespace qrun
