#pragma once
// Adagrad per-element update, shared by CPU and CUDA. Order follows torch::optim::Adagrad.
#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

enum AdagradSlot { kStateSum = 0, kAdagradSlots = 1 };

struct AdagradScalars {
  double lr, lr_decay, weight_decay, eps;
  double step;  // already advanced: 1 on the first update
  bool maximize;
};

template <typename T>
struct AdagradCoeffs {
  T eps, weight_decay, neg_clr;
  GradFlags grad_flags;

  GRADUS_MATH_FN explicit AdagradCoeffs(const AdagradScalars& s)
      : eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        neg_clr(T(-(s.lr / (1 + (s.step - 1) * s.lr_decay)))),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

template <typename T>
GRADUS_MATH_FN void adagrad_math(T& param, T grad, T& state_sum, const AdagradCoeffs<T>& c) {
  grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
  state_sum = addcmul_of(state_sum, T(1), grad, grad);
  const T std = sqrt_of(state_sum) + c.eps;
  param = param + c.neg_clr * grad / std;
}

GRADUS_MATH_NAMESPACE_END
