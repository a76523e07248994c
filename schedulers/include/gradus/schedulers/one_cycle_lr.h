#pragma once
// OneCycleLR: warm up from max_lr/div_factor to max_lr, then anneal (cos or
// linear) to initial_lr/final_div_factor; optionally three phases. Cycles the
// momentum of SGD/RMSprop or Adam's beta1 inversely.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct OneCycleLROptions {
  OneCycleLROptions(std::vector<double> max_lr) : max_lr_(std::move(max_lr)) {}  // NOLINT
  OneCycleLROptions(double max_lr) : max_lr_({max_lr}) {}                         // NOLINT
  TORCH_ARG(std::vector<double>, max_lr);
  TORCH_ARG(std::optional<int64_t>, total_steps) = std::nullopt;  // or epochs * steps_per_epoch
  TORCH_ARG(std::optional<int64_t>, epochs) = std::nullopt;
  TORCH_ARG(std::optional<int64_t>, steps_per_epoch) = std::nullopt;
  TORCH_ARG(double, pct_start) = 0.3;
  TORCH_ARG(std::string, anneal_strategy) = "cos";  // cos or linear
  TORCH_ARG(bool, cycle_momentum) = true;
  TORCH_ARG(std::vector<double>, base_momentum) = {0.85};
  TORCH_ARG(std::vector<double>, max_momentum) = {0.95};
  TORCH_ARG(double, div_factor) = 25.;
  TORCH_ARG(double, final_div_factor) = 1e4;
  TORCH_ARG(bool, three_phase) = false;
};

class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(torch::optim::Optimizer& optimizer, OneCycleLROptions options);
  int64_t total_steps() const noexcept { return total_steps_; }

 protected:
  std::vector<double> get_lr() override;

 private:
  // A phase anneals between two of the per-group values below.
  enum Level { kInitial, kMax, kMin };
  struct Phase {
    double end_step;
    Level start_lr, end_lr;
    bool momentum_starts_high, momentum_ends_high;
  };
  double anneal(double start, double end, double pct) const;
  double lr_at(size_t group, Level level) const;

  OneCycleLROptions options_;
  int64_t total_steps_;
  std::vector<Phase> phases_;
  std::vector<double> initial_lrs_, max_lrs_, min_lrs_, base_momentums_, max_momentums_;
  int momentum_kind_;
};

}  // namespace schedulers
}  // namespace gradus
