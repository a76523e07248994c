#include <gradus/ops/fused_step.h>
#include <gradus/optim/adadelta.h>

#include "call_lists.h"
#include "fused_call.h"
#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

ops::AdadeltaHyper adadelta_hyper(const OptimizerOptions& options) {
  const auto& o = static_cast<const AdadeltaOptions&>(options);
  ops::AdadeltaHyper h;
  h.lr = o.lr();
  h.rho = o.rho();
  h.eps = o.eps();
  h.weight_decay = o.weight_decay();
  h.maximize = o.maximize();
  return h;
}

}  // namespace

Adadelta::Adadelta(std::vector<OptimizerParamGroup> param_groups, AdadeltaOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<AdadeltaOptions>(defaults),
                     "gradus::optim::Adadelta") {
  check_all_options();
}

Adadelta::Adadelta(std::vector<at::Tensor> params, AdadeltaOptions defaults)
    : Adadelta(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void Adadelta::check_options(const OptimizerOptions& options) const {
  kernels::check_hyper(name(), adadelta_hyper(options));
}

void Adadelta::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto states =
      states_for<AdadeltaParamState>(bucket.params(), [](AdadeltaParamState& fresh, const at::Tensor& param) {
        fresh.step(new_step_count(param));
        fresh.square_avg(zeros_state_like(param));
        fresh.acc_delta(zeros_state_like(param));
      });
  CallLists lists(2, bucket.size());
  for (size_t i = 0; i < bucket.size(); ++i) {
    lists.add_param(bucket.params()[i], bucket.grads()[i]);
    lists.add_state(0, states[i]->square_avg());
    lists.add_state(1, states[i]->acc_delta());
    lists.add_step(states[i]->step());
  }
  ops::fused_step(lists.view(), adadelta_hyper(options), step_tensors(options));
}

std::unique_ptr<OptimizerParamState> Adadelta::make_empty_state() const {
  return std::make_unique<AdadeltaParamState>();
}

}  // namespace optim
}  // namespace gradus
