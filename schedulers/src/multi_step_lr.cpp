#include <gradus/schedulers/multi_step_lr.h>

#include <algorithm>
#include <cmath>

namespace gradus {
namespace schedulers {

MultiStepLR::MultiStepLR(torch::optim::Optimizer& optimizer, MultiStepLROptions options)
    : LRScheduler(optimizer, "gradus::schedulers::MultiStepLR"), options_(std::move(options)) {
  for (const int64_t m : options_.milestones()) {
    TORCH_CHECK(m >= 0, name(), ": milestones must be >= 0, got ", m);
  }
  std::sort(options_.milestones().begin(), options_.milestones().end());
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  const auto& m = options_.milestones();
  const auto hits = std::count(m.begin(), m.end(), last_epoch_);
  std::vector<double> lrs = group_lrs();
  if (hits == 0) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(options_.gamma(), double(hits));
  return lrs;
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() const {
  const auto& m = options_.milestones();
  const auto passed = std::upper_bound(m.begin(), m.end(), last_epoch_) - m.begin();
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(options_.gamma(), double(passed)));
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
