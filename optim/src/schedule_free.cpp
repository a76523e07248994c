// Schedule-Free's group state and modes, as facebookresearch/schedule_free
// computes them (on the host, in double, once per group and step); the
// per-element math is each optimizer's operator (gradus/optim/schedule_free.h).
#include <ATen/ops/lerp.h>
#include <c10/core/GradMode.h>
#include <gradus/optim/schedule_free.h>

#include <cmath>
#include <type_traits>

namespace gradus {
namespace optim {
namespace {

// What a group's step does with its state: the lr of this step (warm-up or
// rectification applied), the weight of z in y's average, and the state
// after the step.
struct GroupStep {
  double lr, ckp1, lr_max, weight_sum;
  double bias_correction1 = 1, bias_correction2 = 1;
  bool rectified = true;
};

template <class Options>
GroupStep group_step(const Options& o) {
  const double step = static_cast<double>(o.k() + 1);
  GroupStep s{};
  if constexpr (std::is_same_v<Options, RAdamScheduleFreeOptions>) {
    const double beta2 = std::get<1>(o.betas());
    const double beta2_t = std::pow(beta2, step);
    s.bias_correction2 = 1 - beta2_t;
    const double rho_inf = 2 / (1 - beta2) - 1;
    const double rho_t = rho_inf - 2 * step * beta2_t / s.bias_correction2;
    s.rectified = rho_t > 4.0;
    const double rect = s.rectified ? std::pow((rho_t - 4) * (rho_t - 2) * rho_inf /
                                                   ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.5)
                                    : static_cast<double>(!o.silent_sgd_phase());
    s.lr = o.lr() * rect;
  } else {
    const double warmup = o.warmup_steps();
    const double sched = static_cast<double>(o.k()) < warmup ? step / warmup : 1.0;
    s.lr = o.lr() * sched;
    if constexpr (std::is_same_v<Options, AdamWScheduleFreeOptions>) {
      s.bias_correction2 = 1 - std::pow(std::get<1>(o.betas()), step);
      if (o.inner_momentum() != 0) s.bias_correction1 = 1 - std::pow(o.inner_momentum(), step);
    }
  }
  s.lr_max = o.lr_max() > s.lr ? o.lr_max() : s.lr;  // Python's max(lr, lr_max)
  const double weight = std::pow(step, o.r()) * std::pow(s.lr_max, o.weight_lr_power());
  s.weight_sum = o.weight_sum() + weight;
  s.ckp1 = s.weight_sum == 0 ? 0 : weight / s.weight_sum;
  return s;
}

// The momentum that weighs y between x and z: SGD's momentum, Adam's beta1.
template <class Options>
double averaging_momentum(const Options& o) {
  if constexpr (std::is_same_v<Options, SGDScheduleFreeOptions>) {
    return o.momentum();
  } else {
    return std::get<0>(o.betas());
  }
}

}  // namespace

template <class OptionsT, class State>
typename ScheduleFree<OptionsT, State>::Base::Hyper ScheduleFree<OptionsT, State>::hyper_of(
    const OptionsT& options) const {
  auto h = options.hyper();
  const GroupStep s = group_step(options);
  h.ckp1 = s.ckp1;
  h.y_lr = s.lr * (averaging_momentum(options) * (1 - s.ckp1) - 1);
  h.z_lr = s.lr;
  if constexpr (std::is_same_v<OptionsT, AdamWScheduleFreeOptions>) h.bias_correction1 = s.bias_correction1;
  if constexpr (!std::is_same_v<OptionsT, SGDScheduleFreeOptions>) h.bias_correction2 = s.bias_correction2;
  if constexpr (std::is_same_v<OptionsT, RAdamScheduleFreeOptions>) h.rectified = s.rectified;
  return h;
}

template <class OptionsT, class State>
void ScheduleFree<OptionsT, State>::after_group_step(OptimizerOptions& options) {
  auto& o = static_cast<OptionsT&>(options);
  const GroupStep s = group_step(o);
  o.k(o.k() + 1).lr_max(s.lr_max).weight_sum(s.weight_sum).scheduled_lr(s.lr);
}

template <class OptionsT, class State>
torch::Tensor ScheduleFree<OptionsT, State>::step(torch::optim::Optimizer::LossClosure closure) {
  for (size_t g = 0; g < this->param_groups_.size(); ++g) {
    TORCH_CHECK(static_cast<const OptionsT&>(this->param_groups_[g].options()).train_mode(), this->name(),
                ": step() in eval mode (param group ", g, "); call train() before training steps, and eval() "
                "before evaluating or saving");
  }
  return Base::step(std::move(closure));
}

// p.lerp_(z, weight), for params of any dtype (z is float for half and bfloat16).
template <class OptionsT, class State>
void ScheduleFree<OptionsT, State>::train() {
  c10::NoGradGuard no_grad;
  for (auto& group : this->param_groups_) {
    auto& o = static_cast<OptionsT&>(group.options());
    if (o.train_mode()) continue;
    for (const at::Tensor& param : group.params()) {
      auto* state = static_cast<State*>(this->state_of(param));
      if (state == nullptr || !state->z().defined()) continue;
      at::Tensor p = param;
      p.copy_(p.to(state->z().scalar_type()).lerp_(state->z(), 1 - averaging_momentum(o)));
    }
    o.train_mode(true);
  }
}

template <class OptionsT, class State>
void ScheduleFree<OptionsT, State>::eval() {
  c10::NoGradGuard no_grad;
  for (auto& group : this->param_groups_) {
    auto& o = static_cast<OptionsT&>(group.options());
    if (!o.train_mode()) continue;
    for (const at::Tensor& param : group.params()) {
      auto* state = static_cast<State*>(this->state_of(param));
      if (state == nullptr || !state->z().defined()) continue;
      at::Tensor p = param;
      p.copy_(p.to(state->z().scalar_type()).lerp_(state->z(), 1 - 1 / averaging_momentum(o)));
    }
    o.train_mode(false);
  }
}

template class ScheduleFree<SGDScheduleFreeOptions, SGDScheduleFreeParamState>;
template class ScheduleFree<AdamWScheduleFreeOptions, AdamWScheduleFreeParamState>;
template class ScheduleFree<RAdamScheduleFreeOptions, RAdamScheduleFreeParamState>;

}  // namespace optim
}  // namespace gradus
