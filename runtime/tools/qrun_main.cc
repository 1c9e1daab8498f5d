// qrun: run a .qfb model on one input and print its outputs and latency, or describe the model.
//   qrun model.qfb input.(bin|npy|png|jpg) [-o out.(npy|bin)] [--raw] [--threads N] [--warmup N]
//        [--repeat N | --duration S] [--cooldown S] [--pin CPU[,CPU...]|big|little|prime]
//        [--isa NAME] [--profile] [--json | --csv]
//   qrun --info model.qfb
//   qrun model.qfb input.(bin|npy) --compare model_fp32.qfb
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "accuracy_report.h"
#include "core_pinning.h"
#include "file_io.h"
#include "image_input.h"
#include "image_preprocessing.h"
#include "latency_report.h"
#include "npy.h"
#include "qrun/qrun.hpp"

namespace {

using qrun::Status;

struct Options {
  std::string model;
  std::string input;
  std::string output;
  std::string compare;  // the float model to compare with, layer by layer
  bool info = false;
  bool raw = false;
  bool profile = false;
  bool fusion = true;
  std::string isa;
  std::string backend;
  int threads = 1;
  int warmup = 0;
  int repeat = 0;
  double duration = 0;  // seconds
  double cooldown = 0;  // seconds
  std::string pin;
  bool json = false;
  bool csv = false;
};

const char kUsage[] =
    "usage: qrun model.qfb input.(bin|npy|png|jpg) [-o out.(npy|bin)] [--raw] [--threads N]\n"
    "            [--warmup N] [--repeat N | --duration S] [--cooldown S]\n"
    "            [--pin CPU[,CPU...]|big|little|prime] [--isa NAME] [--profile] [--json | --csv]\n"
    "            [--no-fusion] [--backend qrun|xnnpack]\n"
    "       qrun --info model.qfb [--isa NAME] [--no-fusion] [--backend qrun|xnnpack]\n"
    "       qrun model.qfb input.(bin|npy) --compare model_fp32.qfb\n"
    "An input is NHWC, in the model input's type or in float32 (quantized with the input's\n"
    "parameters). A PNG or JPEG image goes through the preprocessing stored in the model\n"
    "(qconvert --resize, --crop, --mean, --std, --bgr, --layout); --info shows it.\n"
    "-o writes output 0 as float32 (dequantized), or in its own type with --raw.\n"
    "--isa limits kernels to ref, avx2, avxvnni, avx512vnni, neon, neondot, i8mm or armv7neon.\n"
    "--no-fusion runs an ADD behind a CONV_2D or FULLY_CONNECTED as its own op (same output\n"
    "bytes).\n"
    "--backend xnnpack runs every int8 op that XNNPACK has an operator for on XNNPACK, the rest "
    "on\n"
    "qrun's kernels (--info says which and why); QRUN_BACKEND sets it too. qrun by default.\n"
    "--compare runs the float model (qconvert --float) and this int8 one on the input (float32)\n"
    "and prints each layer's SQNR and cosine against the float one: of the layer alone on float\n"
    "inputs (local) and of the whole int8 model up to it (accumulated), worst first.\n"
    "--repeat N times N runs, --duration S runs for S seconds (10 runs if neither is given), each\n"
    "after --warmup N untimed runs, with --cooldown S seconds between runs. --pin big, little or\n"
    "prime picks a core from the CPU's clusters (maximum frequency, capacity, microarchitecture).\n"
    "--profile prints each operator's median time over the timed runs.\n"
    "--json prints one JSON document instead of text (layout: runtime/tools/QRUN_JSON.md);\n"
    "--csv prints one row per timed run. Warnings about the run go to stderr.\n";

Status parse_int(const std::string& flag, const char* text, int min, int* value) {
  char* end = nullptr;
  const long parsed = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || parsed < min || parsed > 1000000) {
    return qrun::InvalidArgument(flag + " needs an integer >= " + std::to_string(min) + ", got '" +
                                 text + "'");
  }
  *value = static_cast<int>(parsed);
  return Status::Ok();
}

Status parse_seconds(const std::string& flag, const char* text, double* value) {
  char* end = nullptr;
  const double parsed = std::strtod(text, &end);
  if (end == text || *end != '\0' || !std::isfinite(parsed) || parsed < 0 || parsed > 86400) {
    return qrun::InvalidArgument(flag + " needs a number of seconds, got '" + text + "'");
  }
  *value = parsed;
  return Status::Ok();
}

