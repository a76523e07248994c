#include "step_report.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

namespace gradus {
namespace bench {

std::string bench_name(const std::string& kind, const std::string& optimizer, int64_t params) {
  return kind + "/" + optimizer + "/" + std::to_string(params);
}

void StepReport::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const auto& run : runs) {
    if (run.run_type != Run::RT_Iteration || run.iterations == 0) continue;
    // With --benchmark_repetitions, the fastest repetition: the least disturbed by the machine.
    const double seconds = run.real_accumulated_time / double(run.iterations);
    auto [it, added] = seconds_.emplace(run.run_name.function_name, seconds);
    if (!added) it->second = std::min(it->second, seconds);
  }
}

namespace {

struct Parsed {
  std::string kind, optimizer;
  int64_t params;
};

Parsed parse(const std::string& name) {
  std::istringstream in(name);
  Parsed p;
  std::string params;
  std::getline(in, p.kind, '/');
  std::getline(in, p.optimizer, '/');
  std::getline(in, params, '/');
  p.params = std::stoll(params);
  return p;
}

}  // namespace

void StepReport::print_summary(const std::map<std::string, double>& bytes_per_param) const {
  std::set<std::pair<int64_t, std::string>> rows;
  for (const auto& [name, seconds] : seconds_) {
    const Parsed p = parse(name);
    if (p.kind == "gradus") rows.insert({p.params, p.optimizer});
  }
  std::printf("\n%-9s %11s %12s %11s %8s %9s %9s %8s\n", "optimizer", "params", "builtin ms",
              "gradus ms", "speedup", "gradus GB/s", "copy GB/s", "of copy");
  for (const auto& [params, optimizer] : rows) {
    const double gradus_s = seconds_.at(bench_name("gradus", optimizer, params));
    auto builtin = seconds_.find(bench_name("builtin", optimizer, params));
    auto copy = seconds_.find(bench_name("copy", "-", params));
    const double bytes = bytes_per_param.at(optimizer) * double(params);
    const double gbps = bytes / gradus_s / 1e9;
    // A copy moves 4 bytes read + 4 bytes written per float.
    const double copy_gbps = copy == seconds_.end() ? 0 : 8.0 * double(params) / copy->second / 1e9;
    char speedup[32] = "-", builtin_ms[32] = "-";
    if (builtin != seconds_.end()) {
      std::snprintf(speedup, sizeof speedup, "%.2fx", builtin->second / gradus_s);
      std::snprintf(builtin_ms, sizeof builtin_ms, "%.3f", builtin->second * 1e3);
    }
    std::printf("%-9s %11lld %12s %11.3f %8s %11.2f %9.2f %7.0f%%\n", optimizer.c_str(),
                static_cast<long long>(params), builtin_ms, gradus_s * 1e3, speedup, gbps, copy_gbps,
                copy_gbps > 0 ? 100.0 * gbps / copy_gbps : 0.0);
  }
}

}  // namespace bench
}  // namespace gradus
