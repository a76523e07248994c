#pragma once
// StepLR: multiplies the lr by gamma every step_size steps.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct StepLROptions {
  StepLROptions(int64_t step_size) : step_size_(step_size) {}  // NOLINT
  TORCH_ARG(int64_t, step_size);
  TORCH_ARG(double, gamma) = 0.1;
};

class StepLR : public LRScheduler {
 public:
  StepLR(torch::optim::Optimizer& optimizer, StepLROptions options);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  StepLROptions options_;
};

}  // namespace schedulers
}  // namespace gradus
