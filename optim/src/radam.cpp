#include <gradus/ops/fused_step.h>
#include <gradus/optim/radam.h>

#include "call_lists.h"
#include "fused_call.h"
#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

ops::RadamHyper radam_hyper(const OptimizerOptions& options) {
  const auto& o = static_cast<const RAdamOptions&>(options);
  ops::RadamHyper h;
  h.lr = o.lr();
  h.beta1 = std::get<0>(o.betas());
  h.beta2 = std::get<1>(o.betas());
  h.eps = o.eps();
  h.weight_decay = o.weight_decay();
  h.decoupled_weight_decay = o.decoupled_weight_decay();
  h.maximize = o.maximize();
  return h;
}

}  // namespace

RAdam::RAdam(std::vector<OptimizerParamGroup> param_groups, RAdamOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<RAdamOptions>(defaults), "gradus::optim::RAdam") {
  check_all_options();
}

RAdam::RAdam(std::vector<at::Tensor> params, RAdamOptions defaults)
    : RAdam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void RAdam::check_options(const OptimizerOptions& options) const {
  kernels::check_hyper(name(), radam_hyper(options));
}

void RAdam::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto states =
      states_for<RAdamParamState>(bucket.params(), [](RAdamParamState& fresh, const at::Tensor& param) {
        fresh.step(new_step_count(param));
        fresh.exp_avg(zeros_state_like(param));
        fresh.exp_avg_sq(zeros_state_like(param));
      });
  CallLists lists(2, bucket.size());
  for (size_t i = 0; i < bucket.size(); ++i) {
    lists.add_param(bucket.params()[i], bucket.grads()[i]);
    lists.add_state(0, states[i]->exp_avg());
    lists.add_state(1, states[i]->exp_avg_sq());
    lists.add_step(states[i]->step());
  }
  ops::fused_step(lists.view(), radam_hyper(options), step_tensors(options));
}

std::unique_ptr<OptimizerParamState> RAdam::make_empty_state() const {
  return std::make_unique<RAdamParamState>();
}

}  // namespace optim
}  // namespace gradus
