#include <gradus/schedulers/chained_scheduler.h>
#include <torch/serialize/archive.h>

#include "nested_schedulers.h"

namespace gradus {
namespace schedulers {
namespace {

torch::optim::Optimizer& optimizer_of(const std::vector<std::shared_ptr<LRScheduler>>& schedulers) {
  TORCH_CHECK(!schedulers.empty() && schedulers[0], "gradus::schedulers::ChainedScheduler: needs at least one scheduler");
  return schedulers[0]->optimizer();
}

}  // namespace

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler(optimizer_of(schedulers), "gradus::schedulers::ChainedScheduler"),
      schedulers_(std::move(schedulers)) {
  detail::check_nested(schedulers_, optimizer_, name());
  // The first scheduler was built first, on the groups' initial lrs: the
  // others start from its base lrs (as from PyTorch's initial_lr).
  base_lrs_ = schedulers_[0]->base_lrs_;
  for (auto& s : schedulers_) s->base_lrs_ = base_lrs_;
}

void ChainedScheduler::step() {
  for (auto& s : schedulers_) s->step();
  last_lr_ = group_lrs();
}

void ChainedScheduler::save_extra(torch::serialize::OutputArchive& archive) const {
  detail::save_nested(schedulers_, archive);
}

void ChainedScheduler::load_extra(torch::serialize::InputArchive& archive) {
  detail::load_nested(schedulers_, archive);
}

}  // namespace schedulers
}  // namespace gradus
