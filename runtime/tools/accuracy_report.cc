#include "accuracy_report.h"

#include <cmath>
#include <limits>
#include <map>
#include <memory>

#include "qrun/qrun.h"

namespace qrun::tools {
namespace {

using InterpreterPtr = std::unique_ptr<qrun_interpreter, decltype(&qrun_interpreter_destroy)>;

Status RuntimeError(const qrun_interpreter* interpreter, const std::string& what) {
  return Status(StatusCode::kInternal,
                "accuracy report: " + what + ": " + qrun_interpreter_last_error(interpreter));
}

Status Load(const void* data, size_t size, bool fusion, const char* which, InterpreterPtr* out) {
  InterpreterPtr interpreter(qrun_interpreter_create(), &qrun_interpreter_destroy);
  if (!interpreter) return Status(StatusCode::kInternal, "cannot create a runtime interpreter");
  // Fusion off: every op's own output exists, so each layer can be compared.
  if (qrun_interpreter_set_fusion(interpreter.get(), fusion ? 1 : 0) != QRUN_OK ||
      qrun_interpreter_load_buffer(interpreter.get(), data, size) != QRUN_OK) {
    return RuntimeError(interpreter.get(), std::string("cannot load the ") + which + " model");
  }
  if (qrun_interpreter_input_count(interpreter.get()) != 1) {
    return Unsupported("the accuracy report needs a model with one input");
  }
  *out = std::move(interpreter);
  return Status::Ok();
}

using FloatTensors = std::map<std::string, std::vector<float>>;

void KeepFloatTensor(void* user_data, int /*tensor_index*/, const qrun_tensor_info* info,
                     const void* data) {
  if (info->type != QRUN_FLOAT32 || info->is_constant) return;
  const float* values = static_cast<const float*>(data);
  (*static_cast<FloatTensors*>(user_data))[info->name].assign(
      values, values + info->byte_size / sizeof(float));
}

// While the int8 model runs whole: each tensor against the float one of the same name.
struct AccumulatedObserver {
  const FloatTensors* reference;
  std::map<std::string, ErrorSums>* sums;
  std::vector<float> dequantized;
};

// Int8 tensors are dequantized; float ones (layers kept in fp32, dynamic quantization's
// activations) compare as they are.
void CompareTensor(void* user_data, int /*tensor_index*/, const qrun_tensor_info* info,
                   const void* data) {
  auto* observer = static_cast<AccumulatedObserver*>(user_data);
  if ((info->type != QRUN_INT8 && info->type != QRUN_FLOAT32) || info->is_constant) return;
  const size_t count = info->type == QRUN_INT8 ? info->byte_size : info->byte_size / sizeof(float);
  auto reference = observer->reference->find(info->name);
  if (reference == observer->reference->end() || reference->second.size() != count) return;
  const float* values = static_cast<const float*>(data);
  if (info->type == QRUN_INT8) {
    const int8_t* q = static_cast<const int8_t*>(data);
    observer->dequantized.resize(count);
    for (size_t i = 0; i < count; ++i) {
      observer->dequantized[i] = info->scale * static_cast<float>(q[i] - info->zero_point);
    }
    values = observer->dequantized.data();
  }
  (*observer->sums)[info->name].add(reference->second.data(), values, count);
}

}  // namespace

void ErrorSums::add(const float* reference, const float* approximation, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double r = reference[i];
    const double a = approximation[i];
    reference_squares += r * r;
    approximation_squares += a * a;
    error_squares += (r - a) * (r - a);
    products += r * a;
  }
  count += n;
}

