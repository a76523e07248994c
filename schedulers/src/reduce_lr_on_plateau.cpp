#include <gradus/schedulers/reduce_lr_on_plateau.h>
#include <torch/serialize/archive.h>

#include "archive_values.h"

#include <algorithm>
#include <limits>

namespace gradus {
namespace schedulers {

ReduceLROnPlateau::ReduceLROnPlateau(torch::optim::Optimizer& optimizer, ReduceLROnPlateauOptions options)
    : LRScheduler(optimizer, "gradus::schedulers::ReduceLROnPlateau"), options_(std::move(options)) {
  const auto& o = options_;
  TORCH_CHECK(o.factor() < 1.0, name(), ": factor should be < 1.0, got ", o.factor());
  TORCH_CHECK(o.factor() >= 0, name(), ": factor must be >= 0, got ", o.factor());
  TORCH_CHECK(o.patience() >= 0, name(), ": patience must be >= 0, got ", o.patience());
  TORCH_CHECK(o.cooldown() >= 0, name(), ": cooldown must be >= 0, got ", o.cooldown());
  TORCH_CHECK(o.threshold() >= 0, name(), ": threshold must be >= 0, got ", o.threshold());
  TORCH_CHECK(o.eps() >= 0, name(), ": eps must be >= 0, got ", o.eps());
  TORCH_CHECK(o.mode() == SchedulerMode::min || o.mode() == SchedulerMode::max, name(), ": mode ",
              static_cast<int>(o.mode()), " is unknown");
  TORCH_CHECK(o.threshold_mode() == ThresholdMode::rel || o.threshold_mode() == ThresholdMode::abs, name(),
              ": threshold mode ", static_cast<int>(o.threshold_mode()), " is unknown");
  min_lrs_ = per_group(o.min_lr(), "min_lr");
  best_ = o.mode() == SchedulerMode::min ? std::numeric_limits<double>::infinity()
                            : -std::numeric_limits<double>::infinity();
  last_epoch_ = 0;  // PyTorch's ReduceLROnPlateau starts at 0 and makes no initial step
}

void ReduceLROnPlateau::step() {
  TORCH_CHECK(false, name(), " is driven by a metric: call step(metric), e.g. with the validation loss");
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const double t = options_.threshold();
  const bool rel = options_.threshold_mode() == ThresholdMode::rel;
  if (options_.mode() == SchedulerMode::min) return rel ? a < best * (1. - t) : a < best - t;
  return rel ? a > best * (t + 1.) : a > best + t;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (cooldown_counter_ > 0) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience()) {
    auto& groups = optimizer_.param_groups();
    for (size_t i = 0; i < groups.size(); ++i) {
      const double old_lr = groups[i].options().get_lr();
      const double new_lr = std::max(old_lr * options_.factor(), min_lrs_[i]);
      if (old_lr - new_lr > options_.eps()) groups[i].options().set_lr(new_lr);
    }
    cooldown_counter_ = options_.cooldown();
    num_bad_epochs_ = 0;
  }
  last_lr_ = group_lrs();
}

void ReduceLROnPlateau::save_extra(torch::serialize::OutputArchive& archive) const {
  detail::write_value(archive, "best", best_);
  detail::write_value(archive, "num_bad_epochs", double(num_bad_epochs_));
  detail::write_value(archive, "cooldown_counter", double(cooldown_counter_));
}

void ReduceLROnPlateau::load_extra(torch::serialize::InputArchive& archive) {
  best_ = detail::read_value(archive, "best");
  num_bad_epochs_ = int64_t(detail::read_value(archive, "num_bad_epochs"));
  cooldown_counter_ = int64_t(detail::read_value(archive, "cooldown_counter"));
}

}  // namespace schedulers
}  // namespace gradus
