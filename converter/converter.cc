#include "converter/converter.h"

#include <sstream>

#include "converter/accuracy.h"
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

// A model quantized before it reached qconvert (PyTorch's quantized TorchScript) comes with
// every activation's scale and zero point, its inputs' among them.
bool IsPrequantized(const Graph& graph) {
  for (const std::string& input : graph.inputs) {
    if (graph.tensor(input).quantization.scale.empty()) return false;
  }
  return !graph.inputs.empty();
}

std::string FormatNumber(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
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
  const bool report = !options.report_path.empty();
  if (report && options.float_model) {
    return InvalidArgument(
        "--report compares an int8 model with its float original: not with --float");
  }
  std::vector<std::string> sample_files;
  if ((!options.float_model && !prequantized) || report) {
    if (options.calibration_paths.empty()) {
      return InvalidArgument(
          "an int8 model needs calibration samples (--calib), or give --float (only a model "
          "already quantized in PyTorch needs none)" +
          std::string(report ? "; --report runs both models on the first samples" : ""));
    }
    QRUN_RETURN_IF_ERROR(ListCalibrationFiles(options.calibration_paths, &sample_files));
  }
  QRUN_RETURN_IF_ERROR(RunGraphPasses(graph));

  QfbMetadata metadata;
  metadata.source_file = BaseName(options.model_path);
  metadata.source_sha256 =
      Sha256Hex(reinterpret_cast<const uint8_t*>(source.data()), source.size());
  std::vector<uint8_t> file;
  std::vector<uint8_t> float_file;
  {
    Graph float_graph = graph;
    ForgetQuantization(float_graph);
    QRUN_RETURN_IF_ERROR(SerializeQfb(float_graph, metadata, &float_file));
  }
  QuantizeOptions quantize_options;
  quantize_options.per_tensor_weights = options.per_tensor_weights;
  quantize_options.warnings = &summary->warnings;
  if (prequantized) {
    QRUN_RETURN_IF_ERROR(QuantizeGraph({}, quantize_options, graph));
    metadata.calibration_method = "from the model";
  } else if (!options.float_model) {
    CalibrationOptions calibration;
    calibration.method = options.calibration_method;
    calibration.percentile = options.percentile;
    calibration.progress = options.progress;
    calibration.progress_on_terminal = options.progress_on_terminal;
    TensorRanges ranges;
    QRUN_RETURN_IF_ERROR(CollectRanges(float_file, sample_files, calibration, &ranges));
    QRUN_RETURN_IF_ERROR(QuantizeGraph(ranges, quantize_options, graph));
    metadata.calibration_method = RangeMethodName(options.calibration_method);
    if (options.calibration_method == RangeMethod::kPercentile) {
      metadata.calibration_method += " " + FormatNumber(options.percentile);
    }
    if (options.per_tensor_weights) metadata.calibration_method += ", per-tensor weights";
    metadata.calibration_samples = static_cast<int>(sample_files.size());
  }
  if (options.float_model) {
    file = std::move(float_file);
  } else {
    QRUN_RETURN_IF_ERROR(SerializeQfb(graph, metadata, &file));
  }
  if (report) {
    AccuracyReportOptions report_options;
    report_options.path = options.report_path;
    report_options.max_samples = options.report_samples;
    report_options.float_name = BaseName(options.model_path) + " (float)";
    report_options.int8_name = BaseName(options.output_path);
    std::vector<std::string> report_files;
    if (options.report_data.empty()) {
      report_files = sample_files;
    } else {
      QRUN_RETURN_IF_ERROR(ListCalibrationFiles(options.report_data, &report_files));
    }
    QRUN_RETURN_IF_ERROR(WriteAccuracyReport(float_file, file, report_files, report_options,
                                             &summary->report_table));
  }
  QRUN_RETURN_IF_ERROR(tools::write_file_atomically(options.output_path, file.data(), file.size()));
  summary->operators = static_cast<int>(graph.nodes.size());
  summary->file_bytes = file.size();
  summary->calibration_samples = metadata.calibration_samples;
  summary->prequantized = prequantized;
  return Status::Ok();
}

}  // namespace qrun::converter
