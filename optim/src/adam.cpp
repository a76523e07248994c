// Adam and AdamW: both run gradus::adam_ (gradus/ops/adam.h).
#include <gradus/ops/fused_step.h>
#include <gradus/optim/adam.h>
#include <gradus/optim/adamw.h>

#include "call_lists.h"
#include "fused_call.h"
#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

template <class Options>
ops::AdamHyper adam_hyper(const OptimizerOptions& options, bool decoupled) {
  const auto& o = static_cast<const Options&>(options);
  ops::AdamHyper h;
  h.lr = o.lr();
  h.beta1 = std::get<0>(o.betas());
  h.beta2 = std::get<1>(o.betas());
  h.weight_decay = o.weight_decay();
  h.eps = o.eps();
  h.amsgrad = o.amsgrad();
  h.maximize = o.maximize();
  h.decoupled_weight_decay = decoupled;
  return h;
}

}  // namespace

namespace detail {

void AdamFamily::step_adam(const ops::AdamHyper& hyper, const OptimizerOptions& options, ParamBucket& bucket) {
  const auto states = states_for<AdamParamState>(bucket.params(), [](AdamParamState& fresh, const at::Tensor& param) {
    fresh.step(new_step_count(param));
    fresh.exp_avg(zeros_state_like(param));
    fresh.exp_avg_sq(zeros_state_like(param));
  });
  CallLists lists(3, bucket.size());
  for (size_t i = 0; i < bucket.size(); ++i) {
    AdamParamState& s = *states[i];
    if (hyper.amsgrad && !s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(zeros_state_like(bucket.params()[i]));
    lists.add_param(bucket.params()[i], bucket.grads()[i]);
    lists.add_state(0, s.exp_avg());
    lists.add_state(1, s.exp_avg_sq());
    if (hyper.amsgrad) lists.add_state(2, s.max_exp_avg_sq());
    lists.add_step(s.step());
  }
  ops::fused_step(lists.view(), hyper, step_tensors(options));
}

std::unique_ptr<OptimizerParamState> AdamFamily::make_empty_state() const {
  return std::make_unique<AdamParamState>();
}

}  // namespace detail

Adam::Adam(std::vector<OptimizerParamGroup> param_groups, AdamOptions defaults)
    : AdamFamily(std::move(param_groups), std::make_unique<AdamOptions>(defaults), "gradus::optim::Adam") {
  check_all_options();
}

Adam::Adam(std::vector<at::Tensor> params, AdamOptions defaults)
    : Adam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void Adam::check_options(const OptimizerOptions& options) const {
  kernels::check_hyper(name(), adam_hyper<AdamOptions>(options, false));
}

void Adam::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  step_adam(adam_hyper<AdamOptions>(options, false), options, bucket);
}

AdamW::AdamW(std::vector<OptimizerParamGroup> param_groups, AdamWOptions defaults)
    : AdamFamily(std::move(param_groups), std::make_unique<AdamWOptions>(defaults), "gradus::optim::AdamW") {
  check_all_options();
}

AdamW::AdamW(std::vector<at::Tensor> params, AdamWOptions defaults)
    : AdamW(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void AdamW::check_options(const OptimizerOptions& options) const {
  kernels::check_hyper(name(), adam_hyper<AdamWOptions>(options, true));
}

void AdamW::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  step_adam(adam_hyper<AdamWOptions>(options, true), options, bucket);
}

}  // namespace optim
}  // namespace gradus
