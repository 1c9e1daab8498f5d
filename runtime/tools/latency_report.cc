#include "latency_report.h"

#include <algorithm>

namespace qrun::tools {
namespace {

TensorSummary summarize(const qrun_tensor_info& info) {
  TensorSummary tensor;
  tensor.name = info.name;
  tensor.type = info.type == QRUN_INT8 ? "int8" : info.type == QRUN_INT32 ? "int32" : "float32";
  tensor.shape.assign(info.shape, info.shape + info.rank);
  return tensor;
}

Status collect_profile(Model& model, LatencyReport* report) {
  const auto& times = report->measurement.operator_milliseconds;
  if (times.empty()) return Status::Ok();
  for (size_t i = 0; i < times.size(); ++i) {
    qrun_operator_info op;
    QRUN_RETURN_IF_ERROR(model.operator_info(static_cast<int>(i), &op));
    qrun_tensor_info output;
    QRUN_RETURN_IF_ERROR(model.tensor_info(op.outputs[0], &output));
    OperatorProfile row;
    row.type = op.type;
    row.name = op.name;
    row.kernel = op.kernel;
    row.output_shape = summarize(output).shape;
    row.median_ms = summarize_latency(times[i]).median;
    row.macs = op.macs;
    report->profile.push_back(row);
  }
  const char* instruction = "";
  QRUN_RETURN_IF_ERROR(model.measure_peak(&report->peak_gmacs, &instruction));
  report->peak_instruction = instruction;
  return Status::Ok();
}

}  // namespace

CpuReport describe_cpu_in_use(const PinChoice& pin, const std::string& isa) {
  CpuReport cpu;
  cpu.id = pin.cpus.empty() ? -1 : pin.cpus.front();
  cpu.name = qrun_cpu_name();
  cpu.isa = isa;
  cpu.pin = pin;
  cpu.cpus = qrun::cpus();
  for (const qrun_cpu_info& info : cpu.cpus) {
    if (info.id == cpu.id) {
      cpu.uarch = info.uarch;
      cpu.max_frequency_khz = info.max_frequency_khz;
    } else if (cpu.id < 0) {
      const std::string uarch = info.uarch;
      if (!uarch.empty() && ("+" + cpu.uarch + "+").find("+" + uarch + "+") == std::string::npos) {
        cpu.uarch += (cpu.uarch.empty() ? "" : "+") + uarch;
      }
      cpu.max_frequency_khz = std::max(cpu.max_frequency_khz, info.max_frequency_khz);
    }
  }
  return cpu;
}

std::string cpu_headline(const CpuReport& cpu) {
  std::string text = cpu.id >= 0
                         ? "CPU " + std::to_string(cpu.id) + " (--pin " + cpu.pin.request + "): "
                         : std::string("CPU not pinned: ");
  text += (cpu.name.empty() ? "name unknown" : cpu.name) + ", " +
          (cpu.uarch.empty() ? "microarchitecture unknown" : cpu.uarch) + ", ISA " + cpu.isa + ", ";
  return text + (cpu.max_frequency_khz
                     ? "max " + std::to_string(cpu.max_frequency_khz / 1000) + " MHz"
                     : std::string("max frequency unreadable"));
}

Status complete_latency_report(Model& model, LatencyReport* report) {
  report->operator_count = model.operator_count();
  for (int i = 0; i < model.input_count(); ++i) {
    qrun_tensor_info info;
    QRUN_RETURN_IF_ERROR(model.input_info(i, &info));
    report->inputs.push_back(summarize(info));
  }
  QRUN_RETURN_IF_ERROR(model.memory_info(&report->memory));
  QRUN_RETURN_IF_ERROR(model.load_times(&report->load_phases));
  const Measurement& measurement = report->measurement;
  report->stats = summarize_latency(measurement.milliseconds);
  report->warnings = run_warnings(measurement.before, measurement.after, report->stats,
                                  !report->cpu.pin.cpus.empty());
  return collect_profile(model, report);
}

}  // namespace qrun::tools