Status parse_args(int argc, char** argv, Options* options) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--info") {
      options->info = true;
    } else if (arg == "--raw") {
      options->raw = true;
    } else if (arg == "--profile") {
      options->profile = true;
    } else if (arg == "--json") {
      options->json = true;
    } else if (arg == "--csv") {
      options->csv = true;
    } else if (arg == "--no-fusion") {
      options->fusion = false;
    } else if ((arg == "-o" || arg == "--output") && has_value) {
      options->output = argv[++i];
    } else if (arg == "--compare" && has_value) {
      options->compare = argv[++i];
    } else if (arg == "--isa" && has_value) {
      options->isa = argv[++i];
    } else if (arg == "--backend" && has_value) {
      options->backend = argv[++i];
    } else if (arg == "--threads" && has_value) {
      QRUN_RETURN_IF_ERROR(parse_int(arg, argv[++i], 1, &options->threads));
    } else if (arg == "--warmup" && has_value) {
      QRUN_RETURN_IF_ERROR(parse_int(arg, argv[++i], 0, &options->warmup));
    } else if (arg == "--repeat" && has_value) {
      QRUN_RETURN_IF_ERROR(parse_int(arg, argv[++i], 1, &options->repeat));
    } else if (arg == "--duration" && has_value) {
      QRUN_RETURN_IF_ERROR(parse_seconds(arg, argv[++i], &options->duration));
      if (options->duration == 0) return qrun::InvalidArgument("--duration needs more than 0 s");
    } else if (arg == "--cooldown" && has_value) {
      QRUN_RETURN_IF_ERROR(parse_seconds(arg, argv[++i], &options->cooldown));
    } else if (arg == "--pin" && has_value) {
      options->pin = argv[++i];
    } else if (!arg.empty() && arg[0] == '-') {
      return qrun::InvalidArgument("unknown or incomplete option '" + arg + "'");
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != (options->info ? 1u : 2u)) {
    return qrun::InvalidArgument(options->info ? "--info takes one model file"
                                               : "needs a model file and an input file");
  }
  if (options->repeat > 0 && options->duration > 0) {
    return qrun::InvalidArgument("--repeat and --duration exclude each other");
  }
  if (options->json && options->csv)
    return qrun::InvalidArgument("--json and --csv exclude each other");
  options->model = positional[0];
  if (!options->info) options->input = positional[1];
  return Status::Ok();
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t d = 0; d < shape.size(); ++d) text += (d ? "," : "") + std::to_string(shape[d]);
  return text + "]";
}

std::vector<int64_t> shape_of_input(const qrun_tensor_info& info) {
  return std::vector<int64_t>(info.shape, info.shape + info.rank);
}

std::string shape_of(const qrun_tensor_info& info) {
  return shape_text(shape_of_input(info));
}

size_t elements_of(const qrun_tensor_info& info) {
  size_t count = 1;
  for (int d = 0; d < info.rank; ++d) count *= static_cast<size_t>(info.shape[d]);
  return count;
}

const char* type_name(qrun_type type) {
  return type == QRUN_INT8 ? "int8" : (type == QRUN_INT32 ? "int32" : "float32");
}

std::string describe(const qrun_tensor_info& info) {
  std::string text = std::string(info.name) + " " + type_name(info.type) + shape_of(info);
  if (info.quantized_channels == 1) {
    char params[64];
    std::snprintf(params, sizeof params, " scale=%.6g zp=%d", info.scale, info.zero_point);
    text += params;
  } else if (info.quantized_channels > 1) {
    text += " per-channel(" + std::to_string(info.quantized_channels) + ")";
  }
  return text;
}

