#pragma once
// SGD per-element update (momentum, dampening, Nesterov), shared by CPU and CUDA.
// Order of operations follows torch::optim::SGD.
#include <gradus/ops/sgd.h>

#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

enum SgdSlot { kMomentumBuffer = 0, kSgdSlots = 1 };

template <typename T>
struct SgdCoeffs {
  T momentum, one_minus_dampening, weight_decay, neg_lr;
  bool has_momentum, nesterov, is_first_step;
  GradFlags grad_flags;

  GRADUS_MATH_FN SgdCoeffs(const ops::SgdHyper& s, double step)
      : momentum(T(s.momentum)),
        one_minus_dampening(T(1 - s.dampening)),
        weight_decay(T(s.weight_decay)),
        neg_lr(T(-s.lr)),
        has_momentum(s.momentum != 0),
        nesterov(s.nesterov),
        is_first_step(s.is_first_step),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

template <typename T>
GRADUS_MATH_FN void sgd_math(T& param, T grad, T& momentum_buffer, const SgdCoeffs<T>& c) {
  grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
  if (c.has_momentum) {
    momentum_buffer =
        c.is_first_step ? grad : fma_of(grad, c.one_minus_dampening, momentum_buffer * c.momentum);
    grad = c.nesterov ? fma_of(momentum_buffer, c.momentum, grad) : momentum_buffer;
  }
  param = fma_of(grad, c.neg_lr, param);  // param.add_(grad, -lr)
}

// The update as the CPU loop and the CUDA kernel call it.
struct SgdUpdate {
  using Hyper = ops::SgdHyper;
  template <typename T>
  using Coeffs = SgdCoeffs<T>;
  static constexpr int kSlots = kSgdSlots;
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    sgd_math(p, g, s[kMomentumBuffer], c);
  }
};

GRADUS_MATH_NAMESPACE_END
