#include <gradus/schedulers/linear_decay.h>

#include <algorithm>

namespace gradus {
namespace schedulers {

LinearDecay::LinearDecay(torch::optim::Optimizer& optimizer, LinearDecayOptions options)
    : LRScheduler(optimizer, "gradus::schedulers::LinearDecay"), options_(options) {
  TORCH_CHECK(options_.total_steps() > 0, name(), ": total_steps must be positive, got ",
              options_.total_steps());
  TORCH_CHECK(options_.end_factor() >= 0 && options_.end_factor() <= 1, name(),
              ": end_factor must be in [0, 1], got ", options_.end_factor());
  initial_step();
}

std::vector<double> LinearDecay::get_lr() { return *closed_form_lr(); }

std::optional<std::vector<double>> LinearDecay::closed_form_lr() const {
  const double t = double(std::min(last_epoch_, options_.total_steps()));
  const double fraction = t / double(options_.total_steps());
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * (1 - (1 - options_.end_factor()) * fraction));
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
