#pragma once
// What one training run measured, and the files and table it is written to.
#include <optional>
#include <string>
#include <vector>

namespace gradus {
namespace examples {

struct StepRecord {
  int64_t epoch, step;  // step: global, from 1
  double loss;          // mean training loss since the previous record
  double lr, samples_per_second;
  double smoothed_loss;  // the exponential average (0.98) loss-adaptive follows
};

struct EpochRecord {
  int64_t epoch;  // from 1
  double train_loss, test_loss, test_accuracy, seconds;
};

// A test-set evaluation, --evals-per-epoch times an epoch.
struct EvalRecord {
  double epoch;  // fractional: 1.5 is half-way through the second epoch
  int64_t step;  // global
  double test_loss, test_accuracy;
  double train_seconds;  // training time so far, evaluations excluded
};

struct RunMetrics {
  std::string label;  // e.g. "gradus adam" or "gradus adam, linear-decay"
  std::string impl, optimizer, scheduler;
  std::string precision = "fp32";  // fp32, bf16 or fp16 (--amp)
  std::vector<StepRecord> steps;
  std::vector<EpochRecord> epochs;
  std::vector<EvalRecord> evals;
  double wall_seconds = 0;
  double step_seconds_total = 0;  // time inside optimizer.step()
  int64_t step_calls = 0;
  std::string diverged;  // why the run stopped early (a non-finite loss), or empty
  double mean_step_ms() const { return step_calls ? 1e3 * step_seconds_total / double(step_calls) : 0; }
  // The first evaluation at or above `accuracy`, if any.
  std::optional<EvalRecord> first_reaching(double accuracy) const;
};

// DIR/steps.csv, DIR/evals.csv, DIR/epochs.csv (one row per run and step,
// evaluation or epoch) and DIR/summary.json.
void write_metrics(const std::string& dir, const std::vector<RunMetrics>& runs, const std::string& config_json,
                   double target_accuracy);

// An SVG with three panels: training loss per step (the mean over each log
// interval), test accuracy
// per epoch, and the lr per step; one curve per run (colour: implementation
// and optimizer; dashes: schedule), and a note for curves that coincide.
void write_plot(const std::string& path, const std::vector<RunMetrics>& runs, const std::string& title);

// The runs ranked by final test accuracy: accuracy, loss, steps and
// training seconds to `target_accuracy`, wall time, mean step() time; then
// the step() time of each built-in run against gradus's same run.
std::string ranked_table(const std::vector<RunMetrics>& runs, double target_accuracy);

}  // namespace examples
}  // namespace gradus
