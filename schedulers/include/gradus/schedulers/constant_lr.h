#pragma once
// ConstantLR: lr * factor until total_iters steps, then lr.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct ConstantLROptions {
  TORCH_ARG(double, factor) = 1.0 / 3;
  TORCH_ARG(int64_t, total_iters) = 5;
};

class ConstantLR : public LRScheduler {
 public:
  explicit ConstantLR(torch::optim::Optimizer& optimizer, ConstantLROptions options = {});

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  ConstantLROptions options_;
};

}  // namespace schedulers
}  // namespace gradus
