#include <gradus/schedulers/cyclic_lr.h>

#include <cmath>

#include "initial_lr.h"
#include "momentum_access.h"

namespace gradus {
namespace schedulers {

using detail::MomentumKind;

CyclicLR::CyclicLR(torch::optim::Optimizer& optimizer, CyclicLROptions options)
    : LRScheduler(optimizer, "gradus::schedulers::CyclicLR"), options_(std::move(options)) {
  const auto& o = options_;
  TORCH_CHECK(o.scale_fn() || o.mode() == "triangular" || o.mode() == "triangular2" ||
                  o.mode() == "exp_range",
              name(), ": mode '", o.mode(), "' is invalid (triangular, triangular2 or exp_range) and scale_fn is empty");
  TORCH_CHECK(o.scale_mode() == "cycle" || o.scale_mode() == "iterations", name(), ": scale_mode '",
              o.scale_mode(), "' is invalid (cycle or iterations)");
  TORCH_CHECK(o.step_size_up() > 0, name(), ": step_size_up must be positive, got ", o.step_size_up());
  TORCH_CHECK(!o.step_size_down() || *o.step_size_down() > 0, name(), ": step_size_down must be positive, got ",
              o.step_size_down() ? *o.step_size_down() : 0);
  base_lrs_ = per_group(o.base_lr(), "base_lr");
  max_lrs_ = per_group(o.max_lr(), "max_lr");
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i].options().set_lr(base_lrs_[i]);
    detail::initial_lr(groups[i]);  // like PyTorch's setdefault('initial_lr')
  }
  const double up = double(o.step_size_up());
  const double down = o.step_size_down() ? double(*o.step_size_down()) : up;
  total_size_ = up + down;
  step_ratio_ = up / total_size_;
  scale_by_cycle_ = o.scale_fn() ? o.scale_mode() == "cycle" : o.mode() != "exp_range";
  if (o.cycle_momentum()) {
    TORCH_CHECK(detail::momentum_kind(optimizer_.defaults()) == MomentumKind::kMomentum, name(),
                ": the optimizer must have a momentum option (SGD, RMSprop) with cycle_momentum");
    base_momentums_ = per_group(o.base_momentum(), "base_momentum");
    max_momentums_ = per_group(o.max_momentum(), "max_momentum");
    for (size_t i = 0; i < groups.size(); ++i) {
      detail::set_momentum(groups[i].options(), MomentumKind::kMomentum, base_momentums_[i]);
    }
  }
  initial_step();
}

double CyclicLR::scale(double x) const {
  if (options_.scale_fn()) return options_.scale_fn()(x);
  if (options_.mode() == "triangular2") return 1 / std::pow(2.0, x - 1);
  if (options_.mode() == "exp_range") return std::pow(options_.gamma(), x);
  return 1.0;
}

std::vector<double> CyclicLR::get_lr() {
  const double e = double(last_epoch_);
  const double cycle = std::floor(1 + e / total_size_);
  const double x = 1. + e / total_size_ - cycle;
  const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  const double s = scale(scale_by_cycle_ ? cycle : e);
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i) {
    const double base_height = (max_lrs_[i] - base_lrs_[i]) * scale_factor;
    lrs.push_back(base_lrs_[i] + base_height * s);
  }
  if (options_.cycle_momentum()) {
    auto& groups = optimizer_.param_groups();
    for (size_t i = 0; i < groups.size(); ++i) {
      const double base_height = (max_momentums_[i] - base_momentums_[i]) * scale_factor;
      detail::set_momentum(groups[i].options(), MomentumKind::kMomentum, max_momentums_[i] - base_height * s);
    }
  }
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
