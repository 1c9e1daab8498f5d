#include "converter/command_line.h"

#include <cerrno>
#include <cstdlib>

namespace qrun::converter {
namespace {

constexpr char kUsage[] =
    "usage: qconvert model.onnx|model.pt -o model.qfb --calib <.npy files or folders> [options]\n"
    "  -o, --output PATH          the .qfb to write\n"
    "  --calib PATH...            calibration samples: .npy files (one sample each, the model's\n"
    "                             input in NCHW as the source model takes it) or folders of them;\n"
    "                             a model quantized before (PyTorch's quantized TorchScript,\n"
    "                             ONNX QDQ or QOperator) needs none\n"
    "  --float                    write the fp32 model instead (--calib is not needed and,\n"
    "                             if given, not used)\n"
    "  --input-shape [NAME:]D0,D1,...  the shape of graph input NAME, or without a name of the\n"
    "                             next input in order (otherwise every symbolic dimension is\n"
    "                             1); may be given once per input. TorchScript files (.pt, from\n"
    "                             torch.jit.trace or torch.jit.script) record no shapes and need\n"
    "                             one for every input\n"
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
  ConvertSummary summary;
  const Status converted = ConvertModel(options, &summary);
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
          : summary.prequantized
              ? std::string("int8 with the model's own quantization")
              : "int8 calibrated on " + std::to_string(summary.calibration_samples) + " samples")
      << "\n";
  return 0;
}

}  // namespace qrun::converter
