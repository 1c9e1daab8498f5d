#include "converter/op_list.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "converter/kernel_catalog.h"
#include "converter/onnx_importer.h"
#include "converter/onnx_quantized_import.h"

namespace qrun::converter {
namespace {

// What each ONNX op becomes. An op the importer takes but this table misses is listed as
// "unknown" (a test holds the table complete).
const std::map<std::string, std::vector<std::string>>& Lowerings() {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"Conv", {"CONV_2D"}},
      {"BatchNormalization", {"CONV_2D"}},
      {"Relu", {"MAX_POOL_2D", "ELEMENTWISE_UNARY"}},
      {"Clip", {"MAX_POOL_2D", "ELEMENTWISE_UNARY"}},
      {"Gemm", {"FULLY_CONNECTED"}},
      {"MatMul", {"FULLY_CONNECTED", "BATCH_MATMUL"}},
      {"Add", {"ADD"}},
      {"MaxPool", {"MAX_POOL_2D"}},
      {"AveragePool", {"AVERAGE_POOL_2D"}},
      {"GlobalAveragePool", {"MEAN"}},
      {"ReduceMean", {"MEAN", "REDUCE"}},
      {"ReduceSum", {"REDUCE"}},
      {"ReduceMax", {"REDUCE"}},
      {"ReduceMin", {"REDUCE"}},
      {"Flatten", {"RESHAPE", "TRANSPOSE"}},
      {"Reshape", {"RESHAPE", "TRANSPOSE", "CHANNEL_SHUFFLE"}},
      {"Concat", {"CONCATENATION"}},
      {"Softmax", {"SOFTMAX"}},
      {"Identity", {}},
      {"Dropout", {}},
      {"Constant", {}},
      {"Mul", {"MUL"}},
      {"HardSwish", {"ELEMENTWISE_UNARY"}},
      {"HardSigmoid", {"ELEMENTWISE_UNARY"}},
      {"Sigmoid", {"ELEMENTWISE_UNARY"}},
      {"Tanh", {"ELEMENTWISE_UNARY"}},
      {"LeakyRelu", {"ELEMENTWISE_UNARY"}},
      {"PRelu", {"PRELU"}},
      {"Sub", {"ADD", "ELEMENTWISE_BINARY"}},
      {"Div", {"MUL", "ELEMENTWISE_BINARY"}},
      {"Max", {"ELEMENTWISE_BINARY"}},
      {"Min", {"ELEMENTWISE_BINARY"}},
      {"Pow", {"LAYER_NORM"}},
      {"Sqrt", {"LAYER_NORM"}},
      {"Transpose", {"TRANSPOSE", "BATCH_MATMUL"}},
      {"Slice", {"SLICE", "FULLY_CONNECTED"}},
      {"Split", {"SLICE"}},
      {"Gather", {"GATHER", "TRANSPOSE"}},
      {"Pad", {"PAD", "SLICE"}},
      {"ConvTranspose", {"TRANSPOSE_CONV_2D"}},
      {"Resize", {"RESIZE"}},
      {"Upsample", {"RESIZE"}},
      {"Squeeze", {"RESHAPE", "TRANSPOSE"}},
      {"Unsqueeze", {"RESHAPE", "TRANSPOSE"}},
      {"LayerNormalization", {"LAYER_NORM", "RESHAPE", "TRANSPOSE"}},
      {"QuantizeLinear", {"QUANTIZE"}},
      {"DequantizeLinear", {"DEQUANTIZE"}},
      {"QLinearConv", {"CONV_2D"}},
      {"QLinearMatMul", {"FULLY_CONNECTED", "BATCH_MATMUL"}},
      {"com.microsoft.QGemm", {"FULLY_CONNECTED"}},
      {"com.microsoft.QLinearAdd", {"ADD"}},
      {"com.microsoft.QLinearMul", {"MUL"}},
      {"com.microsoft.QLinearAveragePool", {"AVERAGE_POOL_2D"}},
      {"com.microsoft.QLinearGlobalAveragePool", {"MEAN"}},
      {"com.microsoft.QLinearConcat", {"CONCATENATION"}},
      {"com.microsoft.QLinearSigmoid", {"ELEMENTWISE_UNARY"}},
  };
  return table;
}

