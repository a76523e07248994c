#pragma once
// LinearLR: the lr factor moves linearly from start_factor to end_factor
// over total_iters steps.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct LinearLROptions {
  TORCH_ARG(double, start_factor) = 1.0 / 3;
  TORCH_ARG(double, end_factor) = 1.0;
  TORCH_ARG(int64_t, total_iters) = 5;
};

class LinearLR : public LRScheduler {
 public:
  explicit LinearLR(torch::optim::Optimizer& optimizer, LinearLROptions options = {});

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  LinearLROptions options_;
};

}  // namespace schedulers
}  // namespace gradus
