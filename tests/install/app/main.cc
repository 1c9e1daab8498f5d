// The same app on the installed C++ wrapper (qrun.hpp); its output must match the C app's.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <qrun/qrun.hpp>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s model.qfb input.bin\n", argv[0]);
    return 2;
  }
  qrun::Model model;
  qrun_tensor_info in{};
  qrun_tensor_info out{};
  qrun::Status status = model.load_file(argv[1]);
  if (status.ok()) status = model.input_info(0, &in);
  if (status.ok()) status = model.output_info(0, &out);
  if (!status.ok()) {
    std::fprintf(stderr, "qrun_app_cxx: %s\n", status.message().c_str());
    return 1;
  }
  size_t in_count = 1;
  size_t out_count = 1;
  for (int i = 0; i < in.rank; ++i) in_count *= static_cast<size_t>(in.shape[i]);
  for (int i = 0; i < out.rank; ++i) out_count *= static_cast<size_t>(out.shape[i]);

  std::ifstream file(argv[2], std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.size() != in_count * sizeof(float)) {
    std::fprintf(stderr, "qrun_app_cxx: %s: expected %zu float32 values\n", argv[2], in_count);
    return 1;
  }
  std::vector<float> input(in_count);
  std::vector<float> output(out_count);
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(input.data()));
  status = model.set_input_float(0, input);
  if (status.ok()) status = model.run();
  if (status.ok()) status = model.get_output_float(0, &output);
  if (!status.ok()) {
    std::fprintf(stderr, "qrun_app_cxx: %s\n", status.message().c_str());
    return 1;
  }
  size_t best = 0;
  std::printf("%s:", out.name);
  for (size_t i = 0; i < out_count; ++i) {
    std::printf(" %.4f", output[i]);
    if (output[i] > output[best]) best = i;
  }
  std::printf("\nprediction: %zu\n", best);
  return 0;
}
