#include <gradus/ops/fused_step.h>
#include <gradus/optim/asgd.h>

#include "call_lists.h"
#include "fused_call.h"
#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

ops::AsgdHyper asgd_hyper(const OptimizerOptions& options) {
  const auto& o = static_cast<const ASGDOptions&>(options);
  ops::AsgdHyper h;
  h.lr = o.lr();
  h.lambd = o.lambd();
  h.alpha = o.alpha();
  h.t0 = o.t0();
  h.weight_decay = o.weight_decay();
  h.maximize = o.maximize();
  return h;
}

}  // namespace

ASGD::ASGD(std::vector<OptimizerParamGroup> param_groups, ASGDOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<ASGDOptions>(defaults), "gradus::optim::ASGD") {
  check_all_options();
}

ASGD::ASGD(std::vector<at::Tensor> params, ASGDOptions defaults)
    : ASGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

const at::Tensor& ASGD::ax(const at::Tensor& param) {
  OptimizerParamState* state = find_state(param);
  TORCH_CHECK(state != nullptr, name(), "::ax: this parameter (shape ", param.sizes(),
              ") has no state: it is not in this optimizer or has not been stepped yet");
  return static_cast<ASGDParamState&>(*state).ax();
}

void ASGD::check_options(const OptimizerOptions& options) const { kernels::check_hyper(name(), asgd_hyper(options)); }

void ASGD::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const double lr = static_cast<const ASGDOptions&>(options).lr();
  const auto states = states_for<ASGDParamState>(bucket.params(), [lr](ASGDParamState& fresh, const at::Tensor& param) {
    fresh.step(new_step_count(param));
    fresh.eta(new_scalar_state(param, lr));  // PyTorch starts eta at the group's lr
    fresh.mu(new_scalar_state(param, 1.0));
    fresh.ax(zeros_state_like(param));
  });
  CallLists lists(1, bucket.size(), 2);
  for (size_t i = 0; i < bucket.size(); ++i) {
    lists.add_param(bucket.params()[i], bucket.grads()[i]);
    lists.add_state(0, states[i]->ax());
    lists.add_step(states[i]->step());
    lists.add_scalar(0, states[i]->eta());
    lists.add_scalar(1, states[i]->mu());
  }
  ops::fused_step(lists.view(), asgd_hyper(options), step_tensors(options));
}

std::unique_ptr<OptimizerParamState> ASGD::make_empty_state() const { return std::make_unique<ASGDParamState>(); }

}  // namespace optim
}  // namespace gradus
