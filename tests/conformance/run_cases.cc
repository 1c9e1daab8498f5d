// qrun_run_cases: runs many small .qfb models in one process, for the ONNX conformance test
// (check_onnx_conformance.py), where a qrun process per case would cost more than the cases.
// Takes a manifest, one case per line, tab-separated: the .qfb, an output prefix, then one .npy
// per graph input (as float32, in the runtime's layout). Writes each output i, as float32, to
// "<prefix>_<i>.npy". A case that fails prints "<prefix>: <message>" and the run goes on; the exit
// status is 0 unless the manifest cannot be read.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "npy.h"
#include "qrun/qrun.h"

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, '\t')) fields.push_back(field);
  return fields;
}

std::string run_case(qrun_interpreter* interpreter, const std::vector<std::string>& fields) {
  if (qrun_interpreter_load_file(interpreter, fields[0].c_str()) != QRUN_OK) {
    return qrun_interpreter_last_error(interpreter);
  }
  const int inputs = qrun_interpreter_input_count(interpreter);
  if (inputs != static_cast<int>(fields.size()) - 2) {
    return "the model has " + std::to_string(inputs) + " inputs, the manifest gives " +
           std::to_string(fields.size() - 2);
  }
  for (int i = 0; i < inputs; ++i) {
    qrun::tools::NpyArray array;
    const qrun::Status read = qrun::tools::read_npy(fields[2 + i], &array);
    if (!read.ok()) return read.message();
    const std::vector<float> values = array.to_float();
    if (qrun_interpreter_set_input_float(interpreter, i, values.data(), values.size()) != QRUN_OK) {
      return qrun_interpreter_last_error(interpreter);
    }
  }
  if (qrun_interpreter_run(interpreter) != QRUN_OK) return qrun_interpreter_last_error(interpreter);
  for (int i = 0; i < qrun_interpreter_output_count(interpreter); ++i) {
    qrun_tensor_info info;
    if (qrun_interpreter_output_info(interpreter, i, &info) != QRUN_OK) {
      return qrun_interpreter_last_error(interpreter);
    }
    qrun::tools::NpyArray array;
    array.type = qrun::tools::NpyType::kFloat32;
    size_t count = 1;
    for (int d = 0; d < info.rank; ++d) {
      array.shape.push_back(info.shape[d]);
      count *= static_cast<size_t>(info.shape[d]);
    }
    array.data.resize(count * sizeof(float));
    if (qrun_interpreter_get_output_float(
            interpreter, i, reinterpret_cast<float*>(array.data.data()), count) != QRUN_OK) {
      return qrun_interpreter_last_error(interpreter);
    }
    const qrun::Status written =
        qrun::tools::write_npy(fields[1] + "_" + std::to_string(i) + ".npy", array);
    if (!written.ok()) return written.message();
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: qrun_run_cases MANIFEST\n");
    return 2;
  }
  std::ifstream manifest(argv[1]);
  if (!manifest) {
    std::fprintf(stderr, "qrun_run_cases: cannot read %s\n", argv[1]);
    return 1;
  }
  std::string line;
  while (std::getline(manifest, line)) {
    const std::vector<std::string> fields = split_tabs(line);
    if (fields.size() < 2) continue;
    qrun_interpreter* interpreter = qrun_interpreter_create();
    const std::string error = run_case(interpreter, fields);
    qrun_interpreter_destroy(interpreter);
    if (!error.empty()) std::printf("%s: %s\n", fields[1].c_str(), error.c_str());
  }
  return 0;
}