Status print_info(qrun::Model& model) {
  qrun_memory_info memory{};
  QRUN_RETURN_IF_ERROR(model.memory_info(&memory));
  for (int i = 0; i < model.input_count(); ++i) {
    qrun_tensor_info info;
    QRUN_RETURN_IF_ERROR(model.input_info(i, &info));
    std::printf("input  %d: %s\n", i, describe(info).c_str());
    bool stored = false;
    qrun_image_preprocessing steps;
    QRUN_RETURN_IF_ERROR(model.input_preprocessing(i, &stored, &steps));
    if (stored) {
      std::printf("         images: %s\n", qrun::tools::describe_preprocessing(steps).c_str());
    }
  }
  for (int i = 0; i < model.output_count(); ++i) {
    qrun_tensor_info info;
    QRUN_RETURN_IF_ERROR(model.output_info(i, &info));
    std::printf("output %d: %s\n", i, describe(info).c_str());
  }
  int on_xnnpack = 0;
  for (int i = 0; i < model.operator_count(); ++i) {
    qrun_operator_info op;
    QRUN_RETURN_IF_ERROR(model.operator_info(i, &op));
    on_xnnpack += std::strcmp(op.backend, "xnnpack") == 0 ? 1 : 0;
  }
  std::printf("backend %s", model.backend().c_str());
  if (model.backend() == "xnnpack") {
    std::printf(": %d of %d ops on XNNPACK, the others on qrun's kernels", on_xnnpack,
                model.operator_count());
  }
  std::printf("\n");
  for (int i = 0; i < model.operator_count(); ++i) {
    qrun_operator_info op;
    QRUN_RETURN_IF_ERROR(model.operator_info(i, &op));
    std::printf("op %3d %-16s %-30s '%s'\n", i, op.type, op.kernel, op.name);
    if (*op.fallback_reason) std::printf("         on qrun: %s\n", op.fallback_reason);
    for (int k = 0; k < op.input_count + op.output_count; ++k) {
      const bool is_input = k < op.input_count;
      const int tensor = is_input ? op.inputs[k] : op.outputs[k - op.input_count];
      qrun_tensor_info info;
      QRUN_RETURN_IF_ERROR(model.tensor_info(tensor, &info));
      std::printf("         %s %s%s\n", is_input ? "in " : "out", describe(info).c_str(),
                  info.is_constant ? " (constant)" : "");
    }
  }
  std::printf("file %zu bytes, weights %zu bytes, packed %zu bytes, arena %zu bytes\n",
              memory.file_bytes, memory.weight_bytes, memory.packed_bytes, memory.arena_bytes);
  return Status::Ok();
}

// Decodes the image and applies the preprocessing the model stores for its input.
Status set_image_input(qrun::Model& model, const qrun_tensor_info& info, const std::string& path) {
  bool stored = false;
  qrun_image_preprocessing steps;
  QRUN_RETURN_IF_ERROR(model.input_preprocessing(0, &stored, &steps));
  if (!stored) {
    return qrun::InvalidArgument(
        path + ": the model stores no image preprocessing for input " + describe(info) +
        " (convert it with qconvert --calib on images, or with --resize, --crop, --mean, --std, "
        "--bgr or --layout), so give the input as .npy or .bin");
  }
  std::vector<float> values;
  QRUN_RETURN_IF_ERROR(qrun::tools::load_image_input(path, steps, info, &values));
  return model.set_input_float(0, values);
}

// The dimensions other than 1, in order: shapes that agree on them hold the same values in the
// same order.
std::vector<int64_t> squeezed(std::vector<int64_t> shape) {
  shape.erase(std::remove(shape.begin(), shape.end(), int64_t{1}), shape.end());
  return shape;
}

// A .npy array must have the input's shape (up to dimensions of 1, or flattened): the same count
// in another layout, NCHW given to an NHWC input above all, would run on scrambled values.
Status check_npy_shape(const std::string& path, const std::vector<int64_t>& array_shape,
                       const qrun_tensor_info& info) {
  if (array_shape.size() == 1 || squeezed(array_shape) == squeezed(shape_of_input(info))) {
    return Status::Ok();
  }
  std::string message = path + ": shape " + shape_text(array_shape) + ", model input " +
                        describe(info) + " has another layout";
  if (info.rank == 4 && array_shape.size() == 4 && array_shape[0] == info.shape[0] &&
      array_shape[1] == info.shape[3] && array_shape[2] == info.shape[1] &&
      array_shape[3] == info.shape[2]) {
    message += " (the array looks NCHW, the input is NHWC: numpy's x.transpose(0, 2, 3, 1))";
  }
  return qrun::InvalidArgument(message);
}

