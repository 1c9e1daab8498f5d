#include "converter/command_line.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "converter/accuracy.h"

namespace qrun::converter {
namespace {

constexpr char kUsage[] =
    "usage: qconvert model.onnx|model.pt -o model.qfb --calib <.npy files or folders> [options]\n"
    "  -o, --output PATH          the .qfb to write\n"
    "  --calib PATH...            calibration samples: .npy files (one sample each, the model's\n"
    "                             input in NCHW as the source model takes it) or folders of them;\n"
    "                             a model quantized before (PyTorch's quantized TorchScript,\n"
    "                             ONNX QDQ or QOperator) needs none\n"
    "  --dynamic                  dynamic quantization: int8 weights for fully connected\n"
    "                             layers (and MatMul by a constant), every activation float,\n"
    "                             each row quantized from its own range as the model runs;\n"
    "                             no --calib needed\n"
    "  --float                    write the fp32 model instead (--calib is not needed and,\n"
    "                             if given, not used)\n"
    "  --input-shape [NAME:]D0,D1,...  the shape of graph input NAME, or without a name of the\n"
    "                             next input in order (otherwise every symbolic dimension is\n"
    "                             1); may be given once per input. TorchScript files (.pt, from\n"
    "                             torch.jit.trace or torch.jit.script) record no shapes and need\n"
    "                             one for every input\n"
    "  --calibration METHOD       how each activation's range comes from the samples: minmax\n"
    "                             (default: every value), percentile, entropy (smallest KL\n"
    "                             divergence) or mse (smallest squared error); the last three\n"
    "                             clip outliers and take a second pass over the samples\n"
    "  --percentile P             for --calibration percentile: the share of values (in %)\n"
    "                             inside the range, the rest split between both tails\n"
    "                             (default 99.99)\n"
    "  --per-tensor-weights       one weight scale per layer instead of one per output channel\n"
    "  --keep-float NODE,...      keep these layers in fp32 (names as the report prints them),\n"
    "                             with quantize / dequantize at their edges\n"
    "  --auto-float sqnr=DB|cosine=C  keep the worst layers in fp32, one at a time, until the\n"
    "                             output reaches the target on the report's samples; prints\n"
    "                             each choice with its output figure and latency\n"
    "  --report PATH              also write an accuracy report, .json or .html (one page with\n"
    "                             a chart), and print its worst layers: SQNR and cosine of each\n"
    "                             layer's int8 output against the float model's, for the layer\n"
    "                             alone (local) and for the whole model up to it (accumulated)\n"
    "  --report-samples N         samples the report runs, the first N (default 16)\n"
    "  --report-data PATH...      the report's samples, in the form --calib takes (default:\n"
    "                             the calibration samples), e.g. a held-out set\n"
    "The .qfb takes and returns 4-D tensors in NHWC; an int8 model's inputs and outputs are\n"
    "int8 with the quantization recorded in the file.\n";

Status ParseInputShape(const std::string& text, ConvertOptions* options) {
  const size_t colon = text.rfind(':');
  if (colon == 0 || (colon != std::string::npos && colon + 1 == text.size()) || text.empty()) {
    return InvalidArgument("--input-shape wants [NAME:]D0,D1,..., not '" + text + "'");
  }
  std::vector<int64_t> shape;
  const std::string dims = colon == std::string::npos ? text : text.substr(colon + 1);
  for (size_t begin = 0; begin <= dims.size();) {
    size_t end = dims.find(',', begin);
    if (end == std::string::npos) end = dims.size();
    const std::string dim = dims.substr(begin, end - begin);
    char* parse_end = nullptr;
    errno = 0;
    const long long value = std::strtoll(dim.c_str(), &parse_end, 10);
    if (dim.empty() || *parse_end != '\0' || errno != 0 || value <= 0) {
      return InvalidArgument("--input-shape: '" + dim + "' in '" + text +
                             "' is not a positive dimension");
    }
    shape.push_back(value);
    begin = end + 1;
  }
  if (colon == std::string::npos) {
    options->positional_input_shapes.push_back(shape);
  } else {
    options->input_shapes[text.substr(0, colon)] = shape;
  }
  return Status::Ok();
}

// Only the process's own standard error can be a terminal; a test's stream never is.
bool IsTerminal(const std::ostream& stream) {
  return &stream == &std::cerr && isatty(STDERR_FILENO);
}

}  // namespace

Status ParseCommandLine(const std::vector<std::string>& args, ConvertOptions* options) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool has_value = i + 1 < args.size();
    if (arg == "-o" || arg == "--output") {
      if (!has_value) return InvalidArgument(arg + " needs a path");
      options->output_path = args[++i];
    } else if (arg == "--calib") {
      // Every argument up to the next option is a sample path, so that a shell glob works.
      while (i + 1 < args.size() && args[i + 1].rfind("-", 0) != 0) {
        options->calibration_paths.push_back(args[++i]);
      }
    } else if (arg == "--float") {
      options->float_model = true;
    } else if (arg == "--dynamic") {
      options->dynamic = true;
    } else if (arg == "--calibration") {
      if (!has_value)
        return InvalidArgument("--calibration needs minmax, percentile, entropy or mse");
      QRUN_RETURN_IF_ERROR(ParseRangeMethod(args[++i], &options->calibration_method));
    } else if (arg == "--percentile") {
      if (!has_value) return InvalidArgument("--percentile needs a number");
      char* end = nullptr;
      const std::string& text = args[++i];
      options->percentile = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !(options->percentile > 50.0) ||
          !(options->percentile <= 100.0)) {
        return InvalidArgument("--percentile wants a number above 50 and at most 100, not '" +
                               text + "'");
      }
    } else if (arg == "--report") {
      if (!has_value) return InvalidArgument("--report needs a path (.json or .html)");
      options->report_path = args[++i];
      if (!IsAccuracyReportPath(options->report_path)) {
        return InvalidArgument("--report writes .json or .html, not '" + options->report_path +
                               "'");
      }
    } else if (arg == "--report-data") {
      while (i + 1 < args.size() && args[i + 1].rfind("-", 0) != 0) {
        options->report_data.push_back(args[++i]);
      }
    } else if (arg == "--report-samples") {
      if (!has_value) return InvalidArgument("--report-samples needs a number");
      const std::string& text = args[++i];
      char* end = nullptr;
      errno = 0;
      const long value = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || errno != 0 || value < 1 || value > 100000) {
        return InvalidArgument("--report-samples wants a positive number, not '" + text + "'");
      }
      options->report_samples = static_cast<int>(value);
    } else if (arg == "--keep-float") {
      if (!has_value) return InvalidArgument("--keep-float needs NODE,...");
      const std::string& list = args[++i];
      for (size_t begin = 0; begin <= list.size();) {
        size_t end = list.find(',', begin);
        if (end == std::string::npos) end = list.size();
        if (end > begin) options->keep_float.push_back(list.substr(begin, end - begin));
        begin = end + 1;
      }
    } else if (arg == "--auto-float") {
      if (!has_value) return InvalidArgument("--auto-float needs sqnr=DB or cosine=C");
      AccuracyTarget target;
      QRUN_RETURN_IF_ERROR(ParseAccuracyTarget(args[++i], &target));
      options->auto_float_target = target;
    } else if (arg == "--per-tensor-weights") {
      options->per_tensor_weights = true;
    } else if (arg == "--input-shape") {
      if (!has_value) return InvalidArgument("--input-shape needs [NAME:]D0,D1,...");
      QRUN_RETURN_IF_ERROR(ParseInputShape(args[++i], options));
    } else if (arg.rfind("-", 0) == 0) {
      return InvalidArgument("unknown option '" + arg + "'");
    } else if (options->model_path.empty()) {
      options->model_path = arg;
    } else {
      return InvalidArgument("more than one model given ('" + options->model_path + "' and '" +
                             arg + "')");
    }
  }
  if (options->model_path.empty()) return InvalidArgument("no model given");
  if (options->output_path.empty()) return InvalidArgument("no output given (-o model.qfb)");
  return Status::Ok();
}

