#pragma once
// CosineAnnealingLR: cosine from the base lr down to eta_min over T_max
// steps (and back up, periodically, past T_max, as in PyTorch).
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct CosineAnnealingLROptions {
  CosineAnnealingLROptions(int64_t T_max) : T_max_(T_max) {}  // NOLINT
  TORCH_ARG(int64_t, T_max);
  TORCH_ARG(double, eta_min) = 0;
};

class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(torch::optim::Optimizer& optimizer, CosineAnnealingLROptions options);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  CosineAnnealingLROptions options_;
};

}  // namespace schedulers
}  // namespace gradus
