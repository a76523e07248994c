#pragma once
// MultiStepLR: multiplies the lr by gamma at each milestone (a repeated
// milestone multiplies once per repetition).
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct MultiStepLROptions {
  MultiStepLROptions(std::vector<int64_t> milestones) : milestones_(std::move(milestones)) {}  // NOLINT
  TORCH_ARG(std::vector<int64_t>, milestones);
  TORCH_ARG(double, gamma) = 0.1;
};

class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(torch::optim::Optimizer& optimizer, MultiStepLROptions options);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  MultiStepLROptions options_;
};

}  // namespace schedulers
}  // namespace gradus
