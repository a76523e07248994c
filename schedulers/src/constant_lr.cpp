#include <gradus/schedulers/constant_lr.h>

namespace gradus {
namespace schedulers {

ConstantLR::ConstantLR(torch::optim::Optimizer& optimizer, ConstantLROptions options)
    : LRScheduler(optimizer, "gradus::schedulers::ConstantLR"), options_(options) {
  TORCH_CHECK(options_.factor() >= 0 && options_.factor() <= 1, name(),
              ": factor must be in [0, 1], got ", options_.factor());
  initial_step();
}

std::vector<double> ConstantLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * options_.factor();
  } else if (last_epoch_ == options_.total_iters()) {
    for (double& lr : lrs) lr = lr * (1.0 / options_.factor());
  }
  return lrs;
}

std::optional<std::vector<double>> ConstantLR::closed_form_lr() const {
  const double reached = last_epoch_ >= options_.total_iters() ? 1.0 : 0.0;
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * (options_.factor() + reached * (1 - options_.factor())));
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
