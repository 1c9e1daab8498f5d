// The report for a terminal: load time, latency statistics, memory, conditions, and with
// --profile one row per operator: its median time over the runs, its share of the total, and for
// convolutions and fully connected layers the multiply-accumulate rate and its fraction of the
// core's peak, measured on the spot.
#include <cstdarg>
#include <cstdio>

#include "latency_report.h"

namespace qrun::tools {
namespace {

std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* pattern, ...) {
  char text[512];
  va_list args;
  va_start(args, pattern);
  std::vsnprintf(text, sizeof text, pattern, args);
  va_end(args);
  return text;
}

std::string shape_text(const std::vector<int>& shape) {
  std::string text = "[";
  for (size_t d = 0; d < shape.size(); ++d) text += (d ? "," : "") + std::to_string(shape[d]);
  return text + "]";
}

std::string megabytes(size_t bytes) {
  return format("%.1f MB", static_cast<double>(bytes) / 1e6);
}

std::string conditions_text(const RunConditions& before, const RunConditions& after) {
  std::string text = "conditions on CPU " + std::to_string(before.cpu) + ": governor ";
  text += before.governor.empty() ? "unreadable" : before.governor;
  if (after.governor != before.governor && !after.governor.empty()) text += " -> " + after.governor;
  text += ", frequency ";
  const auto khz = [](uint64_t value) {
    return value ? std::to_string(value) + " kHz" : std::string("unreadable");
  };
  text += before.frequency_khz ? khz(before.frequency_khz) + " -> " + khz(after.frequency_khz)
                               : "unreadable";
  text += ", hottest thermal zone ";
  text += before.hottest_zone.empty() ? "unreadable"
                                      : format("%s %.1f -> %.1f C", before.hottest_zone.c_str(),
                                               before.hottest_celsius, after.hottest_celsius);
  text += "\n";
  for (const std::string& what : before.unreadable) text += "  unreadable: " + what + "\n";
  return text;
}

std::string profile_text(const LatencyReport& report) {
  double total = 0;
  for (const OperatorProfile& op : report.profile) total += op.median_ms;
  std::string text = format("%4s %-16s %-40s %-18s %10s %7s %8s %7s\n", "op", "type", "kernel",
                            "output", "median ms", "share", "GMAC/s", "of peak");
  double conv_ms = 0;
  uint64_t conv_macs = 0;
  for (size_t i = 0; i < report.profile.size(); ++i) {
    const OperatorProfile& op = report.profile[i];
    std::string rate = "-", fraction = "-";
    if (op.macs > 0 && op.median_ms > 0) {
      const double gmacs = static_cast<double>(op.macs) / op.median_ms / 1e6;
      rate = format("%.1f", gmacs);
      if (report.peak_gmacs > 0) fraction = format("%.0f%%", 100.0 * gmacs / report.peak_gmacs);
    }
    // A convolution with a fused Add ("CONV_2D+ADD") counts too: its time includes the Add's.
    if (op.type.compare(0, 7, "CONV_2D") == 0) {
      conv_ms += op.median_ms;
      conv_macs += op.macs;
    }
    text += format("%4zu %-16s %-40s %-18s %10.4f %6.1f%% %8s %7s\n", i, op.type.c_str(),
                   op.kernel.c_str(), shape_text(op.output_shape).c_str(), op.median_ms,
                   100.0 * op.median_ms / total, rate.c_str(), fraction.c_str());
  }
  text += format("sum of operator medians: %.3f ms\n", total);
  if (conv_ms > 0) {
    const double gmacs = static_cast<double>(conv_macs) / conv_ms / 1e6;
    text += format("convolutions: %.3f ms, %.2f GMAC, %.1f GMAC/s", conv_ms,
                   static_cast<double>(conv_macs) / 1e9, gmacs);
    if (report.peak_gmacs > 0) {
      text += format(", %.0f%% of the %s peak (%.1f GMAC/s)", 100.0 * gmacs / report.peak_gmacs,
                     report.peak_instruction.c_str(), report.peak_gmacs);
    }
    text += "\n";
  }
  return text;
}

}  // namespace

std::string latency_text(const LatencyReport& report) {
  const qrun_load_times& load = report.load_phases;
  std::string text = format(
      "load %.2f ms: map %.2f ms, verify %.2f ms, prepare %.2f ms (kernels, weight packing, "
      "arena)\n",
      report.load_ms, load.map_ms, load.verify_ms, load.prepare_ms);
  const LatencyStats& s = report.stats;
  std::string where = report.cpu.pin.cpus.empty() ? "unpinned" : "pinned to CPU";
  for (size_t i = 0; i < report.cpu.pin.cpus.size(); ++i)
    where += (i ? "," : " ") + std::to_string(report.cpu.pin.cpus[i]);
  // benchmarks/compare.py reads this line as far as p90: keep "min, median, p90" first.
  const std::string during =
      report.options.duration_s > 0 ? format(" in %.1f s", report.options.duration_s) : "";
  text += format(
      "latency over %zu runs%s (%d threads, %s): min %.3f ms, median %.3f ms, p90 %.3f ms, "
      "p99 %.3f ms, mean %.3f ms, stddev %.3f ms, cv %.1f%%\n",
      s.runs, during.c_str(), report.threads, where.c_str(), s.min, s.median, s.p90, s.p99, s.mean,
      s.stddev, 100 * s.cv);
  const qrun_memory_info& memory = report.memory;
  text +=
      "memory: peak resident " +
      (report.measurement.peak_resident_bytes ? megabytes(report.measurement.peak_resident_bytes)
                                              : std::string("unknown")) +
      ", arena " + megabytes(memory.arena_bytes) + ", packed weights " +
      megabytes(memory.packed_bytes) + ", file " + megabytes(memory.file_bytes) + "\n";
  text += conditions_text(report.measurement.before, report.measurement.after);
  if (!report.profile.empty()) text += profile_text(report);
  return text;
}

}  // namespace qrun::tools
