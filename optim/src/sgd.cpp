#include <gradus/optim/fused_ops.h>
#include <gradus/optim/sgd.h>

namespace gradus {
namespace optim {

SGD::SGD(std::vector<OptimizerParamGroup> param_groups, SGDOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<SGDOptions>(defaults),
                     "gradus::optim::SGD") {
  check_all_options();
}

SGD::SGD(std::vector<at::Tensor> params, SGDOptions defaults)
    : SGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void SGD::check_options(const OptimizerOptions& options) const {
  const auto& o = static_cast<const SGDOptions&>(options);
  TORCH_CHECK(o.lr() >= 0, name(), ": invalid learning rate: ", o.lr());
  TORCH_CHECK(o.momentum() >= 0, name(), ": invalid momentum value: ", o.momentum());
  TORCH_CHECK(o.weight_decay() >= 0, name(), ": invalid weight_decay value: ", o.weight_decay());
  TORCH_CHECK(!o.nesterov() || (o.momentum() > 0 && o.dampening() == 0), name(),
              ": Nesterov momentum requires a momentum and zero dampening (momentum: ",
              o.momentum(), ", dampening: ", o.dampening(), ")");
}

// A parameter's first momentum step copies its gradient into the buffer, so
// parameters with and without a buffer go to separate operator calls.
void SGD::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto& o = static_cast<const SGDOptions&>(options);
  auto run = [&](const ParamBucket& b, const std::vector<at::Tensor>& buffers, bool first) {
    if (b.params.empty()) return;
    if (o.lr_tensor().defined()) {
      ops::sgd_tensor_lr_(b.params, b.grads, buffers, o.lr_tensor(), o.momentum(), o.dampening(), o.weight_decay(),
                          o.nesterov(), o.maximize(), first);
    } else {
      ops::sgd_(b.params, b.grads, buffers, o.lr(), o.momentum(), o.dampening(), o.weight_decay(), o.nesterov(),
                o.maximize(), first);
    }
  };
  if (o.momentum() == 0) {
    run(bucket, {}, false);
    return;
  }
  ParamBucket first, later;
  std::vector<at::Tensor> first_buffers, later_buffers;
  for (size_t i = 0; i < bucket.params.size(); ++i) {
    const at::Tensor& param = bucket.params[i];
    auto& s = state_for<SGDParamState>(param, [](SGDParamState&) {});
    const bool is_first = !s.momentum_buffer().defined();
    if (is_first) s.momentum_buffer(zeros_state_like(param));
    (is_first ? first : later).params.push_back(param);
    (is_first ? first : later).grads.push_back(bucket.grads[i]);
    (is_first ? first_buffers : later_buffers).push_back(s.momentum_buffer());
  }
  run(first, first_buffers, true);
  run(later, later_buffers, false);
}

std::unique_ptr<OptimizerParamState> SGD::make_empty_state() const {
  return std::make_unique<SGDParamState>();
}

}  // namespace optim
}  // namespace gradus