int RunQconvert(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  for (const std::string& arg : args) {
    if (arg == "-h" || arg == "--help") {
      out << kUsage;
      return 0;
    }
  }
  ConvertOptions options;
  const Status parsed = ParseCommandLine(args, &options);
  if (!parsed.ok()) {
    err << "qconvert: " << parsed.message() << "\n" << kUsage;
    return 2;
  }
  options.progress = &err;
  options.progress_on_terminal = IsTerminal(err);
  ConvertSummary summary;
  const Status converted = ConvertModel(options, &summary);
  for (const std::string& warning : summary.warnings)
    err << "qconvert: warning: " << warning << "\n";
  if (!converted.ok()) {
    // Every message is about the model; most do not say which file that is, a few already do.
    const std::string& message = converted.message();
    if (message.rfind(options.model_path + ": ", 0) != 0) err << options.model_path << ": ";
    err << message << "\n";
    return 1;
  }
  out << "wrote " << options.output_path << ": " << summary.operators << " operators, "
      << summary.file_bytes << " bytes, "
      << (options.float_model ? std::string("float32")
          : options.dynamic   ? std::string("dynamic int8 (weights int8, activations at run time)")
          : summary.prequantized
              ? std::string("int8 with the model's own quantization")
              : "int8 calibrated on " + std::to_string(summary.calibration_samples) + " samples")
      << "\n";
  out << summary.auto_float_log;
  if (!summary.float_nodes.empty()) {
    out << "kept in fp32:";
    for (const std::string& node : summary.float_nodes) out << " " << node;
    out << "\n";
  }
  if (!options.report_path.empty()) {
    out << summary.report_table << "wrote " << options.report_path << "\n";
  }
  return 0;
}

}  // namespace qrun::converter
