#include "converter/converter.h"

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include "converter/accuracy.h"
#include "converter/auto_float.h"
#include "converter/calibration.h"
#include "converter/calibration_samples.h"
#include "converter/mixed_precision.h"
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

// A model quantized before it reached qconvert (PyTorch's quantized TorchScript, an ONNX QDQ or
// QOperator model) comes with every activation's scale and zero point, its inputs' among them.
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

// A graph input as the runtime describes it: its name and (NHWC) shape, all LoadSample and the
// image preprocessing read. `tensor` must outlive the description (it holds the name).
qrun_tensor_info DescribeInput(const Tensor& tensor) {
  qrun_tensor_info info{};
  info.name = tensor.name.c_str();
  info.rank = static_cast<int>(std::min<size_t>(tensor.shape.size(), QRUN_MAX_RANK));
  for (int d = 0; d < info.rank; ++d) info.shape[d] = static_cast<int>(tensor.shape[d]);
  return info;
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
  qrun_image_preprocessing resolved;
  QRUN_RETURN_IF_ERROR(ResolveImagePreprocessing(
      options.image, DescribeInput(graph.tensor(graph.inputs[0])), &resolved));
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
  if (options.dynamic &&
      (options.float_model || !options.keep_float.empty() || options.auto_float_target)) {
    return InvalidArgument("--dynamic goes with none of --float, --keep-float, --auto-float");
  }
  const bool prequantized = IsPrequantized(graph) && !options.float_model && !options.dynamic;
  if (!prequantized) ForgetQuantization(graph);
  const bool report = !options.report_path.empty();
  if (report && options.float_model) {
    return InvalidArgument(
        "--report compares an int8 model with its float original: not with --float");
  }
  CalibrationSamples samples;
  samples.raw_shape = options.calibration_shape;
  if ((!options.float_model && !prequantized && !options.dynamic) || report) {
    if (options.calibration_paths.empty()) {
      return InvalidArgument(
          "an int8 model needs calibration samples (--calib), or give --float (only a model "
          "quantized before, in PyTorch or ONNX, needs none)" +
          std::string(report ? "; --report runs both models on the first samples" : ""));
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
  std::vector<uint8_t> float_file;
  {
    Graph float_graph = graph;
    ForgetQuantization(float_graph);
    QRUN_RETURN_IF_ERROR(SerializeQfb(float_graph, metadata, &float_file));
  }
  TensorRanges ranges;
  if (prequantized) {
    metadata.calibration_method = "from the model";
  } else if (options.dynamic) {
    metadata.calibration_method = "dynamic";
  } else if (!options.float_model) {
    CalibrationOptions calibration;
    calibration.method = options.calibration_method;
    calibration.percentile = options.percentile;
    calibration.progress = options.progress;
    calibration.progress_on_terminal = options.progress_on_terminal;
    QRUN_RETURN_IF_ERROR(CollectRanges(float_file, samples, calibration, &ranges));
    metadata.calibration_method = RangeMethodName(options.calibration_method);
    if (options.calibration_method == RangeMethod::kPercentile) {
      metadata.calibration_method += " " + FormatNumber(options.percentile);
    }
    if (options.per_tensor_weights) metadata.calibration_method += ", per-tensor weights";
    metadata.calibration_samples = static_cast<int>(samples.files.size());
  }
  // The int8 model with some nodes kept in fp32, from the float graph each time.
  auto make_int8 = [&](const std::vector<std::string>& kept, std::vector<uint8_t>* out) {
    Graph quantized = graph;
    QRUN_RETURN_IF_ERROR(KeepNodesInFloat(kept, quantized));
    const std::set<std::string> float_nodes(kept.begin(), kept.end());
    QuantizeOptions quantize_options;
    quantize_options.per_tensor_weights = options.per_tensor_weights;
    quantize_options.float_nodes = &float_nodes;
    summary->warnings.clear();
    quantize_options.warnings = &summary->warnings;
    QRUN_RETURN_IF_ERROR(QuantizeGraph(ranges, quantize_options, quantized));
    QfbMetadata kept_metadata = metadata;
    for (size_t i = 0; i < kept.size(); ++i) {
      kept_metadata.calibration_method += (i ? ", " : "; fp32: ") + kept[i];
    }
    summary->operators = static_cast<int>(quantized.nodes.size());
    return SerializeQfb(quantized, kept_metadata, out);
  };

  // The samples that the report and --auto-float measure on.
  const bool auto_float = options.auto_float_target.has_value();
  std::vector<std::vector<float>> measured;
  if (report || auto_float) {
    CalibrationSamples report_set = samples;
    if (!options.report_data.empty()) {
      report_set.files.clear();
      QRUN_RETURN_IF_ERROR(ListCalibrationFiles(options.report_data, &report_set.files));
    }
    if (graph.inputs.size() != 1) {
      return Unsupported("--report and --auto-float need a model with one input");
    }
    QRUN_RETURN_IF_ERROR(LoadSamples(DescribeInput(graph.tensor(graph.inputs[0])), report_set,
                                     options.report_samples, &measured));
  }
  std::vector<std::string> kept = options.keep_float;
  for (const std::string& name : NodesWithoutInt8Form(graph)) {
    if (std::find(kept.begin(), kept.end(), name) == kept.end()) kept.push_back(name);
  }
  summary->float_nodes = kept;
  if (options.float_model || options.dynamic) {
    summary->float_nodes.clear();
    summary->operators = static_cast<int>(graph.nodes.size());
  }
  if (options.float_model) {
    file = std::move(float_file);
  } else if (options.dynamic) {
    QuantizeOptions quantize_options;
    quantize_options.per_tensor_weights = options.per_tensor_weights;
    quantize_options.warnings = &summary->warnings;
    QRUN_RETURN_IF_ERROR(QuantizeWeightsForDynamicUse(quantize_options, graph));
    QRUN_RETURN_IF_ERROR(SerializeQfb(graph, metadata, &file));
  } else if (auto_float) {
    QRUN_RETURN_IF_ERROR(KeepWorstLayersInFloat(*options.auto_float_target, float_file, measured,
                                                make_int8, &summary->float_nodes, &file,
                                                &summary->auto_float_log));
  } else {
    QRUN_RETURN_IF_ERROR(make_int8(kept, &file));
  }

  if (report) {
    AccuracyReportOptions report_options;
    report_options.path = options.report_path;
    report_options.float_name = BaseName(options.model_path) + " (float)";
    report_options.int8_name = BaseName(options.output_path);
    QRUN_RETURN_IF_ERROR(
        WriteAccuracyReport(float_file, file, measured, report_options, &summary->report_table));
  }
  QRUN_RETURN_IF_ERROR(tools::write_file_atomically(options.output_path, file.data(), file.size()));
  summary->file_bytes = file.size();
  summary->calibration_samples = metadata.calibration_samples;
  summary->prequantized = prequantized;
  if (metadata.image_preprocessing) {
    summary->image_preprocessing = tools::describe_preprocessing(*metadata.image_preprocessing);
  }
  return Status::Ok();
}

}  // namespace qrun::converter
