#include "onnx_builder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "qrun/qrun.h"

namespace qrun::converter::testing {

OnnxBuilder::OnnxBuilder(int opset) {
  model_.set_ir_version(7);
  model_.set_producer_name("qrun converter tests");
  onnx::OperatorSetIdProto* id = model_.add_opset_import();
  id->set_domain("");
  id->set_version(opset);
  model_.mutable_graph()->set_name("test");
}

void OnnxBuilder::input(const std::string& name, const std::vector<int64_t>& shape) {
  onnx::ValueInfoProto* value = model_.mutable_graph()->add_input();
  value->set_name(name);
  onnx::TypeProto_Tensor* type = value->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  for (int64_t dim : shape) {
    if (dim < 0) {
      type->mutable_shape()->add_dim()->set_dim_param("batch");
    } else {
      type->mutable_shape()->add_dim()->set_dim_value(dim);
    }
  }
}

void OnnxBuilder::output(const std::string& name) {
  onnx::ValueInfoProto* value = model_.mutable_graph()->add_output();
  value->set_name(name);
  value->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
}

void OnnxBuilder::initializer(const std::string& name, const std::vector<int64_t>& shape,
                              const std::vector<float>& values) {
  onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (int64_t dim : shape) t->add_dims(dim);
  for (float v : values) t->add_float_data(v);
}

void OnnxBuilder::initializer_int64(const std::string& name, const std::vector<int64_t>& shape,
                                    const std::vector<int64_t>& values) {
  onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto_DataType_INT64);
  for (int64_t dim : shape) t->add_dims(dim);
  for (int64_t v : values) t->add_int64_data(v);
}

void OnnxBuilder::initializer_int(const std::string& name, int type,
                                  const std::vector<int64_t>& shape,
                                  const std::vector<int32_t>& values) {
  onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t dim : shape) t->add_dims(dim);
  for (int32_t v : values) t->add_int32_data(v);
}

void OnnxBuilder::import_domain(const std::string& domain, int version) {
  onnx::OperatorSetIdProto* id = model_.add_opset_import();
  id->set_domain(domain);
  id->set_version(version);
}

onnx::NodeProto& OnnxBuilder::node(const std::string& op, const std::vector<std::string>& inputs,
                                   const std::vector<std::string>& outputs,
                                   const std::string& name) {
  onnx::NodeProto* n = model_.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const std::string& input : inputs) n->add_input(input);
  for (const std::string& output : outputs) n->add_output(output);
  return *n;
}

void OnnxBuilder::set_int(onnx::NodeProto& node, const std::string& name, int64_t value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_INT);
  a->set_i(value);
}

void OnnxBuilder::set_ints(onnx::NodeProto& node, const std::string& name,
                           const std::vector<int64_t>& values) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_INTS);
  for (int64_t v : values) a->add_ints(v);
}

void OnnxBuilder::set_float(onnx::NodeProto& node, const std::string& name, float value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_FLOAT);
  a->set_f(value);
}

void OnnxBuilder::set_string(onnx::NodeProto& node, const std::string& name,
                             const std::string& value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_STRING);
  a->set_s(value);
}

std::string OnnxBuilder::serialize() const {
  return model_.SerializeAsString();
}

void OnnxBuilder::save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary);
  out << serialize();
}

std::vector<float> random_floats(size_t count, float low, float high, uint32_t seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> distribution(low, high);
  std::vector<float> values(count);
  for (float& v : values) v = distribution(generator);
  return values;
}

std::vector<float> run_float_model(const std::vector<uint8_t>& qfb, const std::vector<float>& input,
                                   int output) {
  qrun_interpreter* interpreter = qrun_interpreter_create();
  std::vector<float> result;
  qrun_tensor_info info;
  if (qrun_interpreter_load_buffer(interpreter, qfb.data(), qfb.size()) != QRUN_OK ||
      qrun_interpreter_set_input(interpreter, 0, input.data(), input.size() * sizeof(float)) !=
          QRUN_OK ||
      qrun_interpreter_run(interpreter) != QRUN_OK ||
      qrun_interpreter_output_info(interpreter, output, &info) != QRUN_OK) {
    ADD_FAILURE() << "runtime: " << qrun_interpreter_last_error(interpreter);
  } else {
    result.resize(info.byte_size / sizeof(float));
    if (qrun_interpreter_get_output(interpreter, output, result.data(), info.byte_size) !=
        QRUN_OK) {
      ADD_FAILURE() << "runtime: " << qrun_interpreter_last_error(interpreter);
    }
  }
  qrun_interpreter_destroy(interpreter);
  return result;
}

std::string make_temp_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("qconvert_test_" + std::to_string(getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace qrun::converter::testing
