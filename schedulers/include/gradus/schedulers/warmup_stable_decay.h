#pragma once
// WarmupStableDecay (WSD): linear warm-up from lr_0 * warmup_start_factor to
// lr_0 over warmup_steps, lr_0 for stable_steps, then decay to
// lr_0 * end_factor over decay_steps ("linear", "cosine" or "sqrt", i.e.
// 1 - sqrt(progress)), then lr_0 * end_factor.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct WarmupStableDecayOptions {
  WarmupStableDecayOptions(int64_t warmup_steps, int64_t stable_steps, int64_t decay_steps)
      : warmup_steps_(warmup_steps), stable_steps_(stable_steps), decay_steps_(decay_steps) {}
  TORCH_ARG(int64_t, warmup_steps);
  TORCH_ARG(int64_t, stable_steps);
  TORCH_ARG(int64_t, decay_steps);
  TORCH_ARG(double, warmup_start_factor) = 0.0;
  TORCH_ARG(double, end_factor) = 0.0;
  TORCH_ARG(std::string, decay_shape) = "linear";
};

class WarmupStableDecay : public LRScheduler {
 public:
  WarmupStableDecay(torch::optim::Optimizer& optimizer, WarmupStableDecayOptions options);

 protected:
  std::vector<double> get_lr() override { return *closed_form_lr(); }
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double factor_at(int64_t t) const;
  WarmupStableDecayOptions options_;
};

}  // namespace schedulers
}  // namespace gradus
