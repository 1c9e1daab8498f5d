// qconvert end to end, through the same entry point as the CLI: an int8 model calibrated through
// the runtime, checked field by field against the numbers the schema defines and run against
// the float model; and the failures: each with its message and no file left behind.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "converter/command_line.h"
#include "converter/onnx_importer.h"
#include "converter/onnx_quantized_import.h"
#include "converter/sha256.h"
#include "onnx_builder.h"
#include "qfb_generated.h"
#include "qrun/qrun.h"
#include "runtime/tools/npy.h"

namespace qrun::converter {
namespace {

namespace fs = std::filesystem;
using testing::OnnxBuilder;

struct CliResult {
  int exit_code;
  std::string out, err;
};

CliResult Qconvert(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunQconvert(args, out, err);
  return {code, out.str(), err.str()};
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void WriteSample(const std::string& path, const std::vector<int64_t>& shape,
                 const std::vector<float>& values, bool as_float64 = false) {
  tools::NpyArray array;
  array.shape = shape;
  if (as_float64) {
    array.type = tools::NpyType::kFloat64;
    const std::vector<double> wide(values.begin(), values.end());
    array.data.resize(wide.size() * sizeof(double));
    std::memcpy(array.data.data(), wide.data(), array.data.size());
  } else {
    array.data.resize(values.size() * sizeof(float));
    std::memcpy(array.data.data(), values.data(), array.data.size());
  }
  const Status status = tools::write_npy(path, array);
  ASSERT_TRUE(status.ok()) << status.message();
}

// Conv(3->4, 3x3, pad 1) + Relu -> GlobalAveragePool -> Flatten -> Gemm(4->5) -> Softmax.
const std::vector<float> kConvBias = {0.05f, -0.1f, 0.2f, 0.0f};

OnnxBuilder ClassifierModel() {
  OnnxBuilder b;
  b.input("x", {1, 3, 6, 6});
  b.initializer("conv_w", {4, 3, 3, 3}, testing::random_floats(108, -0.5f, 0.5f, 21));
  b.initializer("conv_b", {4}, kConvBias);
  b.initializer("fc_w", {5, 4}, testing::random_floats(20, -2, 2, 22));
  b.initializer("fc_b", {5}, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f});
  OnnxBuilder::set_ints(b.node("Conv", {"x", "conv_w", "conv_b"}, {"conv"}, "conv"), "pads",
                        {1, 1, 1, 1});
  b.node("Relu", {"conv"}, {"relu"}, "relu");
  b.node("GlobalAveragePool", {"relu"}, {"pooled"}, "gap");
  b.node("Flatten", {"pooled"}, {"flat"}, "flatten");
  OnnxBuilder::set_int(b.node("Gemm", {"flat", "fc_w", "fc_b"}, {"logits"}, "fc"), "transB", 1);
  b.node("Softmax", {"logits"}, {"y"}, "softmax");
  b.output("y");
  return b;
}

class Int8Conversion : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("int8");
    model_path_ = dir_ + "/model.onnx";
    ClassifierModel().save(model_path_);
    fs::create_directories(dir_ + "/calib");
    for (uint32_t i = 0; i < 3; ++i) {
      WriteSample(dir_ + "/calib/" + std::to_string(i) + ".npy", {1, 3, 6, 6},
                  testing::random_floats(108, 0, 1, 100 + i));
    }
    // A sample without the batch dimension, in float64, named on the command line.
    sample_ = testing::random_floats(108, 0, 1, 99);
    WriteSample(dir_ + "/extra.npy", {3, 6, 6}, sample_, /*as_float64=*/true);
    const CliResult result = Qconvert(
        {model_path_, "-o", dir_ + "/model.qfb", "--calib", dir_ + "/calib", dir_ + "/extra.npy"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    file_ = ReadBytes(dir_ + "/model.qfb");
    ASSERT_TRUE(fb::ModelBufferHasIdentifier(file_.data()));
    flatbuffers::Verifier verifier(file_.data(), file_.size());
    ASSERT_TRUE(fb::VerifyModelBuffer(verifier));
    model_ = fb::GetModel(file_.data());
  }

  void TearDown() override { fs::remove_all(dir_); }

  const fb::Tensor* TensorAt(int index) const { return model_->tensors()->Get(index); }
  const fb::Operator* OperatorAt(int index) const { return model_->operators()->Get(index); }
  float Scale(int tensor) const { return TensorAt(tensor)->quantization()->scale()->Get(0); }
  int ZeroPoint(int tensor) const { return TensorAt(tensor)->quantization()->zero_point()->Get(0); }
  template <typename T>
  const T* Data(int tensor) const {
    const fb::BufferRef* ref = model_->buffers()->Get(TensorAt(tensor)->buffer());
    return reinterpret_cast<const T*>(file_.data() + ref->offset());
  }

  std::string dir_, model_path_;
  std::vector<float> sample_;
  std::vector<uint8_t> file_;
  const fb::Model* model_ = nullptr;
};

TEST_F(Int8Conversion, WritesTheFileLayoutAndMetadata) {
  EXPECT_EQ(model_->format_version(), 1u);
  const fb::Metadata* meta = model_->metadata();
  EXPECT_EQ(meta->producer()->str(), "qconvert");
  EXPECT_FALSE(meta->producer_version()->str().empty());
  EXPECT_EQ(meta->source_file()->str(), "model.onnx");
  const std::vector<uint8_t> source = ReadBytes(model_path_);
  EXPECT_EQ(meta->source_sha256()->str(), Sha256Hex(source.data(), source.size()));
  EXPECT_EQ(meta->calibration_method()->str(), "minmax");
  EXPECT_EQ(meta->calibration_samples(), 4);
  for (const fb::BufferRef* ref : *model_->buffers()) {
    EXPECT_EQ(ref->offset() % 64, 0u);
    EXPECT_LE(ref->offset() + ref->size(), file_.size());
  }
  const fb::Tensor* input = TensorAt(model_->inputs()->Get(0));
  EXPECT_EQ(input->name()->str(), "x");
  EXPECT_EQ(input->type(), fb::TensorType::INT8);
  EXPECT_EQ(std::vector<int>(input->shape()->begin(), input->shape()->end()),
            (std::vector<int>{1, 6, 6, 3}));
  const int output = model_->outputs()->Get(0);
  EXPECT_EQ(TensorAt(output)->name()->str(), "y");
  EXPECT_EQ(Scale(output), 1.0f / 256.0f);
  EXPECT_EQ(ZeroPoint(output), -128);
  std::vector<fb::OperatorType> ops;
  for (const fb::Operator* op : *model_->operators()) ops.push_back(op->type());
  EXPECT_EQ(ops, (std::vector<fb::OperatorType>{
                     fb::OperatorType::CONV_2D, fb::OperatorType::MEAN, fb::OperatorType::RESHAPE,
                     fb::OperatorType::FULLY_CONNECTED, fb::OperatorType::SOFTMAX}));
}

TEST_F(Int8Conversion, ConvNumbersFollowTheSchema) {
  const fb::Operator* conv = OperatorAt(0);
  const int in = conv->inputs()->Get(0), weights = conv->inputs()->Get(1);
  const int bias = conv->inputs()->Get(2), out = conv->outputs()->Get(0);
  const auto* weight_scales = TensorAt(weights)->quantization()->scale();
  ASSERT_EQ(weight_scales->size(), 4u);
  EXPECT_EQ(TensorAt(weights)->quantization()->channel_axis(), 0);
  EXPECT_EQ(TensorAt(bias)->type(), fb::TensorType::INT32);
  const int8_t* q = Data<int8_t>(weights);
  const int32_t* b = Data<int32_t>(bias);
  for (int c = 0; c < 4; ++c) {
    const float s_w = weight_scales->Get(c);
    int max_abs = 0;
    for (int i = 0; i < 27; ++i) max_abs = std::max(max_abs, std::abs(int(q[c * 27 + i])));
    EXPECT_EQ(max_abs, 127) << "channel " << c;  // the largest weight maps to +-127
    EXPECT_EQ(b[c], int32_t(std::nearbyint(kConvBias[c] / (double(Scale(in)) * s_w))));
    EXPECT_EQ(conv->requantization()->multiplier()->Get(c),
              float(double(Scale(in)) * s_w / Scale(out)));
  }
  // The fused ReLU: nothing below the real 0.
  EXPECT_EQ(conv->requantization()->output_min(), std::max(-128, ZeroPoint(out)));
  EXPECT_EQ(conv->requantization()->output_max(), 127);
  const fb::Operator* mean = OperatorAt(1);
  EXPECT_EQ(mean->requantization()->multiplier()->Get(0),
            float(double(Scale(mean->inputs()->Get(0))) / Scale(mean->outputs()->Get(0))));
}

TEST_F(Int8Conversion, SoftmaxTakesTheExpTableOfItsInputScale) {
  const fb::Operator* softmax = OperatorAt(4);
  ASSERT_EQ(softmax->inputs()->size(), 2u);
  const int table = softmax->inputs()->Get(1);
  EXPECT_EQ(TensorAt(table)->type(), fb::TensorType::INT32);
  const double s_in = Scale(softmax->inputs()->Get(0));
  const int32_t* values = Data<int32_t>(table);
  for (int d = 0; d < 256; ++d) {
    ASSERT_EQ(values[d], int32_t(std::round(8388608.0 * std::exp(-s_in * d)))) << "d = " << d;
  }
}

TEST_F(Int8Conversion, Int8OutputFollowsTheFloatModel) {
  const std::string float_path = dir_ + "/float.qfb";
  const CliResult result = Qconvert({model_path_, "-o", float_path, "--float"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<float> nhwc(108);
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 36; ++i) nhwc[i * 3 + c] = sample_[c * 36 + i];
  const std::vector<float> expected = testing::run_float_model(ReadBytes(float_path), nhwc);
  ASSERT_EQ(expected.size(), 5u);

  const int input = model_->inputs()->Get(0), output = model_->outputs()->Get(0);
  std::vector<int8_t> quantized(108);
  for (size_t i = 0; i < nhwc.size(); ++i) {
    const float q = std::nearbyint(nhwc[i] / Scale(input)) + ZeroPoint(input);
    quantized[i] = int8_t(std::min(127.0f, std::max(-128.0f, q)));
  }
  qrun_interpreter* interpreter = qrun_interpreter_create();
  std::vector<int8_t> y(5);
  ASSERT_EQ(qrun_interpreter_load_buffer(interpreter, file_.data(), file_.size()), QRUN_OK)
      << qrun_interpreter_last_error(interpreter);
  ASSERT_EQ(qrun_interpreter_set_input(interpreter, 0, quantized.data(), quantized.size()),
            QRUN_OK);
  ASSERT_EQ(qrun_interpreter_run(interpreter), QRUN_OK) << qrun_interpreter_last_error(interpreter);
  ASSERT_EQ(qrun_interpreter_get_output(interpreter, 0, y.data(), y.size()), QRUN_OK);
  qrun_interpreter_destroy(interpreter);
  for (int i = 0; i < 5; ++i) {
    const float probability = (y[i] - ZeroPoint(output)) * Scale(output);
    EXPECT_NEAR(probability, expected[i], 0.03) << "class " << i;
  }
}

class Failures : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string dir_;
};

TEST_F(Failures, UnsupportedOpNamesNodeOpAndOpsetAndWritesNothing) {
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.node("Erf", {"x"}, {"y"}, "Foo_3");
  b.output("y");
  const std::string model = dir_ + "/model.onnx";
  b.save(model);
  const CliResult result = Qconvert({model, "-o", dir_ + "/model.qfb", "--float"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, model + ": node 'Foo_3' (op Erf, opset 13) is not supported\n");
  EXPECT_EQ(Files(), std::vector<std::string>{"model.onnx"});
}

TEST_F(Failures, UnnamedNodeIsNamedByItsOpAndIndex) {
  OnnxBuilder b(11);
  b.input("x", {1, 4});
  b.node("Relu", {"x"}, {"r"});
  b.node("Cos", {"r"}, {"y"});
  b.output("y");
  const std::string model = dir_ + "/model.onnx";
  b.save(model);
  const CliResult result = Qconvert({model, "-o", dir_ + "/model.qfb", "--float"});
  EXPECT_EQ(result.err, model + ": node 'Cos_1' (op Cos, opset 11) is not supported\n");
}

TEST_F(Failures, MissingModelFileIsNamed) {
  const std::string model = dir_ + "/absent.onnx";
  const CliResult result = Qconvert({model, "-o", dir_ + "/model.qfb", "--float"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, model + ": cannot open file (No such file or directory)\n");
  EXPECT_TRUE(Files().empty());
}

TEST_F(Failures, NotAnOnnxFile) {
  const std::string model = dir_ + "/model.onnx";
  std::ofstream(model) << "this is not a protobuf \xff\xff\xff";
  const CliResult result = Qconvert({model, "-o", dir_ + "/model.qfb", "--float"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, model + ": not an ONNX model (the protobuf does not parse)\n");
}

TEST_F(Failures, CalibrationSampleOfTheWrongShapeIsNamedAndTheOldOutputSurvives) {
  const std::string model = dir_ + "/model.onnx";
  ClassifierModel().save(model);
  const std::string sample = dir_ + "/bad.npy";
  WriteSample(sample, {1, 3, 6, 5}, std::vector<float>(90, 0.5f));
  const std::string output = dir_ + "/model.qfb";
  std::ofstream(output) << "previous";
  const CliResult result = Qconvert({model, "-o", output, "--calib", sample});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, model + ": calibration sample '" + sample +
                            "' has shape [1,3,6,5], but input 'x' takes [1,3,6,6] (NCHW, as in "
                            "the ONNX model), with or without its batch dimension of 1\n");
  EXPECT_EQ(ReadBytes(output), (std::vector<uint8_t>{'p', 'r', 'e', 'v', 'i', 'o', 'u', 's'}));
  EXPECT_EQ(Files(), (std::vector<std::string>{"bad.npy", "model.onnx", "model.qfb"}));
}

TEST_F(Failures, CalibrationFolderWithoutSamples) {
  const std::string model = dir_ + "/model.onnx";
  ClassifierModel().save(model);
  fs::create_directories(dir_ + "/empty");
  const CliResult result = Qconvert({model, "-o", dir_ + "/model.qfb", "--calib", dir_ + "/empty"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, model + ": calibration folder '" + dir_ +
                            "/empty' holds no .npy, .bin, .png, .jpg or .jpeg file\n");
}

TEST_F(Failures, AFloatModelWithoutCalibrationSamples) {
  const std::string model = dir_ + "/model.onnx";
  ClassifierModel().save(model);
  const CliResult result = Qconvert({model, "-o", dir_ + "/model.qfb"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, model +
                            ": an int8 model needs calibration samples (--calib), or give --float "
                            "(only a model quantized before, in PyTorch or ONNX, needs none)\n");
  EXPECT_EQ(Files(), std::vector<std::string>{"model.onnx"});
}

TEST_F(Failures, OutputInAMissingFolder) {
  const std::string model = dir_ + "/model.onnx";
  ClassifierModel().save(model);
  const CliResult result = Qconvert({model, "-o", dir_ + "/no/such/dir/model.qfb", "--float"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("No such file or directory"), std::string::npos) << result.err;
  EXPECT_EQ(Files(), std::vector<std::string>{"model.onnx"});
}

TEST(CommandLine, BadUsageExitsWithTwo) {
  EXPECT_EQ(Qconvert({}).exit_code, 2);
  EXPECT_EQ(Qconvert({"m.onnx", "-o", "m.qfb", "--float", "--bogus"}).exit_code, 2);
  const CliResult shape = Qconvert({"m.onnx", "-o", "m.qfb", "--float", "--input-shape", "x:1,0"});
  EXPECT_EQ(shape.exit_code, 2);
  EXPECT_EQ(shape.err.substr(0, shape.err.find('\n')),
            "qconvert: --input-shape: '0' in 'x:1,0' is not a positive dimension");
}

// Every op the importer takes is listed, with its qfb operators: none is "unknown", so the table
// of lowerings in op_list.cc keeps up with the importer.
TEST(CommandLine, ListOpsNamesEveryOpTheImporterTakes) {
  const CliResult result = Qconvert({"--list-ops"});
  EXPECT_EQ(result.exit_code, 0);
  std::map<std::string, std::string> rows;
  std::istringstream lines(result.out);
  std::string line;
  while (std::getline(lines, line)) rows[line.substr(0, line.find(' '))] = line;
  std::vector<std::string> ops(OnnxComputeOps().begin(), OnnxComputeOps().end());
  for (const std::string& op : SupportedQuantizedOnnxOps()) ops.push_back(op);
  for (const std::string& op : ops) {
    ASSERT_TRUE(rows.count(op)) << op;
    EXPECT_EQ(rows[op].find("unknown"), std::string::npos) << rows[op];
  }
  EXPECT_NE(rows["PRelu"].find("PRELU"), std::string::npos) << rows["PRelu"];
  EXPECT_NE(rows["ReduceSum"].find("REDUCE"), std::string::npos) << rows["ReduceSum"];
  EXPECT_NE(rows["Shape"].find("only on constants"), std::string::npos) << rows["Shape"];
#if QRUN_X86_KERNELS
  // The registry has AVX-512 VNNI convolutions on x86.
  EXPECT_NE(rows["Conv"].find("avx512vnni"), std::string::npos) << rows["Conv"];
#endif
}

TEST(CommandLine, ParsesEveryOption) {
  ConvertOptions options;
  const Status status =
      ParseCommandLine({"--calib", "a.npy", "dir", "-o", "out.qfb", "m.onnx", "--input-shape",
                        "in:put:2,3,4", "--input-shape", "1,3,8,8", "--input-shape", "5"},
                       &options);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(options.model_path, "m.onnx");
  EXPECT_EQ(options.output_path, "out.qfb");
  EXPECT_EQ(options.calibration_paths, (std::vector<std::string>{"a.npy", "dir"}));
  EXPECT_FALSE(options.float_model);
  EXPECT_EQ(options.input_shapes.at("in:put"), (std::vector<int64_t>{2, 3, 4}));
  // Unnamed shapes are for the inputs in order.
  EXPECT_EQ(options.positional_input_shapes,
            (std::vector<std::vector<int64_t>>{{1, 3, 8, 8}, {5}}));
}

TEST(CommandLine, ParsesTheCalibrationAndReportOptions) {
  ConvertOptions options;
  const Status status =
      ParseCommandLine({"m.onnx", "-o", "out.qfb", "--calib", "c", "--calibration", "percentile",
                        "--percentile", "99.9", "--per-tensor-weights", "--report", "r.html",
                        "--report-samples", "5", "--report-data", "held_out", "more.npy"},
                       &options);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(options.calibration_method, RangeMethod::kPercentile);
  EXPECT_EQ(options.percentile, 99.9);
  EXPECT_TRUE(options.per_tensor_weights);
  EXPECT_EQ(options.report_path, "r.html");
  EXPECT_EQ(options.report_samples, 5);
  EXPECT_EQ(options.report_data, (std::vector<std::string>{"held_out", "more.npy"}));
}

TEST(CommandLine, RefusesBadCalibrationAndReportOptions) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--calibration", "kl"}, "unknown calibration method 'kl'"},
      {{"--percentile", "40"}, "--percentile wants a number above 50 and at most 100, not '40'"},
      {{"--percentile", "99x"}, "--percentile wants a number above 50"},
      {{"--report", "r.txt"}, "--report writes .json or .html, not 'r.txt'"},
      {{"--report-samples", "0"}, "--report-samples wants a positive number, not '0'"},
      {{"--auto-float", "30"}, "--auto-float wants sqnr=DB or cosine=C"},
      {{"--auto-float", "cosine=2"}, "--auto-float wants sqnr=DB or cosine=C"},
  };
  for (const auto& [extra, message] : cases) {
    std::vector<std::string> args = {"m.onnx", "-o", "m.qfb", "--calib", "c"};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliResult result = Qconvert(args);
    EXPECT_EQ(result.exit_code, 2) << extra[0];
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
  }
}

// Every calibration method twice over the same samples: the same bytes (histograms hold integer
// counts and every choice is made in a fixed order); and a report that names every layer.
TEST_F(Int8Conversion, EachCalibrationMethodGivesTheSameBytesTwice) {
  for (const char* method : {"minmax", "percentile", "entropy", "mse"}) {
    std::vector<std::vector<uint8_t>> files;
    for (int run = 0; run < 2; ++run) {
      const std::string out = dir_ + "/" + method + std::to_string(run) + ".qfb";
      const CliResult result =
          Qconvert({model_path_, "-o", out, "--calib", dir_ + "/calib", "--calibration", method});
      ASSERT_EQ(result.exit_code, 0) << result.err;
      files.push_back(ReadBytes(out));
    }
    EXPECT_EQ(files[0], files[1]) << method;
    const fb::Model* model = fb::GetModel(files[0].data());
    EXPECT_EQ(model->metadata()->calibration_method()->str(),
              std::string(method) + (std::string(method) == "percentile" ? " 99.99" : ""));
  }
}

TEST_F(Int8Conversion, ReportNamesEveryLayerWorstFirst) {
  const std::string report = dir_ + "/report.json";
  const CliResult result = Qconvert(
      {model_path_, "-o", dir_ + "/r.qfb", "--calib", dir_ + "/calib", "--report", report});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream in(report);
  const std::string json((std::istreambuf_iterator<char>(in)), {});
  for (const char* layer : {"\"conv\"", "\"fc\"", "\"softmax\"", "\"gap\"", "\"y\""}) {
    EXPECT_NE(json.find(layer), std::string::npos) << layer << " in " << json;
  }
  EXPECT_NE(json.find("\"worst_layer\": "), std::string::npos);
  EXPECT_NE(result.out.find("worst local SQNR first"), std::string::npos) << result.out;
  // The HTML form: one page with its chart.
  const CliResult html = Qconvert({model_path_, "-o", dir_ + "/r.qfb", "--calib", dir_ + "/calib",
                                   "--report", dir_ + "/report.html"});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  std::ifstream page(dir_ + "/report.html");
  const std::string text((std::istreambuf_iterator<char>(page)), {});
  EXPECT_EQ(text.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("</html>"), std::string::npos);
}

// The FC kept in fp32: a DEQUANTIZE before it and a QUANTIZE after it, its weights still float,
// and the model runs.
TEST_F(Int8Conversion, KeepFloatPutsConversionsAroundTheNode) {
  const std::string out = dir_ + "/mixed.qfb";
  const CliResult result =
      Qconvert({model_path_, "-o", out, "--calib", dir_ + "/calib", "--keep-float", "fc"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("kept in fp32: fc"), std::string::npos) << result.out;
  const std::vector<uint8_t> file = ReadBytes(out);
  const fb::Model* model = fb::GetModel(file.data());
  std::vector<fb::OperatorType> ops;
  for (const fb::Operator* op : *model->operators()) ops.push_back(op->type());
  EXPECT_EQ(ops, (std::vector<fb::OperatorType>{
                     fb::OperatorType::CONV_2D, fb::OperatorType::MEAN, fb::OperatorType::RESHAPE,
                     fb::OperatorType::DEQUANTIZE, fb::OperatorType::FULLY_CONNECTED,
                     fb::OperatorType::QUANTIZE, fb::OperatorType::SOFTMAX}));
  const fb::Operator* fc = model->operators()->Get(4);
  EXPECT_EQ(model->tensors()->Get(fc->inputs()->Get(0))->type(), fb::TensorType::FLOAT32);
  EXPECT_EQ(model->tensors()->Get(fc->inputs()->Get(1))->type(), fb::TensorType::FLOAT32);
  EXPECT_NE(model->metadata()->calibration_method()->str().find("fp32: fc"), std::string::npos);
  qrun_interpreter* interpreter = qrun_interpreter_create();
  ASSERT_EQ(qrun_interpreter_load_file(interpreter, out.c_str()), QRUN_OK)
      << qrun_interpreter_last_error(interpreter);
  EXPECT_EQ(qrun_interpreter_set_input_float(interpreter, 0, sample_.data(), sample_.size()),
            QRUN_OK);
  EXPECT_EQ(qrun_interpreter_run(interpreter), QRUN_OK);
  qrun_interpreter_destroy(interpreter);
}

TEST_F(Int8Conversion, KeepFloatOfAnUnknownNodeIsNamed) {
  const CliResult result = Qconvert({model_path_, "-o", dir_ + "/m.qfb", "--calib", dir_ + "/calib",
                                     "--keep-float", "fc,nothere"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("--keep-float: the model has no node 'nothere'"), std::string::npos)
      << result.err;
}

TEST_F(Int8Conversion, ReportWithTheFloatModelIsRefused) {
  const CliResult result =
      Qconvert({model_path_, "-o", dir_ + "/f.qfb", "--float", "--report", dir_ + "/r.json"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("not with --float"), std::string::npos) << result.err;
}

TEST(Sha256, MatchesTheFipsVectors) {
  auto hex = [](const std::string& s) {
    return Sha256Hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  EXPECT_EQ(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace qrun::converter
