#pragma once
// PyTorch keeps each group's 'initial_lr' in the group dict: the first
// scheduler built on a group records the group's lr there, and later ones
// start from it. A gradus optimizer keeps it with the group's options
// (FusedOptionsBase::initial_lr), so it lives and dies with the optimizer.
// A LibTorch optimizer's group has no room for it: there each scheduler
// starts from the lr the group has when it is built, and SequentialLR and
// ChainedScheduler hand their first scheduler's base lrs to the others.
#include <torch/optim/optimizer.h>

namespace gradus {
namespace schedulers {
namespace detail {

// The group's initial lr, recorded now if it has none.
double initial_lr(torch::optim::OptimizerParamGroup& group);
// Overwrites it (OneCycleLR does, as in PyTorch); no-op for LibTorch's optimizers.
void set_initial_lr(torch::optim::OptimizerParamGroup& group, double lr);

}  // namespace detail
}  // namespace schedulers
}  // namespace gradus
