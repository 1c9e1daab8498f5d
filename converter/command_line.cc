#include "converter/command_line.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "converter/accuracy.h"
#include "converter/op_list.h"
#include "runtime/tools/image_preprocessing.h"

namespace qrun::converter {
namespace {

constexpr char kUsage[] =
    "usage: qconvert model.onnx|model.pt -o model.qfb --calib <samples or folders> [options]\n"
    "       qconvert --list-ops   (the ONNX ops qconvert takes, in int8 and fp32, and their "
    "kernels)\n"
    "  -o, --output PATH          the .qfb to write\n"
    "  --calib PATH...            calibration samples, one per file: .npy (float32 or float64)\n"
    "                             or raw .bin (float32, see --calib-shape) holding the input as\n"
    "                             the source model takes it (NCHW for an image), with or without\n"
    "                             its batch dimension of 1; or .png, .jpg, .jpeg images, which\n"
    "                             go through the image preprocessing below. A folder gives its\n"
    "                             files of these kinds in name order and ignores all others. A\n"
    "                             model quantized before (PyTorch's quantized TorchScript, ONNX\n"
    "                             QDQ or QOperator) needs none\n"
    "  --calib-shape D0,D1,...    the shape of every .bin sample (needed for .bin samples)\n"
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
    "Image preprocessing, stored in the .qfb (so that `qrun model.qfb photo.jpg` does the same)\n"
    "whenever one of these is given or a calibration sample is an image; in this order:\n"
    "  --resize N | HxW           bilinear resize: the shorter side to N (keeping the aspect\n"
    "                             ratio), or to H x W (default: no resize)\n"
    "  --crop N | HxW             center crop to N x N or H x W (default: none); the image must\n"
    "                             then be the input's height and width\n"
    "  --bgr                      the model takes BGR channels (default RGB)\n"
    "  --mean M | M0,M1,M2        subtracted from pixel / 255, per channel in the model's order\n"
    "                             (default 0)\n"
    "  --std S | S0,S1,S2         then divided by, per channel (default 1): torchvision's\n"
    "                             ToTensor + Normalize, e.g. --mean 0.485,0.456,0.406\n"
    "                             --std 0.229,0.224,0.225\n"
    "  --layout nchw|nhwc         the source model's input layout (default nchw)\n"
    "An image input with 1 channel takes the image in grey. The .qfb takes and returns 4-D\n"
    "tensors in NHWC; an int8 model's inputs and outputs are int8 with the quantization\n"
    "recorded in the file.\n";

// Parses a positive integer of at most `max`; `option` names the flag in the message.
Status ParsePositive(const std::string& option, const std::string& text, long long max,
                     long long* value) {
  char* end = nullptr;
  errno = 0;
  const long long parsed = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || parsed <= 0 || parsed > max) {
    return InvalidArgument(option + ": '" + text + "' is not a whole number from 1 to " +
                           std::to_string(max));
  }
  *value = parsed;
  return Status::Ok();
}

// N (both sides, or the shorter side for --resize) or HxW.
Status ParseImageSize(const std::string& option, const std::string& text, int* height, int* width) {
  const size_t x = text.find_first_of("xX");
  long long h = 0, w = 0;
  if (!ParsePositive(option, text.substr(0, x), tools::kMaxImageSide, &h).ok() ||
      (x != std::string::npos &&
       !ParsePositive(option, text.substr(x + 1), tools::kMaxImageSide, &w).ok())) {
    return InvalidArgument(option + " wants N or HxW, sides from 1 to " +
                           std::to_string(tools::kMaxImageSide) + ", not '" + text + "'");
  }
  *height = static_cast<int>(h);
  *width = x == std::string::npos ? 0 : static_cast<int>(w);
  return Status::Ok();
}

// One value, or three, separated by commas: finite, and positive for --std.
Status ParseChannelValues(const std::string& option, const std::string& text,
                          std::vector<float>* values) {
  values->clear();
  for (size_t begin = 0; begin <= text.size();) {
    size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    const std::string number = text.substr(begin, end - begin);
    char* parse_end = nullptr;
    const float value = std::strtof(number.c_str(), &parse_end);
    if (number.empty() || *parse_end != '\0' || !std::isfinite(value) ||
        (option == "--std" && !(value > 0))) {
      return InvalidArgument(option + ": '" + number + "' in '" + text + "' is not a " +
                             (option == "--std" ? "positive " : "") + "number");
    }
    values->push_back(value);
    begin = end + 1;
  }
  if (values->size() != 1 && values->size() != 3) {
    return InvalidArgument(option + " wants one value or three (one per channel), not '" + text +
                           "'");
  }
  return Status::Ok();
}

// The options that shape the stored image preprocessing; false if `arg` is none of them.
Status ParseImageOption(const std::string& arg, const std::vector<std::string>& args, size_t* i,
                        ImageOptions* image, bool* matched) {
  *matched = true;
  const bool has_value = *i + 1 < args.size();
  if (arg == "--bgr") {
    image->channel_order = QRUN_BGR;
  } else if (arg != "--resize" && arg != "--crop" && arg != "--mean" && arg != "--std" &&
             arg != "--layout") {
    *matched = false;
    return Status::Ok();
  } else if (!has_value) {
    return InvalidArgument(arg + " needs a value (see --help)");
  } else if (arg == "--resize") {
    int height = 0, width = 0;
    QRUN_RETURN_IF_ERROR(ParseImageSize(arg, args[++*i], &height, &width));
    image->resize_shorter_side = width == 0 ? height : 0;
    image->resize_height = width == 0 ? 0 : height;
    image->resize_width = width;
  } else if (arg == "--crop") {
    int height = 0, width = 0;
    QRUN_RETURN_IF_ERROR(ParseImageSize(arg, args[++*i], &height, &width));
    image->crop_height = height;
    image->crop_width = width == 0 ? height : width;
  } else if (arg == "--mean") {
    QRUN_RETURN_IF_ERROR(ParseChannelValues(arg, args[++*i], &image->mean));
  } else if (arg == "--std") {
    QRUN_RETURN_IF_ERROR(ParseChannelValues(arg, args[++*i], &image->std));
  } else {
    std::string layout = args[++*i];
    std::transform(layout.begin(), layout.end(), layout.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (layout != "nchw" && layout != "nhwc") {
      return InvalidArgument("--layout wants nchw or nhwc, not '" + args[*i] + "'");
    }
    image->source_layout = layout == "nchw" ? QRUN_NCHW : QRUN_NHWC;
  }
  image->given = true;
  return Status::Ok();
}

// D0,D1,... : positive dimensions whose product stays below 2^31 elements.
Status ParseShape(const std::string& option, const std::string& text, std::vector<int64_t>* shape) {
  shape->clear();
  long long elements = 1;
  for (size_t begin = 0; begin <= text.size();) {
    size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    long long dim = 0;
    QRUN_RETURN_IF_ERROR(
        ParsePositive(option, text.substr(begin, end - begin), (1LL << 31) / elements, &dim));
    elements *= dim;
    shape->push_back(dim);
    begin = end + 1;
  }
  return Status::Ok();
}

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
    } else if (arg == "--calib-shape") {
      if (!has_value) return InvalidArgument("--calib-shape needs D0,D1,...");
      QRUN_RETURN_IF_ERROR(ParseShape(arg, args[++i], &options->calibration_shape));
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
      bool image_option = false;
      QRUN_RETURN_IF_ERROR(ParseImageOption(arg, args, &i, &options->image, &image_option));
      if (!image_option) return InvalidArgument("unknown option '" + arg + "'");
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
    if (arg == "--list-ops") {
      out << ListSupportedOps();
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
  if (!summary.image_preprocessing.empty()) {
    out << "images: " << summary.image_preprocessing << "\n";
  }
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
