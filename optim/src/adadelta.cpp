#include <gradus/ops/fused_step.h>
#include <gradus/optim/adadelta.h>

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
  ops::FusedTensors tensors{std::move(bucket.params), std::move(bucket.grads), {{}, {}}, {}};
  for (const at::Tensor& param : tensors.params) {
    auto& s = state_for<AdadeltaParamState>(param, [&](AdadeltaParamState& fresh) {
      fresh.step(new_step_count(param));
      fresh.square_avg(zeros_state_like(param));
      fresh.acc_delta(zeros_state_like(param));
    });
    tensors.state[0].push_back(s.square_avg());
    tensors.state[1].push_back(s.acc_delta());
    tensors.state_steps.push_back(s.step());
  }
  ops::fused_step(tensors, adadelta_hyper(options), step_tensors(options));
}

std::unique_ptr<OptimizerParamState> Adadelta::make_empty_state() const {
  return std::make_unique<AdadeltaParamState>();
}

}  // namespace optim
}  // namespace gradus