// Notes for ops that only run in a particular pattern.
const std::map<std::string, std::string>& Notes() {
  static const std::map<std::string, std::string> table = {
      {"BatchNormalization", "folded into the Conv before it"},
      {"Relu", "fused into the op before it where it can be"},
      {"Clip", "fused into the op before it where it can be"},
      {"Identity", "removed"},
      {"Dropout", "removed: inference mode"},
      {"Constant", "a constant"},
      {"Pow", "only in a LayerNormalization pattern"},
      {"Sqrt", "only in a LayerNormalization pattern"},
      {"Slice", "a packed projection's slices split the FULLY_CONNECTED"},
      {"Pad", "a zero pad before a Conv or pool folds into its padding"},
      {"Gather", "indices must be constant"},
      {"LayerNormalization",
       "over axes [axis, rank) as rows; a layer that outputs Mean and InvStdDev stays fp32"},
      {"Transpose", "a MatMul's right side transposed from [.., N, K] folds into BATCH_MATMUL"},
      {"Reshape", "a shufflenet channel shuffle becomes CHANNEL_SHUFFLE"},
      {"QuantizeLinear", "int8 models only: sets the quantization"},
      {"DequantizeLinear", "int8 models only: sets the quantization"},
  };
  return table;
}

std::string Join(const std::vector<std::string>& words, const std::string& none) {
  if (words.empty()) return none;
  std::string out;
  for (const std::string& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::string Row(const std::string& op, const std::string& int8, const std::string& fp32,
                const std::string& kernels, const std::string& runs_as) {
  std::ostringstream row;
  row << std::left << std::setw(40) << op << std::setw(6) << int8 << std::setw(6) << fp32
      << std::setw(42) << kernels << runs_as;
  std::string text = row.str();
  text.erase(text.find_last_not_of(' ') + 1);
  return text + "\n";
}

std::string OpRow(const std::string& op, bool quantized_form) {
  const auto lowering = Lowerings().find(op);
  if (lowering == Lowerings().end()) return Row(op, "?", "?", "", "unknown");
  std::vector<std::string> int8_families, fp32_families;
  for (const std::string& qfb : lowering->second) {
    const KernelFamilies families = FastKernelFamilies(qfb);
    for (const std::string& f : families.int8) {
      if (std::find(int8_families.begin(), int8_families.end(), f) == int8_families.end()) {
        int8_families.push_back(f);
      }
    }
    for (const std::string& f : families.fp32) {
      if (std::find(fp32_families.begin(), fp32_families.end(), f) == fp32_families.end()) {
        fp32_families.push_back(f);
      }
    }
  }
  std::string runs_as = Join(lowering->second, "");
  const auto note = Notes().find(op);
  if (note != Notes().end()) {
    runs_as = runs_as.empty() ? note->second : runs_as + " (" + note->second + ")";
  }
  const std::string kernels =
      lowering->second.empty() ? "" : Join(int8_families, "-") + " | " + Join(fp32_families, "-");
  return Row(op, "yes", quantized_form ? "no" : "yes", kernels, runs_as);
}

}  // namespace

std::string ListSupportedOps() {
  std::string out = Row("ONNX op", "int8", "fp32", "SIMD kernels in this build: int8 | fp32",
                        "runs as (qfb operators)");
  for (const std::string& op : OnnxComputeOps()) out += OpRow(op, false);
  for (const std::string& op : SupportedQuantizedOnnxOps()) out += OpRow(op, true);
  for (const std::string& op : OnnxConstantOnlyOps()) {
    out += Row(op, "-", "-", "", "only on constants (folded)");
  }
  return out;
}

}  // namespace qrun::converter
