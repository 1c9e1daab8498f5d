// The report as one JSON document; QRUN_JSON.md documents every field, and the CLI tests hold the
// document to it.
#include "json_writer.h"
#include "latency_report.h"

namespace qrun::tools {
namespace {

// The layout's version: a field renamed, removed or retyped changes it.
constexpr int kLayoutVersion = 1;

// Empty strings and zero readings are what could not be read: null in the document.
JsonWriter& text_or_null(JsonWriter& json, const std::string& key, const std::string& text) {
  return text.empty() ? json.key(key).null() : json.field(key, text);
}

JsonWriter& number_or_null(JsonWriter& json, const std::string& key, uint64_t number) {
  return number == 0 ? json.key(key).null() : json.field(key, number);
}

void write_ints(JsonWriter& json, const std::string& key, const std::vector<int>& values) {
  json.key(key).begin_array(true);
  for (int v : values) json.value(v);
  json.end_array();
}

void write_model(JsonWriter& json, const LatencyReport& report) {
  json.key("model").begin_object();
  json.field("path", report.model_path).field("operators", report.operator_count);
  json.key("inputs").begin_array();
  for (const TensorSummary& input : report.inputs) {
    json.begin_object().field("name", input.name).field("type", input.type);
    write_ints(json, "shape", input.shape);
    json.end_object();
  }
  json.end_array().end_object();
}

void write_build(JsonWriter& json, const BuildInfo& build) {
  json.key("build").begin_object();
  json.field("version", build.version).field("compiler", build.compiler);
  json.field("build_type", build.build_type).field("architecture", build.architecture);
  json.field("cpuinfo", build.cpuinfo).field("pthreadpool", build.pthreadpool);
  json.end_object();
}

void write_cpu(JsonWriter& json, const LatencyReport& report) {
  const CpuReport& cpu = report.cpu;
  json.key("cpu").begin_object();
  if (cpu.id >= 0) {
    json.field("id", cpu.id);
  } else {
    json.key("id").null();
  }
  text_or_null(json, "name", cpu.name);
  text_or_null(json, "microarchitecture", cpu.uarch);
  number_or_null(json, "max_frequency_khz", cpu.max_frequency_khz);
  json.field("isa", cpu.isa).field("threads", report.threads);
  json.key("pin").begin_object();
  text_or_null(json, "request", cpu.pin.request);
  write_ints(json, "cpus", cpu.pin.cpus);
  json.field("reason", cpu.pin.reason).end_object();
  json.key("clusters").begin_array();
  for (int cluster = 0;; ++cluster) {
    std::vector<int> ids;
    const qrun_cpu_info* first = nullptr;
    for (const qrun_cpu_info& info : cpu.cpus) {
      if (info.cluster != cluster) continue;
      if (first == nullptr) first = &info;
      ids.push_back(info.id);
    }
    if (first == nullptr) break;
    json.begin_object();
    write_ints(json, "cpus", ids);
    text_or_null(json, "microarchitecture", first->uarch);
    number_or_null(json, "max_frequency_khz", first->max_frequency_khz);
    number_or_null(json, "capacity", static_cast<uint64_t>(first->capacity));
    json.end_object();
  }
  json.end_array().end_object();
}

void write_reading(JsonWriter& json, const std::string& key, const RunConditions& conditions) {
  json.key(key).begin_object();
  text_or_null(json, "governor", conditions.governor);
  number_or_null(json, "frequency_khz", conditions.frequency_khz);
  text_or_null(json, "hottest_zone", conditions.hottest_zone);
  if (conditions.hottest_zone.empty()) {
    json.key("hottest_celsius").null();
  } else {
    json.field("hottest_celsius", conditions.hottest_celsius);
  }
  json.end_object();
}

void write_conditions(JsonWriter& json, const Measurement& measurement) {
  json.key("conditions").begin_object();
  if (measurement.before.cpu >= 0) {
    json.field("cpu", measurement.before.cpu);
  } else {
    json.key("cpu").null();
  }
  write_reading(json, "before", measurement.before);
  write_reading(json, "after", measurement.after);
  json.key("unreadable").begin_array();
  for (const std::string& what : measurement.before.unreadable) json.value(what);
  json.end_array().end_object();
}

void write_run(JsonWriter& json, const LatencyReport& report) {
  const MeasureOptions& options = report.options;
  json.key("run").begin_object().field("warmup", options.warmup);
  if (options.duration_s > 0) {
    json.key("repeat").null().field("duration_s", options.duration_s);
  } else {
    json.field("repeat", options.repeat).key("duration_s").null();
  }
  json.field("cooldown_s", options.cooldown_s).end_object();
}

void write_load_and_memory(JsonWriter& json, const LatencyReport& report) {
  const qrun_load_times& load = report.load_phases;
  json.key("load").begin_object().field("total_ms", report.load_ms);
  json.field("map_ms", load.map_ms).field("verify_ms", load.verify_ms);
  json.field("prepare_ms", load.prepare_ms).end_object();
  const qrun_memory_info& memory = report.memory;
  json.key("memory").begin_object();
  number_or_null(json, "peak_resident_bytes", report.measurement.peak_resident_bytes);
  json.field("arena_bytes", static_cast<uint64_t>(memory.arena_bytes));
  json.field("packed_bytes", static_cast<uint64_t>(memory.packed_bytes));
  json.field("weight_bytes", static_cast<uint64_t>(memory.weight_bytes));
  json.field("file_bytes", static_cast<uint64_t>(memory.file_bytes)).end_object();
}

void write_statistics(JsonWriter& json, const LatencyReport& report) {
  const LatencyStats& s = report.stats;
  json.key("statistics").begin_object();
  json.field("runs", static_cast<uint64_t>(s.runs));
  json.field("min_ms", s.min).field("max_ms", s.max).field("median_ms", s.median);
  json.field("mean_ms", s.mean).field("p90_ms", s.p90).field("p99_ms", s.p99);
  json.field("stddev_ms", s.stddev).field("cv", s.cv);
  json.field("slow_runs", static_cast<uint64_t>(s.slow_runs));
  json.key("runs_ms").begin_array(true);
  for (double ms : report.measurement.milliseconds) json.value(ms);
  json.end_array().end_object();
}

void write_profile(JsonWriter& json, const LatencyReport& report) {
  if (report.profile.empty()) {
    json.key("profile").null();
    return;
  }
  double total = 0;
  for (const OperatorProfile& op : report.profile) total += op.median_ms;
  json.key("profile").begin_object();
  if (report.peak_gmacs > 0) {
    json.field("peak_gmacs", report.peak_gmacs).field("peak_instruction", report.peak_instruction);
  } else {
    json.key("peak_gmacs").null().key("peak_instruction").null();
  }
  json.key("operators").begin_array();
  for (size_t i = 0; i < report.profile.size(); ++i) {
    const OperatorProfile& op = report.profile[i];
    json.begin_object().field("index", static_cast<uint64_t>(i)).field("type", op.type);
    json.field("name", op.name).field("kernel", op.kernel);
    write_ints(json, "output_shape", op.output_shape);
    json.field("median_ms", op.median_ms).field("share", total > 0 ? op.median_ms / total : 0.0);
    json.field("macs", op.macs);
    if (op.macs > 0 && op.median_ms > 0) {
      json.field("gmacs_per_s", static_cast<double>(op.macs) / op.median_ms / 1e6);
    } else {
      json.key("gmacs_per_s").null();
    }
    json.end_object();
  }
  json.end_array().end_object();
}

}  // namespace

std::string latency_json(const LatencyReport& report) {
  JsonWriter json;
  json.begin_object().field("qrun_json", kLayoutVersion);
  write_model(json, report);
  write_build(json, report.build);
  write_cpu(json, report);
  write_conditions(json, report.measurement);
  write_run(json, report);
  write_load_and_memory(json, report);
  write_statistics(json, report);
  write_profile(json, report);
  json.key("warnings").begin_array();
  for (const std::string& warning : report.warnings) json.value(warning);
  json.end_array().end_object();
  return json.text();
}

}  // namespace qrun::tools
