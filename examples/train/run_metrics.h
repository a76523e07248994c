#pragma once
// What one training run measured, and the files it can be written to.
#include <string>
#include <vector>

namespace gradus {
namespace examples {

struct StepRecord {
  int64_t epoch, step;  // step: global, from 1
  double loss;          // mean training loss since the previous record
  double lr, samples_per_second;
};

struct EpochRecord {
  int64_t epoch;  // from 1
  double train_loss, test_loss, test_accuracy, seconds;
};

struct RunMetrics {
  std::string label;  // e.g. "gradus Adam"
  std::vector<StepRecord> steps;
  std::vector<EpochRecord> epochs;
  double wall_seconds = 0;
  double step_seconds_total = 0;  // time inside optimizer.step()
  int64_t step_calls = 0;
  std::string diverged;  // why the run stopped early (a non-finite loss), or empty
  double mean_step_ms() const { return step_calls ? 1e3 * step_seconds_total / double(step_calls) : 0; }
};

// DIR/steps.csv, DIR/epochs.csv (one row per run and step or epoch) and
// DIR/summary.json.
void write_metrics(const std::string& dir, const std::vector<RunMetrics>& runs, const std::string& config_json);

// An SVG with training loss per logged step, test loss and test accuracy
// per epoch: one curve per run.
void write_plot(const std::string& path, const std::vector<RunMetrics>& runs, const std::string& title);

// The --compare table.
std::string comparison_table(const std::vector<RunMetrics>& runs);

}  // namespace examples
}  // namespace gradus
