#include <gradus/ops/fused_step.h>
#include <gradus/optim/adagrad.h>

#include "call_lists.h"
#include "fused_call.h"
#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

ops::AdagradHyper adagrad_hyper(const OptimizerOptions& options) {
  const auto& o = static_cast<const AdagradOptions&>(options);
  ops::AdagradHyper h;
  h.lr = o.lr();
  h.lr_decay = o.lr_decay();
  h.weight_decay = o.weight_decay();
  h.eps = o.eps();
  h.maximize = o.maximize();
  return h;
}

}  // namespace

Adagrad::Adagrad(std::vector<OptimizerParamGroup> param_groups, AdagradOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<AdagradOptions>(defaults),
                     "gradus::optim::Adagrad") {
  check_all_options();
  for (const auto& group : param_groups_) {
    for (const at::Tensor& param : group.params()) init_state(param);
  }
}

// Like LibTorch and PyTorch, accumulators exist from construction and start
// at the *default* initial_accumulator_value, whatever a group sets.
AdagradParamState& Adagrad::init_state(const at::Tensor& param) {
  const double initial = static_cast<const AdagradOptions&>(defaults()).initial_accumulator_value();
  return state_for<AdagradParamState>(param, [&](AdagradParamState& s) {
    s.step(new_step_count(param));
    s.sum(full_state_like(param, initial));
  });
}

Adagrad::Adagrad(std::vector<at::Tensor> params, AdagradOptions defaults)
    : Adagrad(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void Adagrad::check_options(const OptimizerOptions& options) const {
  const auto& o = static_cast<const AdagradOptions&>(options);
  kernels::check_hyper(name(), adagrad_hyper(options));
  // Not an operator argument: it only fills new accumulators.
  TORCH_CHECK(o.initial_accumulator_value() >= 0, name(),
              ": invalid initial_accumulator_value value: ", o.initial_accumulator_value());
}

void Adagrad::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  CallLists lists(1, bucket.size());
  for (size_t i = 0; i < bucket.size(); ++i) {
    auto& s = init_state(bucket.params()[i]);  // new only for a param added after construction
    lists.add_param(bucket.params()[i], bucket.grads()[i]);
    lists.add_state(0, s.sum());
    lists.add_step(s.step());
  }
  ops::fused_step(lists.view(), adagrad_hyper(options), step_tensors(options));
}

std::unique_ptr<OptimizerParamState> Adagrad::make_empty_state() const {
  return std::make_unique<AdagradParamState>();
}

}  // namespace optim
}  // namespace gradus