double ErrorSums::sqnr_db() const {
  if (error_squares == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(reference_squares / error_squares);
}

double ErrorSums::cosine() const {
  if (reference_squares == 0.0 || approximation_squares == 0.0) {
    return reference_squares == approximation_squares ? 1.0 : 0.0;
  }
  return products / std::sqrt(reference_squares * approximation_squares);
}

Status CompareModels(const void* float_model, size_t float_size, const void* int8_model,
                     size_t int8_size, const std::vector<std::vector<float>>& samples,
                     AccuracyReport* report) {
  InterpreterPtr float_run(nullptr, &qrun_interpreter_destroy);
  InterpreterPtr whole(nullptr, &qrun_interpreter_destroy);
  InterpreterPtr alone(nullptr, &qrun_interpreter_destroy);
  QRUN_RETURN_IF_ERROR(Load(float_model, float_size, true, "float", &float_run));
  QRUN_RETURN_IF_ERROR(Load(int8_model, int8_size, false, "int8", &whole));
  QRUN_RETURN_IF_ERROR(Load(int8_model, int8_size, false, "int8", &alone));
  qrun_tensor_info float_input;
  qrun_interpreter_input_info(float_run.get(), 0, &float_input);
  if (float_input.type != QRUN_FLOAT32) {
    return InvalidArgument("the model to compare with must be the float one (qconvert --float)");
  }

  // The int8 model's ops and tensors, by index.
  const int tensor_count = qrun_interpreter_tensor_count(alone.get());
  std::vector<qrun_tensor_info> tensors(static_cast<size_t>(tensor_count));
  for (int t = 0; t < tensor_count; ++t) {
    if (qrun_interpreter_tensor_info(alone.get(), t, &tensors[t]) != QRUN_OK) {
      return RuntimeError(alone.get(), "cannot describe a tensor");
    }
  }
  const int op_count = qrun_interpreter_operator_count(alone.get());
  std::vector<qrun_operator_info> ops(static_cast<size_t>(op_count));
  report->layers.clear();
  for (int i = 0; i < op_count; ++i) {
    if (qrun_interpreter_operator_info(alone.get(), i, &ops[i]) != QRUN_OK) {
      return RuntimeError(alone.get(), "cannot describe an operator");
    }
    if (ops[i].output_count < 1) continue;
    LayerAccuracy layer;
    layer.op_index = i;
    layer.op_type = ops[i].type;
    layer.name = ops[i].name;
    layer.tensor = tensors[ops[i].outputs[0]].name;
    report->layers.push_back(layer);
  }

  FloatTensors reference;
  std::map<std::string, ErrorSums> accumulated;
  AccumulatedObserver observer{&reference, &accumulated, {}};
  qrun_interpreter_set_observer(float_run.get(), &KeepFloatTensor, &reference);
  qrun_interpreter_set_observer(whole.get(), &CompareTensor, &observer);
  std::vector<float> values;
  for (const std::vector<float>& sample : samples) {
    reference.clear();
    if (qrun_interpreter_set_input_float(float_run.get(), 0, sample.data(), sample.size()) !=
            QRUN_OK ||
        qrun_interpreter_run(float_run.get()) != QRUN_OK) {
      return RuntimeError(float_run.get(), "the float model failed on a sample");
    }
    if (qrun_interpreter_set_input_float(whole.get(), 0, sample.data(), sample.size()) != QRUN_OK ||
        qrun_interpreter_run(whole.get()) != QRUN_OK) {
      return RuntimeError(whole.get(), "the int8 model failed on a sample");
    }
    for (LayerAccuracy& layer : report->layers) {
      const qrun_operator_info& op = ops[layer.op_index];
      auto expected = reference.find(layer.tensor);
      bool inputs_known = expected != reference.end();
      for (int k = 0; k < op.input_count && inputs_known; ++k) {
        const qrun_tensor_info& input = tensors[op.inputs[k]];
        if (input.is_constant) continue;
        auto value = reference.find(input.name);
        inputs_known =
            value != reference.end() &&
            qrun_interpreter_set_tensor_float(alone.get(), op.inputs[k], value->second.data(),
                                              value->second.size()) == QRUN_OK;
      }
      if (!inputs_known) continue;
      if (qrun_interpreter_run_operator(alone.get(), layer.op_index) != QRUN_OK) {
        return RuntimeError(alone.get(), "operator '" + layer.name + "' failed alone");
      }
      values.resize(expected->second.size());
      if (qrun_interpreter_get_tensor_float(alone.get(), op.outputs[0], values.data(),
                                            values.size()) != QRUN_OK) {
        return RuntimeError(alone.get(), "cannot read the output of '" + layer.name + "'");
      }
      layer.local.add(expected->second.data(), values.data(), values.size());
    }
  }
  bool compared = false;
  for (LayerAccuracy& layer : report->layers) {
    layer.accumulated = accumulated[layer.tensor];
    compared = compared || layer.accumulated.count > 0;
  }
  if (!compared && !samples.empty()) {
    return InvalidArgument(
        "the two models have no int8 tensor and float tensor of the same name: compare an int8 "
        "model with the float one converted from the same source");
  }

  report->outputs.clear();
  for (int o = 0; o < qrun_interpreter_output_count(whole.get()); ++o) {
    qrun_tensor_info info;
    qrun_interpreter_output_info(whole.get(), o, &info);
    LayerAccuracy output;
    output.op_index = -1;
    output.op_type = "output";
    output.name = info.name;
    output.tensor = info.name;
    output.accumulated = accumulated[info.name];
    report->outputs.push_back(output);
  }
  report->samples = static_cast<int>(samples.size());
  return Status::Ok();
}

}  // namespace qrun::tools
