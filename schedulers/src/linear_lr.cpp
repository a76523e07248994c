#include <gradus/schedulers/linear_lr.h>

#include <algorithm>

namespace gradus {
namespace schedulers {

LinearLR::LinearLR(torch::optim::Optimizer& optimizer, LinearLROptions options)
    : LRScheduler(optimizer, "gradus::schedulers::LinearLR"), options_(options) {
  TORCH_CHECK(options_.start_factor() > 0 && options_.start_factor() <= 1, name(),
              ": start_factor must be in (0, 1], got ", options_.start_factor());
  TORCH_CHECK(options_.end_factor() >= 0 && options_.end_factor() <= 1, name(),
              ": end_factor must be in [0, 1], got ", options_.end_factor());
  TORCH_CHECK(options_.total_iters() > 0, name(), ": total_iters must be positive, got ",
              options_.total_iters());
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  const double start = options_.start_factor(), end = options_.end_factor();
  const double total = double(options_.total_iters());
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * start;
  } else if (last_epoch_ <= options_.total_iters()) {
    const double ratio = 1.0 + (end - start) / (total * start + double(last_epoch_ - 1) * (end - start));
    for (double& lr : lrs) lr = lr * ratio;
  }
  return lrs;
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() const {
  const double start = options_.start_factor(), end = options_.end_factor();
  const double progress = double(std::min(options_.total_iters(), last_epoch_));
  std::vector<double> lrs;
  for (double base : base_lrs_) {
    lrs.push_back(base * (start + (end - start) * progress / double(options_.total_iters())));
  }
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
