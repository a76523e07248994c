#pragma once
// A console reporter that also keeps each run's time, then prints the
// comparison table: gradus against the built-in measured in the same run, and
// the effective bandwidth against the copy bandwidth measured in the same run.
#include <benchmark/benchmark.h>

#include <map>
#include <string>

namespace gradus {
namespace bench {

// Benchmark names are "<kind>/<optimizer>/<params>" with kind "gradus",
// "builtin" or "copy" (optimizer "-" for copy).
std::string bench_name(const std::string& kind, const std::string& optimizer, int64_t params);

class StepReport : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override;
  // Prints the table; `bytes_per_param` gives the bytes one fused pass moves.
  void print_summary(const std::map<std::string, double>& bytes_per_param) const;
  // Seconds per iteration of each benchmark run so far, by name (the
  // fastest repetition).
  const std::map<std::string, double>& seconds() const { return seconds_; }

 private:
  std::map<std::string, double> seconds_;  // per step, by benchmark name
};

}  // namespace bench
}  // namespace gradus
