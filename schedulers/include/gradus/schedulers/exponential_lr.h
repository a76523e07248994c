#pragma once
// ExponentialLR: multiplies the lr by gamma every step.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct ExponentialLROptions {
  ExponentialLROptions(double gamma) : gamma_(gamma) {}  // NOLINT
  TORCH_ARG(double, gamma);
};

class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(torch::optim::Optimizer& optimizer, ExponentialLROptions options);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  ExponentialLROptions options_;
};

}  // namespace schedulers
}  // namespace gradus
