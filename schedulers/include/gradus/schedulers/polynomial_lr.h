#pragma once
// PolynomialLR: lr * (1 - t/total_iters)^power, reaching 0 at total_iters.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct PolynomialLROptions {
  TORCH_ARG(int64_t, total_iters) = 5;
  TORCH_ARG(double, power) = 1.0;
};

class PolynomialLR : public LRScheduler {
 public:
  explicit PolynomialLR(torch::optim::Optimizer& optimizer, PolynomialLROptions options = {});

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  PolynomialLROptions options_;
};

}  // namespace schedulers
}  // namespace gradus
