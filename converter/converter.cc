#include "converter/converter.h"

#include <algorithm>
#include <optional>

#include "converter/calibration.h"
#include "converter/calibration_samples.h"
#include "converter/onnx_importer.h"
#include "converter/passes.h"
#include "converter/qfb_writer.h"
#include "converter/quantizer.h"
#include "converter/sha256.h"
#include "converter/torchscript_importer.h"
#include "runtime/tools/file_io.h"
#include "runtime/tools/image_input.h"
#include "runtime/tools/image_preprocessing.h"

namespace qrun::converter {
namespace {

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A model quantized before it reached qconvert (PyTorch's quantized TorchScript) comes with
// every activation's scale and zero point, its inputs' among them.
bool IsPrequantized(const Graph& graph) {
  for (const std::string& input : graph.inputs) {
    if (graph.tensor(input).quantization.scale.empty()) return false;
  }
  return !graph.inputs.empty();
}

void ForgetQuantization(Graph& graph) {
  for (auto& entry : graph.tensors) entry.second.quantization = Quantization();
}

// The image preprocessing to store for the model's one input, if the options ask for one or a
// calibration sample is an image.
Status ImagePreprocessingFor(const Graph& graph, const ConvertOptions& options,
                             const std::vector<std::string>& sample_files,
                             std::optional<qrun_image_preprocessing>* steps) {
  const bool images = std::any_of(sample_files.begin(), sample_files.end(), tools::is_image_path);
  if (!options.image.given && !images) return Status::Ok();
  if (graph.inputs.size() != 1) {
    return InvalidArgument(
        "image preprocessing (image samples, or --resize, --crop, --mean, --std, --bgr, --layout) "
        "needs a model with one input; this one has " +
        std::to_string(graph.inputs.size()));
  }
  const Tensor& input = graph.tensor(graph.inputs[0]);
  qrun_tensor_info info{};
  info.name = input.name.c_str();
  info.rank = static_cast<int>(std::min<size_t>(input.shape.size(), QRUN_MAX_RANK));
  for (int d = 0; d < info.rank; ++d) info.shape[d] = static_cast<int>(input.shape[d]);
  qrun_image_preprocessing resolved;
  QRUN_RETURN_IF_ERROR(ResolveImagePreprocessing(options.image, info, &resolved));
  *steps = resolved;
  return Status::Ok();
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
  CalibrationSamples samples;
  samples.raw_shape = options.calibration_shape;
  if (!options.float_model && !prequantized) {
    if (options.calibration_paths.empty()) {
      return InvalidArgument(
          "an int8 model needs calibration samples (--calib), or give --float (only a model "
          "already quantized in PyTorch needs none)");
    }
    QRUN_RETURN_IF_ERROR(ListCalibrationFiles(options.calibration_paths, &samples.files));
  }
  QRUN_RETURN_IF_ERROR(RunGraphPasses(graph));

  QfbMetadata metadata;
  QRUN_RETURN_IF_ERROR(
      ImagePreprocessingFor(graph, options, samples.files, &metadata.image_preprocessing));
  samples.image_preprocessing = metadata.image_preprocessing;
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
    QRUN_RETURN_IF_ERROR(CollectRanges(file, samples, &ranges));
    QRUN_RETURN_IF_ERROR(QuantizeGraph(ranges, graph));
    metadata.calibration_method = "minmax";
    metadata.calibration_samples = static_cast<int>(samples.files.size());
  }
  if (!options.float_model) QRUN_RETURN_IF_ERROR(SerializeQfb(graph, metadata, &file));
  QRUN_RETURN_IF_ERROR(tools::write_file_atomically(options.output_path, file.data(), file.size()));
  summary->operators = static_cast<int>(graph.nodes.size());
  summary->file_bytes = file.size();
  summary->calibration_samples = metadata.calibration_samples;
  summary->prequantized = prequantized;
  if (metadata.image_preprocessing) {
    summary->image_preprocessing = tools::describe_preprocessing(*metadata.image_preprocessing);
  }
  return Status::Ok();
}

}  // namespace qrun::converter
