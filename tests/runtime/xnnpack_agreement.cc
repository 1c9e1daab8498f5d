// Runs one model with qrun's kernels and with the XNNPACK backend and checks that they agree
// within 1 LSB (issue 8), on the model's real activations:
//   1. op by op: each op XNNPACK runs is given the very input bytes qrun's run produced, and its
//      output must be within 1 LSB of qrun's, element by element; the ops that stay on qrun must
//      give the same bytes. This is the contract, since a 1-LSB difference that enters a deep
//      network is carried and may grow on the way to the output.
//   2. end to end: every element of the outputs within --max-output-difference LSB (1 by default).
// Prints, per op type, how many elements differ and by how much.
//   xnnpack_agreement model.qfb input.npy [--threads N] [--max-output-difference D]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "npy.h"
#include "qrun/qrun.hpp"

namespace {

using qrun::Status;

// Every tensor an observer saw, as float (int8 values dequantized exactly as qrun does).
struct Recording {
  std::map<int, std::vector<float>> tensors;
};

void record(void* user_data, int tensor, const qrun_tensor_info* info, const void* data) {
  auto* recording = static_cast<Recording*>(user_data);
  std::vector<float>& values = recording->tensors[tensor];
  if (info->type == QRUN_INT8) {
    const auto* bytes = static_cast<const int8_t*>(data);
    values.resize(info->byte_size);
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] = static_cast<float>(bytes[i] - info->zero_point) * info->scale;
    }
  } else if (info->type == QRUN_FLOAT32) {
    const auto* floats = static_cast<const float*>(data);
    values.assign(floats, floats + info->byte_size / sizeof(float));
  }
}

// The int8 value behind a dequantized one: exact, |q - zero_point| * scale / scale is within far
// less than half a step of the integer.
int quantized(float value, const qrun_tensor_info& info) {
  return static_cast<int>(std::nearbyint(value / info.scale)) + info.zero_point;
}

struct Difference {
  int max = 0;
  size_t elements = 0;
  size_t total = 0;
};

Difference compare(const std::vector<float>& expected, const std::vector<float>& got,
                   const qrun_tensor_info& info) {
  Difference d;
  d.total = expected.size();
  for (size_t i = 0; i < expected.size(); ++i) {
    const int delta = info.type == QRUN_INT8
                          ? std::abs(quantized(expected[i], info) - quantized(got[i], info))
                          : (expected[i] == got[i] ? 0 : 1);
    d.max = std::max(d.max, delta);
    d.elements += delta != 0 ? 1 : 0;
  }
  return d;
}

Status load(qrun::Model* model, const std::string& path, const char* backend, int threads) {
  QRUN_RETURN_IF_ERROR(model->set_threads(threads));
  QRUN_RETURN_IF_ERROR(model->set_backend(backend));
  // Unfused, so that every op's own output exists to compare.
  QRUN_RETURN_IF_ERROR(model->set_fusion(false));
  return model->load_file(path);
}

Status check(const std::string& model_path, const std::string& input_path, int threads,
             int max_output_difference, bool* agreed) {
  qrun::tools::NpyArray input;
  QRUN_RETURN_IF_ERROR(qrun::tools::read_npy(input_path, &input));
  qrun::Model reference, xnnpack;
  QRUN_RETURN_IF_ERROR(load(&reference, model_path, "qrun", threads));
  QRUN_RETURN_IF_ERROR(load(&xnnpack, model_path, "xnnpack", threads));
  Recording expected, got;
  QRUN_RETURN_IF_ERROR(reference.set_observer(record, &expected));
  QRUN_RETURN_IF_ERROR(xnnpack.set_observer(record, &got));
  for (qrun::Model* model : {&reference, &xnnpack}) {
    QRUN_RETURN_IF_ERROR(model->set_input_float(0, input.to_float()));
    QRUN_RETURN_IF_ERROR(model->run());
  }

  // End to end first: the op-by-op runs below overwrite the XNNPACK run's tensors.
  *agreed = true;
  std::printf("end to end:\n");
  for (int o = 0; o < reference.output_count(); ++o) {
    qrun_tensor_info info;
    QRUN_RETURN_IF_ERROR(reference.output_info(o, &info));
    std::vector<float> a(info.type == QRUN_INT8 ? info.byte_size : info.byte_size / 4);
    std::vector<float> b(a.size());
    QRUN_RETURN_IF_ERROR(reference.get_output_float(o, &a));
    QRUN_RETURN_IF_ERROR(xnnpack.get_output_float(o, &b));
    const Difference d = compare(a, b, info);
    std::printf("  output %d: %zu of %zu elements differ, by up to %d LSB (allowed %d)\n", o,
                d.elements, d.total, d.max, max_output_difference);
    if (d.max > max_output_difference) *agreed = false;
  }

  std::map<std::string, Difference> by_type;
  for (int op = 0; op < xnnpack.operator_count(); ++op) {
    qrun_operator_info info;
    QRUN_RETURN_IF_ERROR(xnnpack.operator_info(op, &info));
    for (int k = 0; k < info.input_count; ++k) {
      const auto recorded = expected.tensors.find(info.inputs[k]);
      if (recorded != expected.tensors.end()) {
        QRUN_RETURN_IF_ERROR(xnnpack.set_tensor_float(info.inputs[k], recorded->second));
      }
    }
    QRUN_RETURN_IF_ERROR(xnnpack.run_operator(op));
    const int output = info.outputs[0];
    qrun_tensor_info output_info;
    QRUN_RETURN_IF_ERROR(xnnpack.tensor_info(output, &output_info));
    std::vector<float> values(expected.tensors[output].size());
    QRUN_RETURN_IF_ERROR(xnnpack.get_tensor_float(output, &values));
    const Difference d = compare(expected.tensors[output], values, output_info);
    const bool on_xnnpack = std::string(info.backend) == "xnnpack";
    const int allowed = on_xnnpack ? 1 : 0;
    if (d.max > allowed) {
      std::printf("op %d %s '%s' (%s): %zu elements differ, by up to %d LSB (allowed %d)\n", op,
                  info.type, info.name, info.backend, d.elements, d.max, allowed);
      *agreed = false;
    }
    Difference& sum = by_type[std::string(info.type) + " on " + info.backend];
    sum.max = std::max(sum.max, d.max);
    sum.elements += d.elements;
    sum.total += d.total;
  }
  std::printf("op by op, each given qrun's input bytes:\n");
  for (const auto& [type, d] : by_type) {
    std::printf("  %-32s %9zu of %9zu elements differ, by up to %d LSB\n", type.c_str(), d.elements,
                d.total, d.max);
  }

  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: xnnpack_agreement model.qfb input.npy [--threads N] "
                 "[--max-output-difference D]\n");
    return 2;
  }
  int threads = 1, max_output_difference = 1;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") {
      threads = std::atoi(argv[i + 1]);
    } else if (flag == "--max-output-difference") {
      max_output_difference = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "xnnpack_agreement: unknown option '%s'\n", argv[i]);
      return 2;
    }
  }
  bool agreed = false;
  const Status status = check(argv[1], argv[2], threads, max_output_difference, &agreed);
  if (!status.ok()) {
    std::fprintf(stderr, "xnnpack_agreement: %s\n", status.message().c_str());
    return 1;
  }
  std::printf("%s: %s\n", argv[1], agreed ? "agrees" : "DISAGREES");
  return agreed ? 0 : 1;
}
