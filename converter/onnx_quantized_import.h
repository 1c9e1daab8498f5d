// ONNX models quantized before they reach qconvert, in either of ONNX's two forms:
//  - QDQ: QuantizeLinear / DequantizeLinear pairs around float ops (quantization-aware training,
//    ONNX Runtime's quantize_static with QuantFormat.QDQ);
//  - QOperator: QLinearConv, QLinearMatMul and ONNX Runtime's com.microsoft QGemm, QLinearAdd,
//    QLinearMul, QLinearAveragePool, QLinearGlobalAveragePool, QLinearConcat and QLinearSigmoid
//    on integer tensors, with MaxPool, Flatten and Reshape passing those tensors through.
// The model is rewritten, before the importer reads it, into the float model it stands for, and
// the scales and zero points it carries come back as presets for the graph's tensors, which the
// quantizer then takes instead of calibrated ranges:
//  - QuantizeLinear and DequantizeLinear on activations become Identity: the integer tensor and the
//    float tensors on either side of it hold the same real values and share its parameters;
//  - a quantized constant (weights, an int32 bias) is dequantized to float as ONNX defines it, and
//    weights keep their parameters as a preset: the quantizer keeps that grid when qrun's int8
//    weights can hold it (see quantizer.h);
//  - a QLinear op becomes its float op on those constants, its output carrying the op's output
//    scale and zero point.
// uint8 tensors become int8 by subtracting 128 from the zero point, which keeps every real value.
// A quantized pattern qconvert cannot take is refused with the node, its op and the reason.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "converter/graph.h"
#include "onnx/onnx_pb.h"
#include "qrun/status.h"

namespace qrun::converter {

// Rewrites `model` (of default-domain opset `opset`, for messages) as above and fills `presets`
// (tensor name -> scale and zero point, int8 form). A model without quantization ops is left as
// it is.
Status DequantizeOnnxModel(onnx::ModelProto* model, int64_t opset,
                           std::map<std::string, Quantization>* presets);

// The quantized ops the rewrite takes, by their domain-qualified names ("com.microsoft.QGemm").
std::vector<std::string> SupportedQuantizedOnnxOps();

}  // namespace qrun::converter
