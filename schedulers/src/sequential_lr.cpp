#include <gradus/schedulers/sequential_lr.h>
#include <torch/serialize/archive.h>

#include <algorithm>

#include "nested_schedulers.h"

namespace gradus {
namespace schedulers {

SequentialLR::SequentialLR(torch::optim::Optimizer& optimizer,
                           std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer, "gradus::schedulers::SequentialLR"),
      schedulers_(std::move(schedulers)),
      milestones_(std::move(milestones)) {
  detail::check_nested(schedulers_, optimizer_, name());
  TORCH_CHECK(milestones_.size() + 1 == schedulers_.size(), name(),
              ": expects one more scheduler than milestones, but got ", schedulers_.size(),
              " schedulers and ", milestones_.size(), " milestones");
  TORCH_CHECK(std::is_sorted(milestones_.begin(), milestones_.end()), name(), ": milestones must increase");
  // The first scheduler was built first, on the groups' initial lrs: every
  // scheduler starts from its base lrs (as from PyTorch's initial_lr).
  base_lrs_ = schedulers_[0]->base_lrs_;
  for (auto& s : schedulers_) s->base_lrs_ = base_lrs_;
  // As PyTorch does: back to the initial lrs, rewind every scheduler by one
  // step, and redo the first one's initial step.
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(base_lrs_[i]);
  for (auto& s : schedulers_) s->last_epoch_ -= 1;
  schedulers_[0]->initial_step();
  last_lr_ = schedulers_[0]->get_last_lr();
  last_epoch_ = 0;
}

void SequentialLR::step() {
  ++last_epoch_;
  const size_t idx = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  auto& scheduler = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) {
    scheduler.step_to_epoch(0);
  } else {
    scheduler.step();
  }
  last_lr_ = scheduler.get_last_lr();
}

void SequentialLR::save_extra(torch::serialize::OutputArchive& archive) const {
  detail::save_nested(schedulers_, archive);
}

void SequentialLR::load_extra(torch::serialize::InputArchive& archive) {
  detail::load_nested(schedulers_, archive);
}

}  // namespace schedulers
}  // namespace gradus
