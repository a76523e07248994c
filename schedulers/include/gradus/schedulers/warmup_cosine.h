#pragma once
// WarmupCosine: linear warm-up from lr_0 * warmup_start_factor to lr_0 over
// warmup_steps, then cosine decay to eta_min at total_steps, then eta_min.
// The same as SequentialLR of LinearLR(start_factor, 1, warmup_steps) and
// CosineAnnealingLR(total_steps - warmup_steps, eta_min) up to total_steps,
// in closed form.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct WarmupCosineOptions {
  WarmupCosineOptions(int64_t warmup_steps, int64_t total_steps)
      : warmup_steps_(warmup_steps), total_steps_(total_steps) {}
  TORCH_ARG(int64_t, warmup_steps);
  TORCH_ARG(int64_t, total_steps);
  TORCH_ARG(double, warmup_start_factor) = 0.0;
  TORCH_ARG(double, eta_min) = 0.0;
};

class WarmupCosine : public LRScheduler {
 public:
  WarmupCosine(torch::optim::Optimizer& optimizer, WarmupCosineOptions options);

 protected:
  std::vector<double> get_lr() override { return *closed_form_lr(); }
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  WarmupCosineOptions options_;
};

}  // namespace schedulers
}  // namespace gradus
