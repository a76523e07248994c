#pragma once
// gradus::optim::Adam: a drop-in for torch::optim::Adam with one fused pass
// per parameter, plus PyTorch's `maximize` and `decoupled_weight_decay`
// (AdamW's update; see gradus/optim/adamw.h). The order of operations
// follows torch::optim::Adam, so that double trajectories agree to rounding.
#include <gradus/optim/declaration.h>

#define GRADUS_ADAM_OPTIONS(X)                                                      \
  X(REAL, lr, 1e-3, kNonNegative, "learning rate")                                  \
  X(PAIR, betas, beta1, 0.9, beta2, 0.999, kUnitOpen, "beta parameter at index")    \
  X(REAL, eps, 1e-8, kNonNegative, "epsilon value")                                 \
  X(REAL, weight_decay, 0, kNonNegative, "weight_decay value")                      \
  X(FLAG, amsgrad, false)                                                           \
  X(FLAG, maximize, false)                                                          \
  X(FLAG, decoupled_weight_decay, false)
#define GRADUS_ADAM_STATE(X)            \
  X(exp_avg, exp_avgs, 0, true)         \
  X(exp_avg_sq, exp_avg_sqs, 0, true)   \
  X(max_exp_avg_sq, max_exp_avg_sqs, 0, h.amsgrad)
GRADUS_OPTIMIZER(Adam, adam_, kStepsInMath, GRADUS_ADAM_OPTIONS, GRADUS_ADAM_STATE, GRADUS_NO_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct AdamCoeffs {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay;
  T decay;  // AdamW's parameter shrink factor, 1 - lr * weight_decay
  T bias_correction2_sqrt, neg_step_size;
  bool amsgrad;
  bool decoupled;
  GradFlags grad_flags;

  GRADUS_MATH_FN AdamCoeffs(const ops::AdamHyper& s, double step)
      : beta1(T(s.beta1)),
        one_minus_beta1(T(1 - s.beta1)),
        beta2(T(s.beta2)),
        one_minus_beta2(T(1 - s.beta2)),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        decay(T(1 - s.lr * s.weight_decay)),
        bias_correction2_sqrt(T(::sqrt(1 - ::pow(s.beta2, step)))),
        neg_step_size(T(-s.lr / (1 - ::pow(s.beta1, step)))),
        amsgrad(s.amsgrad),
        decoupled(s.decoupled_weight_decay && s.weight_decay != 0),
        grad_flags{s.maximize, !s.decoupled_weight_decay && s.weight_decay != 0} {}
};

struct AdamUpdate : UpdateOf<ops::AdamHyper, AdamCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& exp_avg = state[Hyper::Slot::exp_avg];
    T& exp_avg_sq = state[Hyper::Slot::exp_avg_sq];
    grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
    if (c.decoupled) param = param * c.decay;
    exp_avg = fma_of(grad, c.one_minus_beta1, exp_avg * c.beta1);  // mul_(b1).add_(grad, 1 - b1)
    exp_avg_sq = addcmul_of(exp_avg_sq * c.beta2, c.one_minus_beta2, grad, grad);
    T second_moment = exp_avg_sq;
    if (c.amsgrad) {
      T& max_exp_avg_sq = state[Hyper::Slot::max_exp_avg_sq];
      max_exp_avg_sq = maximum_of(max_exp_avg_sq, exp_avg_sq);
      second_moment = max_exp_avg_sq;
    }
    const T denom = sqrt_of(second_moment) / c.bias_correction2_sqrt + c.eps;
    param = param + c.neg_step_size * exp_avg / denom;
  }
};
GRADUS_MATH_NAMESPACE_END
