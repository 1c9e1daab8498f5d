// Builds small ONNX models in C++ with the protobuf API, for the converter's tests: each test
// states its model in a few lines, next to what it checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace qrun::converter::testing {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int opset = 13);

  // A float32 graph input; a dimension of -1 is symbolic ("batch").
  void input(const std::string& name, const std::vector<int64_t>& shape);
  void output(const std::string& name);
  void initializer(const std::string& name, const std::vector<int64_t>& shape,
                   const std::vector<float>& values);
  void initializer_int64(const std::string& name, const std::vector<int64_t>& shape,
                         const std::vector<int64_t>& values);
  // An int8, uint8 or int32 initializer (`type` an onnx::TensorProto_DataType), as quantized
  // models hold weights, biases and zero points.
  void initializer_int(const std::string& name, int type, const std::vector<int64_t>& shape,
                       const std::vector<int32_t>& values);
  // Imports another operator domain (ONNX Runtime's "com.microsoft").
  void import_domain(const std::string& domain, int version);
  // Adds a node; the returned proto takes attributes through the helpers below.
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "");

  static void set_int(onnx::NodeProto& node, const std::string& name, int64_t value);
  static void set_ints(onnx::NodeProto& node, const std::string& name,
                       const std::vector<int64_t>& values);
  static void set_float(onnx::NodeProto& node, const std::string& name, float value);
  static void set_string(onnx::NodeProto& node, const std::string& name, const std::string& value);

  std::string serialize() const;
  void save(const std::string& path) const;

 private:
  onnx::ModelProto model_;
};

// Deterministic pseudo-random floats in [low, high).
std::vector<float> random_floats(size_t count, float low, float high, uint32_t seed);

// Runs a .qfb held in memory through the runtime on one float32 input; returns output `output`
// as float32. Fails the calling test (and returns {}) when the runtime reports an error.
std::vector<float> run_float_model(const std::vector<uint8_t>& qfb, const std::vector<float>& input,
                                   int output = 0);

// A fresh empty directory under the test temp dir.
std::string make_temp_dir(const std::string& name);

}  // namespace qrun::converter::testing
