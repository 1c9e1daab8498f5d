#include "converter/auto_float.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <sstream>

#include "accuracy_report.h"
#include "converter/mixed_precision.h"
#include "qrun/qrun.h"

namespace qrun::converter {
namespace {

// The worst of the model's outputs by the target's measure.
double OutputFigure(const tools::AccuracyReport& report, AccuracyTarget::Measure measure) {
  double worst = INFINITY;
  for (const tools::LayerAccuracy& output : report.outputs) {
    worst =
        std::min(worst, measure == AccuracyTarget::Measure::kSqnrDb ? output.accumulated.sqnr_db()
                                                                    : output.accumulated.cosine());
  }
  return worst;
}

// The median time of one run of the model on `input`, one thread (milliseconds).
Status MedianLatency(const std::vector<uint8_t>& model, const std::vector<float>& input,
                     double* milliseconds) {
  std::unique_ptr<qrun_interpreter, decltype(&qrun_interpreter_destroy)> interpreter(
      qrun_interpreter_create(), &qrun_interpreter_destroy);
  if (!interpreter ||
      qrun_interpreter_load_buffer(interpreter.get(), model.data(), model.size()) != QRUN_OK ||
      qrun_interpreter_set_input_float(interpreter.get(), 0, input.data(), input.size()) !=
          QRUN_OK) {
    return Status(StatusCode::kInternal, "--auto-float: cannot run the model to time it");
  }
  constexpr int kWarmup = 3, kRuns = 21;
  std::vector<double> times;
  for (int i = 0; i < kWarmup + kRuns; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (qrun_interpreter_run(interpreter.get()) != QRUN_OK) {
      return Status(StatusCode::kInternal, "--auto-float: the model failed to run");
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (i >= kWarmup) times.push_back(ms);
  }
  std::nth_element(times.begin(), times.begin() + kRuns / 2, times.end());
  *milliseconds = times[kRuns / 2];
  return Status::Ok();
}

std::string Describe(const AccuracyTarget& target, double value) {
  std::ostringstream text;
  if (target.measure == AccuracyTarget::Measure::kSqnrDb) {
    text.precision(2);
    text << std::fixed << "output SQNR " << value << " dB (target " << target.value << ")";
  } else {
    text.precision(6);
    text << std::fixed << "output cosine " << value << " (target " << target.value << ")";
  }
  return text.str();
}

}  // namespace

Status ParseAccuracyTarget(const std::string& text, AccuracyTarget* target) {
  const size_t equals = text.find('=');
  const std::string measure = text.substr(0, equals);
  const std::string number = equals == std::string::npos ? "" : text.substr(equals + 1);
  char* end = nullptr;
  target->value = std::strtod(number.c_str(), &end);
  const bool parsed = !number.empty() && *end == '\0' && std::isfinite(target->value);
  if (measure == "sqnr" && parsed) {
    target->measure = AccuracyTarget::Measure::kSqnrDb;
    return Status::Ok();
  }
  if (measure == "cosine" && parsed && target->value > -1.0 && target->value <= 1.0) {
    target->measure = AccuracyTarget::Measure::kCosine;
    return Status::Ok();
  }
  return InvalidArgument(
      "--auto-float wants sqnr=DB or cosine=C (e.g. sqnr=30, cosine=0.999), not '" + text + "'");
}

Status KeepWorstLayersInFloat(const AccuracyTarget& target, const std::vector<uint8_t>& float_model,
                              const std::vector<std::vector<float>>& samples,
                              const Int8ModelMaker& make, std::vector<std::string>* kept,
                              std::vector<uint8_t>* file, std::string* log) {
  if (samples.empty()) return InvalidArgument("--auto-float needs samples to measure on");
  std::ostringstream out;
  double first_latency = 0.0;
  for (int round = 0;; ++round) {
    QRUN_RETURN_IF_ERROR(make(*kept, file));
    tools::AccuracyReport report;
    QRUN_RETURN_IF_ERROR(tools::CompareModels(float_model.data(), float_model.size(), file->data(),
                                              file->size(), samples, &report));
    const double figure = OutputFigure(report, target.measure);
    double latency = 0.0;
    QRUN_RETURN_IF_ERROR(MedianLatency(*file, samples[0], &latency));
    if (round == 0) first_latency = latency;
    out << "auto-float: " << (kept->empty() ? std::string("all int8") : "fp32: ");
    for (size_t i = 0; i < kept->size(); ++i) out << (i ? ", " : "") << (*kept)[i];
    out.precision(3);
    out << std::fixed << "; " << Describe(target, figure) << "; " << latency << " ms";
    if (round > 0)
      out << " (" << std::showpos << latency - first_latency << std::noshowpos
          << " ms against the first round)";
    out << "\n";
    if (figure >= target.value) break;
    // The worst layer still in int8 by local SQNR: what it loses is its own.
    const tools::LayerAccuracy* worst = nullptr;
    for (const tools::LayerAccuracy& layer : report.layers) {
      if (layer.local.count == 0 || MovesValuesOnly(layer.op_type) ||
          std::find(kept->begin(), kept->end(), layer.name) != kept->end()) {
        continue;
      }
      if (worst == nullptr || layer.local.sqnr_db() < worst->local.sqnr_db()) worst = &layer;
    }
    if (worst == nullptr) {
      *log = out.str();
      return Status(StatusCode::kUnsupported, "--auto-float: every layer is in fp32 and the " +
                                                  Describe(target, figure) +
                                                  " is still short of the target");
    }
    kept->push_back(worst->name);
  }
  *log = out.str();
  return Status::Ok();
}

}  // namespace qrun::converter
