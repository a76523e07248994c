#pragma once
// ReduceLROnPlateau: multiplies the lr by factor once the metric has not
// improved for `patience` steps. Metric-driven: call step(metric).
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

// As LibTorch 2.x's ReduceLROnPlateauScheduler names them.
enum class SchedulerMode { min, max };  // the metric should fall, or rise
enum class ThresholdMode { rel, abs };  // threshold relative to the best, or absolute

struct ReduceLROnPlateauOptions {
  TORCH_ARG(SchedulerMode, mode) = SchedulerMode::min;
  TORCH_ARG(double, factor) = 0.1;
  TORCH_ARG(int64_t, patience) = 10;
  TORCH_ARG(double, threshold) = 1e-4;
  TORCH_ARG(ThresholdMode, threshold_mode) = ThresholdMode::rel;
  TORCH_ARG(int64_t, cooldown) = 0;
  TORCH_ARG(std::vector<double>, min_lr) = {0.0};  // one for all groups, or one per group
  TORCH_ARG(double, eps) = 1e-8;
};

class ReduceLROnPlateau : public LRScheduler {
 public:
  explicit ReduceLROnPlateau(torch::optim::Optimizer& optimizer, ReduceLROnPlateauOptions options = {});
  void step() override;  // refused: needs the metric
  void step(double metric) override;

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }
  void save_extra(torch::serialize::OutputArchive& archive) const override;
  void load_extra(torch::serialize::InputArchive& archive) override;

 private:
  bool is_better(double a, double best) const;

  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
};

}  // namespace schedulers
}  // namespace gradus
