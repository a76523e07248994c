#pragma once
// Adagrad per-element update, shared by CPU and CUDA. Order follows torch::optim::Adagrad.
#include <gradus/ops/adagrad.h>

#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

enum AdagradSlot { kStateSum = 0, kAdagradSlots = 1 };

template <typename T>
struct AdagradCoeffs {
  T eps, weight_decay, neg_clr;
  GradFlags grad_flags;

  GRADUS_MATH_FN AdagradCoeffs(const ops::AdagradHyper& s, double step)
      : eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        neg_clr(T(-(s.lr / (1 + (step - 1) * s.lr_decay)))),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

template <typename T>
GRADUS_MATH_FN void adagrad_math(T& param, T grad, T& state_sum, const AdagradCoeffs<T>& c) {
  grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
  state_sum = addcmul_of(state_sum, T(1), grad, grad);
  const T std = sqrt_of(state_sum) + c.eps;
  param = param + c.neg_clr * grad / std;
}

// The update as the CPU loop and the CUDA kernel call it.
struct AdagradUpdate {
  using Hyper = ops::AdagradHyper;
  template <typename T>
  using Coeffs = AdagradCoeffs<T>;
  static constexpr int kSlots = kAdagradSlots;
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    adagrad_math(p, g, s[kStateSum], c);
  }
};

GRADUS_MATH_NAMESPACE_END
