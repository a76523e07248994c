#include <gradus/ops/fused_step.h>
#include <gradus/optim/nadam.h>

#include "call_lists.h"
#include "fused_call.h"
#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

ops::NadamHyper nadam_hyper(const OptimizerOptions& options) {
  const auto& o = static_cast<const NAdamOptions&>(options);
  ops::NadamHyper h;
  h.lr = o.lr();
  h.beta1 = std::get<0>(o.betas());
  h.beta2 = std::get<1>(o.betas());
  h.eps = o.eps();
  h.weight_decay = o.weight_decay();
  h.momentum_decay = o.momentum_decay();
  h.decoupled_weight_decay = o.decoupled_weight_decay();
  h.maximize = o.maximize();
  return h;
}

}  // namespace

NAdam::NAdam(std::vector<OptimizerParamGroup> param_groups, NAdamOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<NAdamOptions>(defaults), "gradus::optim::NAdam") {
  check_all_options();
}

NAdam::NAdam(std::vector<at::Tensor> params, NAdamOptions defaults)
    : NAdam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void NAdam::check_options(const OptimizerOptions& options) const {
  kernels::check_hyper(name(), nadam_hyper(options));
}

void NAdam::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto states = states_for<NAdamParamState>(bucket.params(), [](NAdamParamState& fresh, const at::Tensor& param) {
    fresh.step(new_step_count(param));
    fresh.mu_product(new_scalar_state(param, 1.0));
    fresh.exp_avg(zeros_state_like(param));
    fresh.exp_avg_sq(zeros_state_like(param));
  });
  CallLists lists(2, bucket.size(), 1);
  for (size_t i = 0; i < bucket.size(); ++i) {
    lists.add_param(bucket.params()[i], bucket.grads()[i]);
    lists.add_state(0, states[i]->exp_avg());
    lists.add_state(1, states[i]->exp_avg_sq());
    lists.add_step(states[i]->step());
    lists.add_scalar(0, states[i]->mu_product());
  }
  ops::fused_step(lists.view(), nadam_hyper(options), step_tensors(options));
}

std::unique_ptr<OptimizerParamState> NAdam::make_empty_state() const { return std::make_unique<NAdamParamState>(); }

}  // namespace optim
}  // namespace gradus
