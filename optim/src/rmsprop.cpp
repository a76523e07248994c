#include <gradus/ops/fused_step.h>
#include <gradus/optim/rmsprop.h>

#include "call_lists.h"
#include "fused_call.h"
#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

ops::RmspropHyper rmsprop_hyper(const OptimizerOptions& options) {
  const auto& o = static_cast<const RMSpropOptions&>(options);
  ops::RmspropHyper h;
  h.lr = o.lr();
  h.alpha = o.alpha();
  h.eps = o.eps();
  h.weight_decay = o.weight_decay();
  h.momentum = o.momentum();
  h.centered = o.centered();
  h.maximize = o.maximize();
  return h;
}

}  // namespace

RMSprop::RMSprop(std::vector<OptimizerParamGroup> param_groups, RMSpropOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<RMSpropOptions>(defaults),
                     "gradus::optim::RMSprop") {
  check_all_options();
}

RMSprop::RMSprop(std::vector<at::Tensor> params, RMSpropOptions defaults)
    : RMSprop(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void RMSprop::check_options(const OptimizerOptions& options) const {
  kernels::check_hyper(name(), rmsprop_hyper(options));
}

void RMSprop::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const ops::RmspropHyper hyper = rmsprop_hyper(options);
  const auto states =
      states_for<RMSpropParamState>(bucket.params(), [](RMSpropParamState& fresh, const at::Tensor& param) {
        fresh.step(new_step_count(param));
        fresh.square_avg(zeros_state_like(param));
      });
  CallLists lists(3, bucket.size());
  for (size_t i = 0; i < bucket.size(); ++i) {
    const at::Tensor& param = bucket.params()[i];
    RMSpropParamState& s = *states[i];
    // Created when first needed, so options switched on later work too.
    if (hyper.centered && !s.grad_avg().defined()) s.grad_avg(zeros_state_like(param));
    if (hyper.momentum > 0 && !s.momentum_buffer().defined()) s.momentum_buffer(zeros_state_like(param));
    lists.add_param(param, bucket.grads()[i]);
    lists.add_state(0, s.square_avg());
    if (hyper.centered) lists.add_state(1, s.grad_avg());
    if (hyper.momentum > 0) lists.add_state(2, s.momentum_buffer());
    lists.add_step(s.step());
  }
  ops::fused_step(lists.view(), hyper, step_tensors(options));
}

std::unique_ptr<OptimizerParamState> RMSprop::make_empty_state() const {
  return std::make_unique<RMSpropParamState>();
}

}  // namespace optim
}  // namespace gradus
