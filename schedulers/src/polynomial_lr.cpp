#include <gradus/schedulers/polynomial_lr.h>

#include <algorithm>
#include <cmath>

namespace gradus {
namespace schedulers {

PolynomialLR::PolynomialLR(torch::optim::Optimizer& optimizer, PolynomialLROptions options)
    : LRScheduler(optimizer, "gradus::schedulers::PolynomialLR"), options_(options) {
  TORCH_CHECK(options_.total_iters() > 0, name(), ": total_iters must be positive, got ",
              options_.total_iters());
  TORCH_CHECK(options_.power() >= 0, name(), ": power must be >= 0 (a negative one sends the lr to infinity), got ",
              options_.power());
  initial_step();
}

std::vector<double> PolynomialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ > options_.total_iters()) return lrs;
  const double total = double(options_.total_iters());
  const double decay = std::pow((1.0 - double(last_epoch_) / total) / (1.0 - double(last_epoch_ - 1) / total),
                                options_.power());
  for (double& lr : lrs) lr = lr * decay;
  return lrs;
}

std::optional<std::vector<double>> PolynomialLR::closed_form_lr() const {
  const double total = double(options_.total_iters());
  const double progress = double(std::min(options_.total_iters(), last_epoch_));
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(1.0 - progress / total, options_.power()));
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
