#include <gradus/ops/fused_step.h>
#include <gradus/optim/sgd.h>

#include "call_lists.h"
#include "fused_call.h"
#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

ops::SgdHyper sgd_hyper(const OptimizerOptions& options) {
  const auto& o = static_cast<const SGDOptions&>(options);
  ops::SgdHyper h;
  h.lr = o.lr();
  h.momentum = o.momentum();
  h.dampening = o.dampening();
  h.weight_decay = o.weight_decay();
  h.nesterov = o.nesterov();
  h.maximize = o.maximize();
  return h;
}

}  // namespace

SGD::SGD(std::vector<OptimizerParamGroup> param_groups, SGDOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<SGDOptions>(defaults), "gradus::optim::SGD") {
  check_all_options();
}

SGD::SGD(std::vector<at::Tensor> params, SGDOptions defaults)
    : SGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void SGD::check_options(const OptimizerOptions& options) const {
  kernels::check_hyper(name(), sgd_hyper(options));
}

// A parameter's first momentum step copies its gradient into the buffer, so
// parameters with and without a buffer go to separate operator calls.
void SGD::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  ops::SgdHyper hyper = sgd_hyper(options);
  const ops::StepTensors extra = step_tensors(options);
  if (hyper.momentum == 0) {
    ops::fused_step({bucket.params(), bucket.grads(), {{}}, {}}, hyper, extra);
    return;
  }
  const auto states = states_for<SGDParamState>(bucket.params(), [](SGDParamState&, const at::Tensor&) {});
  CallLists first(1, 0), later(1, bucket.size());
  for (size_t i = 0; i < bucket.size(); ++i) {
    const at::Tensor& param = bucket.params()[i];
    SGDParamState& s = *states[i];
    const bool is_first = !s.momentum_buffer().defined();
    if (is_first) s.momentum_buffer(zeros_state_like(param));
    CallLists& call = is_first ? first : later;
    call.add_param(param, bucket.grads()[i]);
    call.add_state(0, s.momentum_buffer());
  }
  if (!first.params().empty()) {
    hyper.is_first_step = true;
    try {
      ops::fused_step(first.view(), hyper, extra);
    } catch (...) {  // a refused call leaves these params without a buffer, as before it
      for (const at::Tensor& param : first.params()) static_cast<SGDParamState*>(find_state(param))->momentum_buffer({});
      throw;
    }
  }
  if (!later.params().empty()) {
    hyper.is_first_step = false;
    ops::fused_step(later.view(), hyper, extra);
  }
}

std::unique_ptr<OptimizerParamState> SGD::make_empty_state() const {
  return std::make_unique<SGDParamState>();
}

}  // namespace optim
}  // namespace gradus
