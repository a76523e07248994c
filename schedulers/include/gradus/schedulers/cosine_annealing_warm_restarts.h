#pragma once
// CosineAnnealingWarmRestarts (SGDR): cosine from the base lr to eta_min over
// T_i steps, then a restart; each period is T_mult times the previous.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct CosineAnnealingWarmRestartsOptions {
  CosineAnnealingWarmRestartsOptions(int64_t T_0) : T_0_(T_0) {}  // NOLINT
  TORCH_ARG(int64_t, T_0);
  TORCH_ARG(int64_t, T_mult) = 1;
  TORCH_ARG(double, eta_min) = 0;
};

class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(torch::optim::Optimizer& optimizer,
                              CosineAnnealingWarmRestartsOptions options);
  void step() override;

 protected:
  std::vector<double> get_lr() override;
  void step_to_epoch(int64_t epoch) override;
  void save_extra(torch::serialize::OutputArchive& archive) const override;
  void load_extra(torch::serialize::InputArchive& archive) override;

 private:
  CosineAnnealingWarmRestartsOptions options_;
  int64_t T_i_;
  double T_cur_;
};

}  // namespace schedulers
}  // namespace gradus