// Reads the input as the model's own type, or as float32 to be quantized, or as an image.
Status set_input(qrun::Model& model, const std::string& path) {
  qrun_tensor_info info;
  QRUN_RETURN_IF_ERROR(model.input_info(0, &info));
  if (qrun::tools::is_image_path(path)) return set_image_input(model, info, path);
  const size_t count = elements_of(info);
  const size_t own_size = info.byte_size;
  std::vector<uint8_t> bytes;
  bool is_float = false;
  const bool npy = path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  if (npy) {
    qrun::tools::NpyArray array;
    QRUN_RETURN_IF_ERROR(qrun::tools::read_npy(path, &array));
    if (array.element_count() != count) {
      return qrun::InvalidArgument(path + ": holds " + std::to_string(array.element_count()) +
                                   " values, model input " + describe(info) + " takes " +
                                   std::to_string(count));
    }
    QRUN_RETURN_IF_ERROR(check_npy_shape(path, array.shape, info));
    if (array.type == qrun::tools::NpyType::kInt8 && info.type == QRUN_INT8) {
      bytes = std::move(array.data);
    } else if (array.type == qrun::tools::NpyType::kFloat32 ||
               array.type == qrun::tools::NpyType::kFloat64) {
      const std::vector<float> values = array.to_float();
      bytes.resize(values.size() * sizeof(float));
      std::memcpy(bytes.data(), values.data(), bytes.size());
      is_float = true;
    } else {
      return qrun::InvalidArgument(path + ": element type does not fit model input " +
                                   describe(info) + " (give float32 or the input's own type)");
    }
  } else {
    std::string content;
    QRUN_RETURN_IF_ERROR(qrun::tools::read_file(path, &content));
    bytes.assign(content.begin(), content.end());
    is_float = info.type == QRUN_FLOAT32 || bytes.size() == count * sizeof(float);
    if (bytes.size() != own_size && bytes.size() != count * sizeof(float)) {
      std::string expected = std::to_string(own_size) + " bytes";
      if (info.type != QRUN_FLOAT32) {
        expected += " (or " + std::to_string(count * sizeof(float)) + " bytes of float32)";
      }
      return qrun::InvalidArgument(path + ": " + std::to_string(bytes.size()) +
                                   " bytes, model input " + describe(info) + " takes " + expected);
    }
  }
  if (!is_float) return model.set_input(0, bytes.data(), bytes.size());
  std::vector<float> values(count);
  std::memcpy(values.data(), bytes.data(), count * sizeof(float));
  return model.set_input_float(0, values);
}

Status write_output(qrun::Model& model, const Options& options) {
  qrun_tensor_info info;
  QRUN_RETURN_IF_ERROR(model.output_info(0, &info));
  qrun::tools::NpyArray array;
  for (int d = 0; d < info.rank; ++d) array.shape.push_back(info.shape[d]);
  if (options.raw) {
    array.type = info.type == QRUN_INT8    ? qrun::tools::NpyType::kInt8
                 : info.type == QRUN_INT32 ? qrun::tools::NpyType::kInt32
                                           : qrun::tools::NpyType::kFloat32;
    array.data.resize(info.byte_size);
    QRUN_RETURN_IF_ERROR(model.get_output(0, array.data.data(), array.data.size()));
  } else {
    std::vector<float> values(elements_of(info));
    QRUN_RETURN_IF_ERROR(model.get_output_float(0, &values));
    array.data.resize(values.size() * sizeof(float));
    std::memcpy(array.data.data(), values.data(), array.data.size());
  }
  const std::string& path = options.output;
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0) {
    return qrun::tools::write_npy(path, array);
  }
  return qrun::tools::write_file_atomically(path, array.data.data(), array.data.size());
}

