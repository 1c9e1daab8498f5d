#include "converter/converter.h"

#include "converter/calibration.h"
#include "converter/calibration_samples.h"
#include "converter/onnx_importer.h"
#include "converter/passes.h"
#include "converter/qfb_writer.h"
#include "converter/quantizer.h"
#include "converter/sha256.h"
#include "converter/torchscript_importer.h"
#include "runtime/tools/file_io.h"

namespace qrun::converter {
namespace {

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A model quantized before it reached qconvert (PyTorch's quantized TorchScript, an ONNX QDQ or
// QOperator model) comes with every activation's scale and zero point, its inputs' among them.
bool IsPrequantized(const Graph& graph) {
  for (const std::string& input : graph.inputs) {
    if (graph.tensor(input).quantization.scale.empty()) return false;
  }
  return !graph.inputs.empty();
}

void ForgetQuantization(Graph& graph) {
  for (auto& entry : graph.tensors) entry.second.quantization = Quantization();
}

}  // namespace

Status ConvertModel(const ConvertOptions& options, ConvertSummary* summary) {
  std::string source;
  QRUN_RETURN_IF_ERROR(tools::read_file(options.model_path, &source));
  Graph graph;
  ImportOptions import_options;
  import_options.input_shapes = options.input_shapes;
  import_options.positional_input_shapes = options.positional_input_shapes;
  if (LooksLikeTorchScript(source)) {
    QRUN_RETURN_IF_ERROR(ImportTorchScriptModel(source, import_options, &graph));
  } else {
    QRUN_RETURN_IF_ERROR(ImportOnnxModel(source, import_options, &graph));
  }
  const bool prequantized = IsPrequantized(graph) && !options.float_model;
  if (!prequantized) ForgetQuantization(graph);
  std::vector<std::string> sample_files;
  if (!options.float_model && !prequantized) {
    if (options.calibration_paths.empty()) {
      return InvalidArgument(
          "an int8 model needs calibration samples (--calib), or give --float (only a model "
          "quantized before, in PyTorch or ONNX, needs none)");
    }
    QRUN_RETURN_IF_ERROR(ListCalibrationFiles(options.calibration_paths, &sample_files));
  }
  QRUN_RETURN_IF_ERROR(RunGraphPasses(graph));

  QfbMetadata metadata;
  metadata.source_file = BaseName(options.model_path);
  metadata.source_sha256 =
      Sha256Hex(reinterpret_cast<const uint8_t*>(source.data()), source.size());
  std::vector<uint8_t> file;
  if (prequantized) {
    QRUN_RETURN_IF_ERROR(QuantizeGraph({}, graph));
    metadata.calibration_method = "from the model";
  } else {
    QRUN_RETURN_IF_ERROR(SerializeQfb(graph, metadata, &file));
  }
  if (!options.float_model && !prequantized) {
    TensorRanges ranges;
    QRUN_RETURN_IF_ERROR(CollectRanges(file, sample_files, &ranges));
    QRUN_RETURN_IF_ERROR(QuantizeGraph(ranges, graph));
    metadata.calibration_method = "minmax";
    metadata.calibration_samples = static_cast<int>(sample_files.size());
  }
  if (!options.float_model) QRUN_RETURN_IF_ERROR(SerializeQfb(graph, metadata, &file));
  QRUN_RETURN_IF_ERROR(tools::write_file_atomically(options.output_path, file.data(), file.size()));
  summary->operators = static_cast<int>(graph.nodes.size());
  summary->file_bytes = file.size();
  summary->calibration_samples = metadata.calibration_samples;
  summary->prequantized = prequantized;
  return Status::Ok();
}

}  // namespace qrun::converter
