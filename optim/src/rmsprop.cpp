#include <gradus/optim/fused_ops.h>
#include <gradus/optim/rmsprop.h>

namespace gradus {
namespace optim {

RMSprop::RMSprop(std::vector<OptimizerParamGroup> param_groups, RMSpropOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<RMSpropOptions>(defaults),
                     "gradus::optim::RMSprop") {
  check_all_options();
}

RMSprop::RMSprop(std::vector<at::Tensor> params, RMSpropOptions defaults)
    : RMSprop(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void RMSprop::check_options(const OptimizerOptions& options) const {
  const auto& o = static_cast<const RMSpropOptions&>(options);
  TORCH_CHECK(o.lr() >= 0, name(), ": invalid learning rate: ", o.lr());
  TORCH_CHECK(o.eps() >= 0, name(), ": invalid epsilon value: ", o.eps());
  TORCH_CHECK(o.momentum() >= 0, name(), ": invalid momentum value: ", o.momentum());
  TORCH_CHECK(o.weight_decay() >= 0, name(), ": invalid weight_decay value: ", o.weight_decay());
  TORCH_CHECK(o.alpha() >= 0, name(), ": invalid alpha value: ", o.alpha());
}

void RMSprop::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto& o = static_cast<const RMSpropOptions&>(options);
  std::vector<at::Tensor> square_avgs, grad_avgs, momentum_buffers, steps;
  for (const at::Tensor& param : bucket.params) {
    auto& s = state_for<RMSpropParamState>(param, [&](RMSpropParamState& fresh) {
      fresh.step(new_step_count(param));
      fresh.square_avg(zeros_state_like(param));
    });
    // Created when first needed, so options switched on later work too.
    if (o.centered() && !s.grad_avg().defined()) s.grad_avg(zeros_state_like(param));
    if (o.momentum() > 0 && !s.momentum_buffer().defined()) {
      s.momentum_buffer(zeros_state_like(param));
    }
    square_avgs.push_back(s.square_avg());
    if (o.centered()) grad_avgs.push_back(s.grad_avg());
    if (o.momentum() > 0) momentum_buffers.push_back(s.momentum_buffer());
    steps.push_back(s.step());
  }
  ops::rmsprop_(bucket.params, bucket.grads, square_avgs, grad_avgs, momentum_buffers, steps,
                o.lr(), o.alpha(), o.eps(), o.weight_decay(), o.momentum(), o.centered(),
                o.maximize());
}

std::unique_ptr<OptimizerParamState> RMSprop::make_empty_state() const {
  return std::make_unique<RMSpropParamState>();
}

}  // namespace optim
}  // namespace gradus
