#pragma once
// CyclicLR: the lr cycles between base_lr and max_lr (triangular,
// triangular2, exp_range or a custom scale function), and the momentum of
// SGD or RMSprop cycles inversely between max_momentum and base_momentum.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

#include <functional>

namespace gradus {
namespace schedulers {

struct CyclicLROptions {
  // One value for every group, or one per group.
  CyclicLROptions(std::vector<double> base_lr, std::vector<double> max_lr)
      : base_lr_(std::move(base_lr)), max_lr_(std::move(max_lr)) {}
  CyclicLROptions(double base_lr, double max_lr) : base_lr_({base_lr}), max_lr_({max_lr}) {}
  TORCH_ARG(std::vector<double>, base_lr);
  TORCH_ARG(std::vector<double>, max_lr);
  TORCH_ARG(int64_t, step_size_up) = 2000;
  TORCH_ARG(std::optional<int64_t>, step_size_down) = std::nullopt;  // default: step_size_up
  TORCH_ARG(std::string, mode) = "triangular";                       // triangular, triangular2, exp_range
  TORCH_ARG(double, gamma) = 1.0;
  TORCH_ARG(std::function<double(double)>, scale_fn) = nullptr;  // overrides mode
  TORCH_ARG(std::string, scale_mode) = "cycle";                  // with scale_fn: cycle or iterations
  TORCH_ARG(bool, cycle_momentum) = true;
  TORCH_ARG(std::vector<double>, base_momentum) = {0.8};
  TORCH_ARG(std::vector<double>, max_momentum) = {0.9};
};

class CyclicLR : public LRScheduler {
 public:
  CyclicLR(torch::optim::Optimizer& optimizer, CyclicLROptions options);

 protected:
  std::vector<double> get_lr() override;

 private:
  double scale(double x) const;

  CyclicLROptions options_;
  std::vector<double> max_lrs_, base_momentums_, max_momentums_;
  double total_size_, step_ratio_;
  bool scale_by_cycle_;
};

}  // namespace schedulers
}  // namespace gradus
