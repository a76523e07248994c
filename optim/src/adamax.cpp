#include <gradus/ops/fused_step.h>
#include <gradus/optim/adamax.h>

#include "call_lists.h"
#include "fused_call.h"
#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

ops::AdamaxHyper adamax_hyper(const OptimizerOptions& options) {
  const auto& o = static_cast<const AdamaxOptions&>(options);
  ops::AdamaxHyper h;
  h.lr = o.lr();
  h.beta1 = std::get<0>(o.betas());
  h.beta2 = std::get<1>(o.betas());
  h.eps = o.eps();
  h.weight_decay = o.weight_decay();
  h.maximize = o.maximize();
  return h;
}

}  // namespace

Adamax::Adamax(std::vector<OptimizerParamGroup> param_groups, AdamaxOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<AdamaxOptions>(defaults), "gradus::optim::Adamax") {
  check_all_options();
}

Adamax::Adamax(std::vector<at::Tensor> params, AdamaxOptions defaults)
    : Adamax(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void Adamax::check_options(const OptimizerOptions& options) const {
  kernels::check_hyper(name(), adamax_hyper(options));
}

void Adamax::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto states =
      states_for<AdamaxParamState>(bucket.params(), [](AdamaxParamState& fresh, const at::Tensor& param) {
        fresh.step(new_step_count(param));
        fresh.exp_avg(zeros_state_like(param));
        fresh.exp_inf(zeros_state_like(param));
      });
  CallLists lists(2, bucket.size());
  for (size_t i = 0; i < bucket.size(); ++i) {
    lists.add_param(bucket.params()[i], bucket.grads()[i]);
    lists.add_state(0, states[i]->exp_avg());
    lists.add_state(1, states[i]->exp_inf());
    lists.add_step(states[i]->step());
  }
  ops::fused_step(lists.view(), adamax_hyper(options), step_tensors(options));
}

std::unique_ptr<OptimizerParamState> Adamax::make_empty_state() const {
  return std::make_unique<AdamaxParamState>();
}

}  // namespace optim
}  // namespace gradus