Status print_outputs(qrun::Model& model) {
  for (int i = 0; i < model.output_count(); ++i) {
    qrun_tensor_info info;
    QRUN_RETURN_IF_ERROR(model.output_info(i, &info));
    std::printf("output %d: %s\n", i, describe(info).c_str());
    const size_t count = elements_of(info);
    // A score vector: every dimension but the last is 1.
    if (count != static_cast<size_t>(info.shape[info.rank - 1]) || count < 2) continue;
    std::vector<float> scores(count);
    QRUN_RETURN_IF_ERROR(model.get_output_float(i, &scores));
    std::vector<size_t> order(count);
    for (size_t k = 0; k < count; ++k) order[k] = k;
    const size_t top = std::min<size_t>(5, count);
    std::partial_sort(order.begin(), order.begin() + top, order.end(),
                      [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    std::printf("top-%zu:", top);
    for (size_t k = 0; k < top; ++k) std::printf(" %zu (%.4g)", order[k], scores[order[k]]);
    std::printf("\nprediction: %zu\n", order[0]);
  }
  return Status::Ok();
}

// Times the model as asked and prints the report: text, JSON or CSV on stdout, warnings on stderr.
Status measure(qrun::Model& model, const Options& options, qrun::tools::LatencyReport* report) {
  report->model_path = options.model;
  report->build = qrun::tools::build_info();
  report->threads = options.threads;
  qrun::tools::MeasureOptions& measure = report->options;
  measure.warmup = options.warmup;
  measure.repeat = options.repeat > 0 ? options.repeat : 10;
  measure.duration_s = options.duration;
  measure.cooldown_s = options.cooldown;
  measure.profile = options.profile;
  // Not pinned, the conditions are those of the CPU the timed runs start on.
  measure.cpu = report->cpu.id >= 0 ? report->cpu.id : sched_getcpu();
  QRUN_RETURN_IF_ERROR(qrun::tools::measure_latency(model, measure, &report->measurement));
  QRUN_RETURN_IF_ERROR(qrun::tools::complete_latency_report(model, report));
  for (const std::string& warning : report->warnings) {
    std::fprintf(stderr, "qrun: warning: %s\n", warning.c_str());
  }
  const std::string text = options.json  ? qrun::tools::latency_json(*report)
                           : options.csv ? qrun::tools::latency_csv(*report)
                                         : qrun::tools::latency_text(*report);
  std::fputs(text.c_str(), stdout);
  return Status::Ok();
}

// The float values of the input as the float model takes them.
Status float_input(qrun::Model& model, std::vector<float>* values) {
  qrun_tensor_info input;
  QRUN_RETURN_IF_ERROR(model.input_info(0, &input));
  for (int t = 0; t < model.tensor_count(); ++t) {
    qrun_tensor_info info;
    QRUN_RETURN_IF_ERROR(model.tensor_info(t, &info));
    if (std::strcmp(info.name, input.name) != 0) continue;
    values->resize(elements_of(info));
    return model.get_tensor_float(t, values);
  }
  return Status(qrun::StatusCode::kInternal, "the input tensor is not among the tensors");
}

Status compare(const Options& options) {
  qrun::Model reference;
  QRUN_RETURN_IF_ERROR(reference.load_file(options.compare));
  QRUN_RETURN_IF_ERROR(set_input(reference, options.input));
  std::vector<float> input;
  QRUN_RETURN_IF_ERROR(float_input(reference, &input));
  std::string float_bytes, int8_bytes;
  QRUN_RETURN_IF_ERROR(qrun::tools::read_file(options.compare, &float_bytes));
  QRUN_RETURN_IF_ERROR(qrun::tools::read_file(options.model, &int8_bytes));
  qrun::tools::AccuracyReport report;
  report.float_model = options.compare;
  report.int8_model = options.model;
  QRUN_RETURN_IF_ERROR(qrun::tools::CompareModels(float_bytes.data(), float_bytes.size(),
                                                  int8_bytes.data(), int8_bytes.size(), {input},
                                                  &report));
  std::string table;
  qrun::tools::WriteAccuracyTable(report, 0, &table);
  std::fputs(table.c_str(), stdout);
  return Status::Ok();
}

Status run(const Options& options) {
  if (!options.compare.empty()) return compare(options);
  // Pinned first, so that the weights are packed and the threads started where the model runs.
  qrun::tools::PinChoice pin;
  QRUN_RETURN_IF_ERROR(qrun::tools::pin_as_asked(options.pin, options.threads, &pin));
  qrun::Model model;
  QRUN_RETURN_IF_ERROR(model.set_threads(options.threads));
  if (!options.isa.empty()) QRUN_RETURN_IF_ERROR(model.set_isa(options.isa));
  if (!options.backend.empty()) QRUN_RETURN_IF_ERROR(model.set_backend(options.backend));
  QRUN_RETURN_IF_ERROR(model.set_fusion(options.fusion));
  const auto load_start = std::chrono::steady_clock::now();
  QRUN_RETURN_IF_ERROR(model.load_file(options.model));
  qrun::tools::LatencyReport report;
  report.load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - load_start)
          .count();
  if (options.info) return print_info(model);
  report.cpu = qrun::tools::describe_cpu_in_use(pin, model.isa());
  const bool text = !options.json && !options.csv;
  if (text) std::printf("%s\n", qrun::tools::cpu_headline(report.cpu).c_str());
  if (text && !pin.reason.empty()) std::printf("%s\n", pin.reason.c_str());
  if (options.profile) QRUN_RETURN_IF_ERROR(model.set_profiling(true));
  QRUN_RETURN_IF_ERROR(set_input(model, options.input));
  QRUN_RETURN_IF_ERROR(model.run());
  if (text) QRUN_RETURN_IF_ERROR(print_outputs(model));
  if (!options.output.empty()) QRUN_RETURN_IF_ERROR(write_output(model, options));
  const bool timed = options.repeat > 0 || options.duration > 0 || options.profile || !text;
  return timed ? measure(model, options, &report) : Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  Status status = parse_args(argc, argv, &options);
  if (!status.ok()) {
    std::fprintf(stderr, "qrun: %s\n%s", status.message().c_str(), kUsage);
    return 2;
  }
  status = run(options);
  if (!status.ok()) {
    std::fprintf(stderr, "qrun: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}
