#include <gradus/ops/fused_step.h>
#include <gradus/optim/rprop.h>

#include "call_lists.h"
#include "fused_call.h"
#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

ops::RpropHyper rprop_hyper(const OptimizerOptions& options) {
  const auto& o = static_cast<const RpropOptions&>(options);
  ops::RpropHyper h;
  h.lr = o.lr();
  h.etaminus = std::get<0>(o.etas());
  h.etaplus = std::get<1>(o.etas());
  h.step_size_min = std::get<0>(o.step_sizes());
  h.step_size_max = std::get<1>(o.step_sizes());
  h.maximize = o.maximize();
  return h;
}

}  // namespace

Rprop::Rprop(std::vector<OptimizerParamGroup> param_groups, RpropOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<RpropOptions>(defaults), "gradus::optim::Rprop") {
  check_all_options();
}

Rprop::Rprop(std::vector<at::Tensor> params, RpropOptions defaults)
    : Rprop(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void Rprop::check_options(const OptimizerOptions& options) const {
  kernels::check_hyper(name(), rprop_hyper(options));
}

void Rprop::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const double lr = options.get_lr();  // seeds new step sizes, as PyTorch's first step does
  const auto states =
      states_for<RpropParamState>(bucket.params(), [&](RpropParamState& fresh, const at::Tensor& param) {
        fresh.step(new_step_count(param));
        fresh.prev(zeros_state_like(param));
        fresh.step_size(full_state_like(param, lr));
      });
  CallLists lists(2, bucket.size());
  for (size_t i = 0; i < bucket.size(); ++i) {
    lists.add_param(bucket.params()[i], bucket.grads()[i]);
    lists.add_state(0, states[i]->prev());
    lists.add_state(1, states[i]->step_size());
    lists.add_step(states[i]->step());
  }
  ops::fused_step(lists.view(), rprop_hyper(options), step_tensors(options));
}

std::unique_ptr<OptimizerParamState> Rprop::make_empty_state() const {
  return std::make_unique<RpropParamState>();
}

}  // namespace optim
}  // namespace gradus
