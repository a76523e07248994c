#include <gradus/schedulers/one_cycle_lr.h>

#include <cmath>

#include "initial_lr.h"
#include "momentum_access.h"

namespace gradus {
namespace schedulers {

using detail::MomentumKind;

namespace {

int64_t total_steps_of(const OneCycleLROptions& o, const std::string& name) {
  if (o.total_steps()) {
    TORCH_CHECK(*o.total_steps() > 0, name, ": expected positive integer total_steps, but got ", *o.total_steps());
    return *o.total_steps();
  }
  TORCH_CHECK(o.epochs() && o.steps_per_epoch(), name,
              ": you must define either total_steps OR (epochs AND steps_per_epoch)");
  TORCH_CHECK(*o.epochs() > 0, name, ": expected positive integer epochs, but got ", *o.epochs());
  TORCH_CHECK(*o.steps_per_epoch() > 0, name, ": expected positive integer steps_per_epoch, but got ",
              *o.steps_per_epoch());
  return *o.epochs() * *o.steps_per_epoch();
}

}  // namespace

OneCycleLR::OneCycleLR(torch::optim::Optimizer& optimizer, OneCycleLROptions options)
    : LRScheduler(optimizer, "gradus::schedulers::OneCycleLR"),
      options_(std::move(options)),
      total_steps_(total_steps_of(options_, name())) {
  const auto& o = options_;
  const double total = double(total_steps_);
  if (o.three_phase()) {
    phases_ = {{o.pct_start() * total - 1, kInitial, kMax, true, false},
               {2 * o.pct_start() * total - 2, kMax, kInitial, false, true},
               {total - 1, kInitial, kMin, true, true}};
  } else {
    phases_ = {{o.pct_start() * total - 1, kInitial, kMax, true, false},
               {total - 1, kMax, kMin, false, true}};
  }
  TORCH_CHECK(o.pct_start() >= 0 && o.pct_start() <= 1, name(),
              ": expected float between 0 and 1 pct_start, but got ", o.pct_start());
  TORCH_CHECK(o.anneal_strategy() == "cos" || o.anneal_strategy() == "linear", name(),
              ": anneal_strategy must be one of 'cos' or 'linear', instead got ", o.anneal_strategy());
  max_lrs_ = per_group(o.max_lr(), "max_lr");
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    initial_lrs_.push_back(max_lrs_[i] / o.div_factor());
    min_lrs_.push_back(initial_lrs_[i] / o.final_div_factor());
    detail::set_initial_lr(groups[i], initial_lrs_[i]);
  }
  base_lrs_ = initial_lrs_;
  momentum_kind_ = int(MomentumKind::kNone);
  if (o.cycle_momentum()) {
    const auto kind = detail::momentum_kind(optimizer_.defaults());
    TORCH_CHECK(kind != MomentumKind::kNone, name(),
                ": the optimizer must support momentum (momentum or betas) with cycle_momentum");
    momentum_kind_ = int(kind);
    max_momentums_ = per_group(o.max_momentum(), "max_momentum");
    base_momentums_ = per_group(o.base_momentum(), "base_momentum");
    for (size_t i = 0; i < groups.size(); ++i) detail::set_momentum(groups[i].options(), kind, max_momentums_[i]);
  }
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy() == "linear") return (end - start) * pct + start;
  const double cos_out = std::cos(3.141592653589793 * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

double OneCycleLR::lr_at(size_t group, Level level) const {
  return level == kInitial ? initial_lrs_[group] : level == kMax ? max_lrs_[group] : min_lrs_[group];
}

std::vector<double> OneCycleLR::get_lr() {
  const int64_t step_num = last_epoch_;
  TORCH_CHECK(step_num <= total_steps_, name(), ": tried to step ", step_num + 1,
              " times. The specified number of total steps is ", total_steps_);
  auto& groups = optimizer_.param_groups();
  std::vector<double> lrs;
  for (size_t g = 0; g < groups.size(); ++g) {
    double start_step = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      if (double(step_num) <= phase.end_step || i == phases_.size() - 1) {
        const double pct = (double(step_num) - start_step) / (phase.end_step - start_step);
        lrs.push_back(anneal(lr_at(g, phase.start_lr), lr_at(g, phase.end_lr), pct));
        if (momentum_kind_ != int(MomentumKind::kNone)) {
          const double from = phase.momentum_starts_high ? max_momentums_[g] : base_momentums_[g];
          const double to = phase.momentum_ends_high ? max_momentums_[g] : base_momentums_[g];
          detail::set_momentum(groups[g].options(), MomentumKind(momentum_kind_), anneal(from, to, pct));
        }
        break;
      }
      start_step = phase.end_step;
    }
  }
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
