#include "latency_measure.h"

#include <sys/resource.h>

#include <chrono>
#include <thread>

namespace qrun::tools {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_between(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

size_t peak_resident_bytes() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<size_t>(usage.ru_maxrss) * 1024;  // Linux counts kilobytes
}

}  // namespace

Status measure_latency(Model& model, const MeasureOptions& options, Measurement* measurement) {
  for (int i = 0; i < options.warmup; ++i) QRUN_RETURN_IF_ERROR(model.run());
  const size_t operators = static_cast<size_t>(model.operator_count());
  measurement->operator_milliseconds.assign(options.profile ? operators : 0, {});
  if (options.duration_s <= 0) {
    measurement->milliseconds.reserve(static_cast<size_t>(options.repeat));
    measurement->start_ms.reserve(static_cast<size_t>(options.repeat));
  }
  measurement->before = read_run_conditions(options.sys_dir, options.cpu);
  const Clock::time_point first = Clock::now();
  const auto done = [&](int run) {
    if (options.duration_s <= 0) return run >= options.repeat;
    return run > 0 && milliseconds_between(first, Clock::now()) >= 1000 * options.duration_s;
  };
  for (int run = 0; !done(run); ++run) {
    if (run > 0 && options.cooldown_s > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(options.cooldown_s));
      if (done(run)) break;
    }
    const Clock::time_point begin = Clock::now();
    QRUN_RETURN_IF_ERROR(model.run());
    const Clock::time_point end = Clock::now();
    measurement->milliseconds.push_back(milliseconds_between(begin, end));
    measurement->start_ms.push_back(milliseconds_between(first, begin));
    for (size_t op = 0; op < measurement->operator_milliseconds.size(); ++op) {
      qrun_operator_info info;
      QRUN_RETURN_IF_ERROR(model.operator_info(static_cast<int>(op), &info));
      measurement->operator_milliseconds[op].push_back(info.last_run_ms);
    }
  }
  measurement->after = read_run_conditions(options.sys_dir, options.cpu);
  measurement->peak_resident_bytes = peak_resident_bytes();
  return Status::Ok();
}

}  // namespace qrun::tools
