#include <gradus/optim/adam.h>
#include <gradus/optim/fused_ops.h>

namespace gradus {
namespace optim {
namespace detail {

void AdamFamily::check_hyper(const Hyper& h) const {
  TORCH_CHECK(h.lr >= 0, name(), ": invalid learning rate: ", h.lr);
  TORCH_CHECK(h.eps >= 0, name(), ": invalid epsilon value: ", h.eps);
  TORCH_CHECK(0 <= h.beta1 && h.beta1 < 1, name(), ": invalid beta parameter at index 0: ", h.beta1,
              " (must be in [0, 1))");
  TORCH_CHECK(0 <= h.beta2 && h.beta2 < 1, name(), ": invalid beta parameter at index 1: ", h.beta2,
              " (must be in [0, 1))");
  TORCH_CHECK(h.weight_decay >= 0, name(), ": invalid weight_decay value: ", h.weight_decay);
}

void AdamFamily::update_bucket(const Hyper& h, ParamBucket& bucket) {
  std::vector<at::Tensor> exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps;
  for (const at::Tensor& param : bucket.params) {
    auto& s = state_for<AdamParamState>(param, [&](AdamParamState& fresh) {
      fresh.step(new_step_count(param));
      fresh.exp_avg(zeros_state_like(param));
      fresh.exp_avg_sq(zeros_state_like(param));
    });
    if (h.amsgrad && !s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(zeros_state_like(param));
    exp_avgs.push_back(s.exp_avg());
    exp_avg_sqs.push_back(s.exp_avg_sq());
    if (h.amsgrad) max_exp_avg_sqs.push_back(s.max_exp_avg_sq());
    steps.push_back(s.step());
  }
  if (h.lr_tensor.defined()) {
    ops::adam_tensor_lr_(bucket.params, bucket.grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, h.lr_tensor,
                         h.beta1, h.beta2, h.weight_decay, h.eps, h.amsgrad, h.maximize, h.decoupled_weight_decay);
  } else {
    ops::adam_(bucket.params, bucket.grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, h.lr, h.beta1, h.beta2,
               h.weight_decay, h.eps, h.amsgrad, h.maximize, h.decoupled_weight_decay);
  }
}

std::unique_ptr<OptimizerParamState> AdamFamily::make_empty_state() const {
  return std::make_unique<AdamParamState>();
}

}  // namespace detail

Adam::Adam(std::vector<OptimizerParamGroup> param_groups, AdamOptions defaults)
    : AdamFamily(std::move(param_groups), std::make_unique<AdamOptions>(defaults),
                 "gradus::optim::Adam") {
  check_all_options();
}

Adam::Adam(std::vector<at::Tensor> params, AdamOptions defaults)
    : Adam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void Adam::check_options(const OptimizerOptions& options) const {
  check_hyper(hyper_of(static_cast<const AdamOptions&>(options), false));
}

void Adam::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  update_bucket(hyper_of(static_cast<const AdamOptions&>(options), false), bucket);
}

}  // namespace optim
}  // namespace gradus
