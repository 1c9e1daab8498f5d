#include "converter/command_line.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "runtime/tools/image_preprocessing.h"

namespace qrun::converter {
namespace {

constexpr char kUsage[] =
    "usage: qconvert model.onnx|model.pt -o model.qfb --calib <samples or folders> [options]\n"
    "  -o, --output PATH          the .qfb to write\n"
    "  --calib PATH...            calibration samples, one per file: .npy (float32 or float64)\n"
    "                             or raw .bin (float32, see --calib-shape) holding the input as\n"
    "                             the source model takes it (NCHW for an image), with or without\n"
    "                             its batch dimension of 1; or .png, .jpg, .jpeg images, which\n"
    "                             go through the image preprocessing below. A folder gives its\n"
    "                             files of these kinds in name order and ignores all others. A\n"
    "                             TorchScript model already quantized in PyTorch needs none\n"
    "  --calib-shape D0,D1,...    the shape of every .bin sample (needed for .bin samples)\n"
    "  --float                    write the fp32 model instead (--calib is not needed and,\n"
    "                             if given, not used)\n"
    "  --input-shape [NAME:]D0,D1,...  the shape of graph input NAME, or without a name of the\n"
    "                             next input in order (otherwise every symbolic dimension is\n"
    "                             1); may be given once per input. TorchScript files (.pt, from\n"
    "                             torch.jit.trace or torch.jit.script) record no shapes and need\n"
    "                             one for every input\n"
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
  if (!summary.image_preprocessing.empty()) {
    out << "images: " << summary.image_preprocessing << "\n";
  }
  return 0;
}

}  // namespace qrun::converter
