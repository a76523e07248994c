#include <gradus/schedulers/exponential_lr.h>

#include <cmath>

namespace gradus {
namespace schedulers {

ExponentialLR::ExponentialLR(torch::optim::Optimizer& optimizer, ExponentialLROptions options)
    : LRScheduler(optimizer, "gradus::schedulers::ExponentialLR"), options_(options) {
  TORCH_CHECK(options_.gamma() > 0, name(), ": gamma must be positive, got ", options_.gamma());
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr = lr * options_.gamma();
  return lrs;
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(options_.gamma(), double(last_epoch_)));
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
