#include <gradus/schedulers/step_lr.h>

#include <cmath>

namespace gradus {
namespace schedulers {

StepLR::StepLR(torch::optim::Optimizer& optimizer, StepLROptions options)
    : LRScheduler(optimizer, "gradus::schedulers::StepLR"), options_(options) {
  TORCH_CHECK(options_.step_size() > 0, name(), ": step_size must be positive, got ", options_.step_size());
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % options_.step_size() != 0) return lrs;
  for (double& lr : lrs) lr = lr * options_.gamma();
  return lrs;
}

std::optional<std::vector<double>> StepLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_) {
    lrs.push_back(base * std::pow(options_.gamma(), double(last_epoch_ / options_.step_size())));
  }
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
