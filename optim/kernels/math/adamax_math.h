#pragma once
// Adamax per-element update, shared by CPU and CUDA. LibTorch has no Adamax:
// the order follows PyTorch's Python torch.optim.Adamax (single-tensor path).
#include <gradus/ops/adamax.h>

#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

enum AdamaxSlot { kAdamaxExpAvg = 0, kExpInf = 1, kAdamaxSlots = 2 };

template <typename T>
struct AdamaxCoeffs {
  LerpWeight<T> one_minus_beta1;
  T beta2, eps, weight_decay;
  T neg_clr;  // -lr / (1 - beta1^step)
  GradFlags grad_flags;

  GRADUS_MATH_FN AdamaxCoeffs(const ops::AdamaxHyper& s, double step)
      : one_minus_beta1(1 - s.beta1),
        beta2(T(s.beta2)),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        neg_clr(T(-s.lr / (1 - ::pow(s.beta1, step)))),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

template <typename T>
GRADUS_MATH_FN void adamax_math(T& param, T grad, T& exp_avg, T& exp_inf, const AdamaxCoeffs<T>& c) {
  grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
  exp_avg = lerp_of(exp_avg, grad, c.one_minus_beta1);               // exp_avg.lerp_(grad, 1 - beta1)
  exp_inf = maximum_of(exp_inf * c.beta2, abs_of(grad) + c.eps);  // torch.maximum(exp_inf * b2, |grad| + eps)
  param = param + c.neg_clr * exp_avg / exp_inf;                  // param.addcdiv_(exp_avg, exp_inf, -clr)
}

// The update as the CPU loop and the CUDA kernel call it.
struct AdamaxUpdate {
  using Hyper = ops::AdamaxHyper;
  template <typename T>
  using Coeffs = AdamaxCoeffs<T>;
  static constexpr int kSlots = kAdamaxSlots;
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    adamax_math(p, g, s[kAdamaxExpAvg], s[kExpInf], c);
  }
};

GRADUS_MATH_NAMESPACE_END
