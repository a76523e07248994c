#pragma once
// Adam / AdamW per-element update, written once for the CPU vector body, the
// CPU scalar tail and the CUDA kernels. Operation order follows
// torch::optim::Adam so that double trajectories agree to rounding.
#include <gradus/ops/adam.h>

#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

// Slots of the optimizer-state tensor list.
enum AdamSlot { kExpAvg = 0, kExpAvgSq = 1, kMaxExpAvgSq = 2, kAdamSlots = 3 };

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

template <typename T>
GRADUS_MATH_FN void adam_math(T& param, T grad, T& exp_avg, T& exp_avg_sq, T& max_exp_avg_sq,
                              const AdamCoeffs<T>& c) {
  grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
  if (c.decoupled) param = param * c.decay;
  exp_avg = fma_of(grad, c.one_minus_beta1, exp_avg * c.beta1);  // mul_(b1).add_(grad, 1 - b1)
  exp_avg_sq = addcmul_of(exp_avg_sq * c.beta2, c.one_minus_beta2, grad, grad);
  T second_moment = exp_avg_sq;
  if (c.amsgrad) {
    max_exp_avg_sq = maximum_of(max_exp_avg_sq, exp_avg_sq);
    second_moment = max_exp_avg_sq;
  }
  const T denom = sqrt_of(second_moment) / c.bias_correction2_sqrt + c.eps;
  param = param + c.neg_step_size * exp_avg / denom;
}

// The update as the CPU loop and the CUDA kernel call it.
struct AdamUpdate {
  using Hyper = ops::AdamHyper;
  template <typename T>
  using Coeffs = AdamCoeffs<T>;
  static constexpr int kSlots = kAdamSlots;
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    adam_math(p, g, s[kExpAvg], s[kExpAvgSq], s[kMaxExpAvgSq], c);
  }
};

GRADUS_MATH_NAMESPACE_END
